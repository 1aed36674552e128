import type { FileHandle } from "node:fs/promises";
import { countLf, crlfToLf } from "../../crlf-stream.js";
import { StoreError } from "../../errors.js";
import { MESSAGE_HEADER_SIZE, messageHeader, metadataBlock } from "./dbox-file.js";

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
  for await (const chunk of crlfToLf(input.data)) {
    size += chunk.length;
    if (input.maxSize !== undefined && size > input.maxSize) {
      throw new StoreError("OVERQUOTA", "Quota exceeded (mailbox for user is full)");
    }
    lfs += countLf(chunk);
    input.onStoredBytes?.(chunk);
    await handle.write(chunk, 0, chunk.length, at);
    at += chunk.length;
  }
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
