import { createReadStream, readFileSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode, StoreError } from "../../errors.js";
import { type ParsedFilename, parseFilename } from "./filename.js";

/** A message file as found in new/ or cur/, keyed elsewhere by its base name. */
export interface DirFile {
  dir: "new" | "cur";
  name: string;
  parsed: ParsedFilename;
}

async function dirStamps(dir: string): Promise<string> {
  const [a, b] = await Promise.all([stat(join(dir, "new")), stat(join(dir, "cur"))]).catch(() => [
    undefined,
    undefined,
  ]);
  return `${a?.mtimeMs}:${a?.ino}:${b?.mtimeMs}:${b?.ino}`;
}

/**
 * Lists new/ then cur/ of a Maildir by base name. A file renamed from new/ to cur/ between the two
 * reads shows twice: the cur/ one wins. If a directory changed while we read it, read again, so a
 * concurrent rename is never mistaken for an expunge. Names starting with `.` are not messages; a
 * name starting with `:` has no base (storage-maildir.md §2.1).
 */
export async function listMaildir(mailboxDir: string): Promise<Map<string, DirFile>> {
  for (let attempt = 0; ; attempt++) {
    const before = await dirStamps(mailboxDir);
    const files = new Map<string, DirFile>();
    for (const dir of ["new", "cur"] as const) {
      let names: string[];
      try {
        names = await readdir(join(mailboxDir, dir));
      } catch (err) {
        if (errnoCode(err) === "ENOENT") throw new StoreError("NONEXISTENT", "Mailbox doesn't exist");
        throw err;
      }
      for (const name of names) {
        if (name.startsWith(".") || name.startsWith(":")) continue;
        const parsed = parseFilename(name);
        files.set(parsed.base, { dir, name, parsed });
      }
    }
    if ((await dirStamps(mailboxDir)) === before || attempt >= 5) return files;
  }
}

/** Bare LFs (not after a CR) in `chunk`; `previous` is the byte before it (-1 at the start). */
function bareLineFeedsIn(chunk: Buffer, previous: number): number {
  let count = 0;
  for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) {
    const before = at > 0 ? chunk[at - 1] : previous;
    if (before !== 13) count++;
  }
  return count;
}

/**
 * Bare LFs (not after a CR) of a stored message: its `W=` size, the CRLF size clients get, is
 * the physical size plus this. A file already in CRLF adds nothing.
 */
export async function countBareLineFeeds(path: string): Promise<number> {
  let count = 0;
  let previous = -1;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    count += bareLineFeedsIn(chunk, previous);
    previous = chunk.length > 0 ? chunk[chunk.length - 1]! : previous;
  }
  return count;
}

/** countBareLineFeeds of a file read whole, synchronously: for small files, where a stream's set-up costs more than the reading. */
export function countBareLineFeedsSync(path: string): number {
  return bareLineFeedsIn(readFileSync(path), -1);
}
