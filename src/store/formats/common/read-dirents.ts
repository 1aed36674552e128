import type { Dirent } from "node:fs";
import { readdir } from "node:fs/promises";
import { errnoCode } from "../../errors.js";

/** A directory's entries; none when the directory does not exist (a mailbox tree not made yet). */
export async function readDirents(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return [];
    throw err;
  }
}
