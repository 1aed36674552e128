import { createReadStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { Readable } from "node:stream";
import type { MessageDetails } from "../../backend.js";
import { errnoCode, StoreError } from "../../errors.js";
import { type DboxRecord, readFileHeader, readRecord } from "./dbox-file.js";

export interface OpenRecord {
  handle: FileHandle;
  record: DboxRecord;
}

/**
 * Opens the record at `offset` (undefined: the first one, as in an sdbox `u.` file). Undefined
 * when the file is gone; the handle stays valid if another process unlinks the file afterwards.
 */
export async function openRecord(path: string, offset?: number): Promise<OpenRecord | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw err;
  }
  try {
    const header = await readFileHeader(handle, path);
    const record = await readRecord(handle, path, header, offset ?? header.length);
    if (!record) throw new Error(`no message in ${path} at ${offset ?? header.length}`);
    return { handle, record };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The stored message bytes from `start` to `end` inclusive; takes over the handle. */
export function streamRecord(opened: OpenRecord, start = 0, end?: number): Readable {
  const { handle, record } = opened;
  const last = Math.min(end ?? record.size - 1, record.size - 1);
  if (start > last) {
    void handle.close();
    return Readable.from([]);
  }
  return createReadStream("", {
    fd: handle,
    start: record.messageStart + start,
    end: record.messageStart + last,
    autoClose: true,
  });
}

export type DboxDetails = MessageDetails & { guid: string };

/**
 * Sizes, INTERNALDATE (`R`, whole seconds; missing reads as 1970 as in Dovecot) and GUID of a
 * record. Leaves the handle open.
 */
export async function recordDetails(opened: OpenRecord): Promise<DboxDetails> {
  const { handle, record } = opened;
  let vsize = record.metadata.vsize;
  if (vsize < 0) {
    // No `V`: count the line ends, as Dovecot does when it has to.
    let lfs = 0;
    const buffer = Buffer.alloc(64 * 1024);
    for (let done = 0; done < record.size; ) {
      const want = Math.min(buffer.length, record.size - done);
      const { bytesRead } = await handle.read(buffer, 0, want, record.messageStart + done);
      if (bytesRead === 0) break;
      const part = buffer.subarray(0, bytesRead);
      for (let i = part.indexOf(0x0a); i >= 0; i = part.indexOf(0x0a, i + 1)) lfs++;
      done += bytesRead;
    }
    vsize = record.size + lfs;
  }
  return {
    size: record.size,
    vsize,
    internalDate: record.metadata.receivedSecs * 1000,
    guid: record.metadata.guid,
  };
}

/** Details of the records `open` finds for `refs`, each file closed again; undefined for one gone. */
export async function recordsDetails(
  refs: readonly string[],
  open: (ref: string) => Promise<OpenRecord | undefined>,
): Promise<(DboxDetails | undefined)[]> {
  const result: (DboxDetails | undefined)[] = [];
  for (const ref of refs) {
    const found = await open(ref);
    if (!found) {
      result.push(undefined);
      continue;
    }
    try {
      result.push(await recordDetails(found));
    } finally {
      await found.handle.close();
    }
  }
  return result;
}

/** The stored bytes of the record `open` finds, from `start` to `end` inclusive. */
export async function readMessage(
  found: OpenRecord | undefined,
  start?: number,
  end?: number,
): Promise<Readable> {
  if (!found) throw new StoreError("EXPUNGED", "Message was expunged");
  return streamRecord(found, start, end);
}
