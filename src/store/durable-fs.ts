import { constants } from "node:fs";
import { mkdir, open, rename, stat } from "node:fs/promises";
import { dirname, relative, sep } from "node:path";
import { errnoCode } from "./errors.js";
import { chownHandle, chownPath, DIR_MODE, FILE_MODE, type FileOwner } from "./file-owner.js";

/** fsync a directory so that a rename or create inside it survives a crash. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** Creates a directory and its missing parents, each mode 0700 and owned by `owner`. */
export async function makeDirs(dir: string, owner: FileOwner | undefined): Promise<void> {
  const missing: string[] = [];
  let current = dir;
  for (;;) {
    try {
      await stat(current);
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
