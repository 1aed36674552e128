import { open, readdir, rename } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../durable-fs.js";
import { errnoCode } from "../../errors.js";
import { chownHandle, type FileOwner } from "../../file-owner.js";

const NAME = "dovecot-uidvalidity";
const MARKER = /^dovecot-uidvalidity\.([0-9a-f]{8})$/;

function hex(value: number): string {
  return value.toString(16).padStart(8, "0");
}

async function highestMarker(dir: string): Promise<number | undefined> {
  let highest: number | undefined;
  for (const name of await readdir(dir)) {
    const match = MARKER.exec(name);
    if (match) {
      const value = Number.parseInt(match[1]!, 16);
      if (highest === undefined || value > highest) highest = value;
    }
  }
  return highest;
}

/**
 * Allocates the next UIDVALIDITY from the per-user generator (storage-maildir.md §3.5): rename the
 * marker `dovecot-uidvalidity.<cur>` to `<cur+1>` (a rename is atomic, so two processes never get
 * the same value), then rewrite `dovecot-uidvalidity` with the value in 8 hex digits.
 */
export async function allocateUidValidity(
  controlRoot: string,
  owner: FileOwner | undefined,
): Promise<number> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const current = await highestMarker(controlRoot);
    if (current === undefined) {
      const first = Math.floor(Date.now() / 1000);
      try {
        const handle = await open(join(controlRoot, `${NAME}.${hex(first)}`), "wx", 0o444);
        await chownHandle(handle, owner);
        await handle.close();
      } catch (err) {
        if (errnoCode(err) === "EEXIST") continue;
        throw err;
      }
      await writeFileAtomic(join(controlRoot, NAME), hex(first), owner);
      return first;
    }
    // 0 is never a valid UIDVALIDITY; wrap past it.
    const next = current >= 0xffffffff ? 1 : current + 1;
    try {
      await rename(join(controlRoot, `${NAME}.${hex(current)}`), join(controlRoot, `${NAME}.${hex(next)}`));
    } catch (err) {
      if (errnoCode(err) === "ENOENT") continue;
      throw err;
    }
    await writeFileAtomic(join(controlRoot, NAME), hex(next), owner);
    return next;
  }
  return Math.floor(Date.now() / 1000);
}
