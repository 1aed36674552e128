import { open } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { countLf, crlfToLf } from "../../crlf-stream.js";
import { errnoCode } from "../../errors.js";
import { chownHandle, FILE_MODE, type FileOwner } from "../../file-owner.js";
import { type BaseNameParts, buildBaseName } from "./filename.js";

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
    for await (const chunk of crlfToLf(data)) {
      lfs += countLf(chunk);
      onStoredBytes?.(chunk);
      await handle.write(chunk);
      size += chunk.length;
    }
    const date = internalDate ?? new Date();
    await handle.utimes(date, date);
    await handle.sync();
    return { name, parts, size, vsize: size + lfs, internalDate: date.getTime() };
  } finally {
    await handle.close();
  }
}
