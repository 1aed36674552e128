import type { FileHandle } from "node:fs/promises";
import { StoreError } from "../../errors.js";
import { MESSAGE_HEADER_SIZE, messageHeader, metadataBlock } from "./dbox-file.js";

const LF = 0x0a;
const CR = 0x0d;
const WRITE_CHUNK = 256 * 1024;

export interface RecordInput {
  data: AsyncIterable<Uint8Array> | Uint8Array;
  guid: string;
  receivedSecs: number;
  mailbox?: string;
  onStoredBytes?: ((chunk: Uint8Array) => void) | undefined;
  /** Refuse (OVERQUOTA) once the stored message is larger. */
  maxSize?: number | undefined;
}

export interface WrittenRecord {
  size: number;
  vsize: number;
  /** Offset just past the record. */
  end: number;
}

async function* chunks(data: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<Uint8Array> {
  if (data instanceof Uint8Array) yield data;
  else yield* data;
}

/**
 * Writes one message record at `position`, as Dovecot does: a placeholder header, the message with
 * CRLF turned into LF, the metadata, and then the real header once the size is known. The caller
 * fsyncs and decides what a failure leaves behind (sdbox: delete the temp file; mdbox: truncate).
 */
export async function writeRecord(
  handle: FileHandle,
  position: number,
  input: RecordInput,
): Promise<WrittenRecord> {
  let at = position + MESSAGE_HEADER_SIZE;
  await handle.write(Buffer.alloc(MESSAGE_HEADER_SIZE), 0, MESSAGE_HEADER_SIZE, position);
  let size = 0;
  let lfs = 0;
  const out = Buffer.allocUnsafe(WRITE_CHUNK + 1);
  let used = 0;
  const emit = async (bytes: Uint8Array) => {
    size += bytes.length;
    if (input.maxSize !== undefined && size > input.maxSize) {
      throw new StoreError("OVERQUOTA", "Quota exceeded (mailbox for user is full)");
    }
    input.onStoredBytes?.(bytes);
    await handle.write(bytes, 0, bytes.length, at);
    at += bytes.length;
  };
  const flush = async () => {
    if (used === 0) return;
    const copy = Buffer.from(out.subarray(0, used));
    used = 0;
    await emit(copy);
  };
  let pendingCR = false;
  for await (const chunk of chunks(input.data)) {
    if (!pendingCR && chunk.indexOf(CR) < 0) {
      for (let i = chunk.indexOf(LF); i >= 0; i = chunk.indexOf(LF, i + 1)) lfs++;
      await flush();
      await emit(chunk);
      continue;
    }
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if (pendingCR) {
        pendingCR = false;
        if (byte !== LF) out[used++] = CR;
      }
      if (byte === CR) {
        pendingCR = true;
        continue;
      }
      if (byte === LF) lfs++;
      out[used++] = byte;
      if (used >= WRITE_CHUNK) await flush();
    }
  }
  if (pendingCR) out[used++] = CR;
  await flush();
  const vsize = size + lfs;
  const meta = metadataBlock({
    guid: input.guid,
    receivedSecs: input.receivedSecs,
    vsize,
    ...(input.mailbox !== undefined ? { mailbox: input.mailbox } : {}),
  });
  await handle.write(meta, 0, meta.length, at);
  at += meta.length;
  const header = messageHeader(size);
  await handle.write(header, 0, header.length, position);
  return { size, vsize, end: at };
}
