import {
  closeSync,
  constants,
  fdatasync,
  fsync,
  open as openCallback,
  openSync,
  statSync,
  writeSync,
} from "node:fs";
import { mkdir, open, rename } from "node:fs/promises";
import { dirname, relative, sep } from "node:path";
import { promisify } from "node:util";
import { errnoCode } from "./errors.js";
import { chownHandle, chownPath, DIR_MODE, FILE_MODE, type FileOwner } from "./file-owner.js";

/*
 * The save paths make their short metadata calls (close, fchown, futimes, a small write or read,
 * rename, link, unlink, stat) synchronously: each takes 5–40 µs in the kernel, while through
 * fs/promises it costs 50–80 µs of event-loop time (a promise and a thread-pool round trip), which
 * measured as most of the CPU of a delivery. Two kinds of call still run on the thread pool, so that
 * they never stall the event loop: the flushes (fsync, fdatasync: 0.3 ms and more), and the creation
 * of a file, which on ext4 can take the kernel 0.2–1 ms (measured on a busy mail directory: the
 * inode allocator steps over recently deleted inodes; 10 µs on tmpfs). Those use the callback
 * API, which costs half the event-loop time of fs/promises.
 */

/** fsync(2) on the thread pool. */
export const fsyncFd: (fd: number) => Promise<void> = promisify(fsync);
/** fdatasync(2) on the thread pool. */
export const fdatasyncFd: (fd: number) => Promise<void> = promisify(fdatasync);

const openAsync = promisify(openCallback);

/** Creates `path` with O_EXCL (EEXIST when taken) on the thread pool; the descriptor is opened for writing. */
export function createExclusive(path: string, mode: number): Promise<number> {
  return openAsync(path, "wx", mode);
}

/** Writes all of `data` at the descriptor's position (a regular file takes it in one call as a rule). */
export function writeAllSync(fd: number, data: Uint8Array): void {
  for (let done = 0; done < data.length; ) done += writeSync(fd, data, done, data.length - done);
}

/** fsync a directory so that a rename or create inside it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fdatasyncFd(fd);
  } finally {
    closeSync(fd);
  }
}

/** Creates a directory and its missing parents, each mode 0700 and owned by `owner`. */
export async function makeDirs(dir: string, owner: FileOwner | undefined): Promise<void> {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    try {
      // Synchronous: a quick call, and the usual one (the directory is there).
      statSync(current);
      break;
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") throw err;
      missing.unshift(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
    }
  }
  for (const path of missing) {
    try {
      await mkdir(path, { mode: DIR_MODE });
      await chownPath(path, owner);
    } catch (err) {
      if (errnoCode(err) !== "EEXIST") throw err;
    }
  }
}

/** Writes a small file atomically: temp → fsync → rename → fsync dir. */
export async function writeFileAtomic(
  path: string,
  content: string | Uint8Array,
  owner: FileOwner | undefined,
  mode = FILE_MODE,
): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, "w", mode);
  try {
    await chownHandle(handle, owner);
    await handle.writeFile(content);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  await fsyncDir(dirname(path));
}

/** True when `path` is `root` or inside it (lexically; the caller built both from resolved paths). */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep));
}
