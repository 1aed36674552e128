import { closeSync, futimesSync, unlinkSync, write } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { CrlfToLf, countLf } from "../../crlf-stream.js";
import { createExclusive, fsyncFd, writeAllSync } from "../../durable-fs.js";
import { errnoCode } from "../../errors.js";
import { chownFdSync, FILE_MODE, type FileOwner } from "../../file-owner.js";
import { HOST_NAME } from "../common/host-name.js";
import { type BaseNameParts, buildBaseName } from "./filename.js";

const writeAsync = promisify(write);

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
  return { secs, usecs, pid: process.pid, host: HOST_NAME };
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
 * A crash at any point leaves only a file in tmp/, which nobody reads; a failure removes it.
 * The file is created on the thread pool; a message already in memory (LMTP, LDA) is then written
 * with one synchronous write (see durable-fs.ts), a streamed one (IMAP APPEND of any size) chunk by
 * chunk on the thread pool.
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
  let fd: number | undefined;
  for (let attempt = 0; fd === undefined; attempt++) {
    try {
      fd = await createExclusive(join(tmpDir, name), FILE_MODE);
    } catch (err) {
      if (errnoCode(err) !== "EEXIST" || attempt > 100) throw err;
      parts = nextBaseNameParts();
      name = buildBaseName(parts);
    }
  }
  let size = 0;
  let lfs = 0;
  const stored = (chunk: Buffer): Buffer => {
    if (chunk.length === 0) return chunk;
    lfs += countLf(chunk);
    onStoredBytes?.(chunk);
    size += chunk.length;
    return chunk;
  };
  let written = false;
  try {
    chownFdSync(fd, owner);
    const converter = new CrlfToLf();
    if (data instanceof Uint8Array) {
      writeAllSync(fd, stored(converter.push(data)));
    } else {
      for await (const input of data) {
        const chunk = stored(converter.push(input));
        for (let done = 0; done < chunk.length; ) {
          done += (await writeAsync(fd, chunk, done, chunk.length - done, null)).bytesWritten;
        }
      }
    }
    writeAllSync(fd, stored(converter.end()));
    const date = internalDate ?? new Date();
    futimesSync(fd, date, date);
    await fsyncFd(fd);
    written = true;
    return { name, parts, size, vsize: size + lfs, internalDate: date.getTime() };
  } finally {
    closeSync(fd);
    if (!written) {
      try {
        unlinkSync(join(tmpDir, name));
      } catch {
        // Left in tmp/: nobody reads it, and it is cleaned like any stale temp file.
      }
    }
  }
}
