import { open } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { errnoCode } from "../../errors.js";
import { chownHandle, FILE_MODE, type FileOwner } from "../../file-owner.js";
import { type BaseNameParts, buildBaseName } from "./filename.js";

const LF = 0x0a;
const CR = 0x0d;
const WRITE_CHUNK = 256 * 1024;

/** Unique base-name parts within this process: bump the microseconds on a collision, as Dovecot does. */
let lastStamp = { secs: 0, usecs: 0 };
export function nextBaseNameParts(
  now = Date.now(),
  hrUsecs = Number(process.hrtime.bigint() / 1000n) % 1000,
): BaseNameParts {
  let secs = Math.floor(now / 1000);
  let usecs = (now % 1000) * 1000 + hrUsecs;
  if (secs < lastStamp.secs || (secs === lastStamp.secs && usecs <= lastStamp.usecs)) {
    secs = lastStamp.secs;
    usecs = lastStamp.usecs + 1;
    if (usecs >= 1_000_000) {
      secs++;
      usecs = 0;
    }
  }
  lastStamp = { secs, usecs };
  return { secs, usecs, pid: process.pid, host: hostname() };
}

export interface TmpFile {
  name: string;
  parts: BaseNameParts;
  /** Bytes written (LF line ends): the `S=` size. */
  size: number;
  /** Size with every LF counted as CRLF: the `W=` size. */
  vsize: number;
  internalDate: number;
}

async function* chunks(data: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<Uint8Array> {
  if (data instanceof Uint8Array) yield data;
  else yield* data;
}

/**
 * Writes a message into tmp/ (O_EXCL, retrying with a new name) converting CRLF to LF (Dovecot's
 * mail_save_crlf=no), sets its mtime to the internal date (the Maildir INTERNALDATE) and fsyncs it.
 * A crash at any point leaves only a file in tmp/, which nobody reads.
 */
export async function writeTmpFile(
  tmpDir: string,
  data: AsyncIterable<Uint8Array> | Uint8Array,
  internalDate: Date | undefined,
  owner: FileOwner | undefined,
  onStoredBytes?: (chunk: Uint8Array) => void,
): Promise<TmpFile> {
  let parts = nextBaseNameParts();
  let name = buildBaseName(parts);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  for (let attempt = 0; handle === undefined; attempt++) {
    try {
      handle = await open(join(tmpDir, name), "wx", FILE_MODE);
    } catch (err) {
      if (errnoCode(err) !== "EEXIST" || attempt > 100) throw err;
      parts = nextBaseNameParts();
      name = buildBaseName(parts);
    }
  }
  let size = 0;
  let lfs = 0;
  try {
    await chownHandle(handle, owner);
    let pendingCR = false;
    const out = Buffer.allocUnsafe(WRITE_CHUNK + 1);
    let used = 0;
    const flush = async () => {
      if (used > 0) {
        onStoredBytes?.(Buffer.from(out.subarray(0, used)));
        await handle.write(out, 0, used);
        size += used;
        used = 0;
      }
    };
    for await (const chunk of chunks(data)) {
      if (!pendingCR && chunk.indexOf(CR) < 0) {
        // Fast path: nothing to convert.
        for (let at = chunk.indexOf(LF); at >= 0; at = chunk.indexOf(LF, at + 1)) lfs++;
        await flush();
        onStoredBytes?.(chunk);
        await handle.write(chunk);
        size += chunk.length;
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
    const date = internalDate ?? new Date();
    await handle.utimes(date, date);
    await handle.sync();
    return { name, parts, size, vsize: size + lfs, internalDate: date.getTime() };
  } finally {
    await handle.close();
  }
}
