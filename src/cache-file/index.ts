// Small derived files kept between runs (loft-lda's validated config, parsed Sieve scripts): each is
// JSON holding the key it was made for, so a stale one is simply not used. A cache file is only
// believed when this user (or root) owns it and nobody else may write it, as it stands in for
// a config or a script that someone else may not change; written 0600 in a 0700 directory,
// atomically. Any failure to read or write only costs the work the cache would have saved.
import {
  chownSync,
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

let stamp: string | undefined;

/** In the loft-lda bundle (scripts/build.mjs): its build, unique to it. Undefined elsewhere. */
declare const LOFT_BUILD_STAMP: string | undefined;

/**
 * Changes with every build and install of Loft (the file holding this code is written anew), so
 * what an older Loft cached is never read by a newer one, whose parser or schema may differ.
 */
function buildStamp(): string {
  if (typeof LOFT_BUILD_STAMP === "string") return LOFT_BUILD_STAMP;
  if (stamp === undefined) {
    try {
      const st = statSync(fileURLToPath(import.meta.url));
      stamp = `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch {
      stamp = `${Date.now()}:${Math.random()}`;
    }
  }
  return stamp;
}

/**
 * The key of a cache entry: the build and the given parts (e.g. a file's path and its text), whole.
 * An entry holds its key and is used only when it is equal, so no hash can make two texts collide.
 */
export function cacheKey(...parts: string[]): string {
  return [buildStamp(), ...parts].join("\0");
}

/**
 * A short file name for `text` (16 hex digits: two 32-bit FNV-1a lanes). Names only spread entries
 * over files: two texts sharing one cost a miss, never a wrong entry (see cacheKey). Not node:crypto,
 * whose loading was a cost to every loft-lda start.
 */
export function cacheName(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x2f8a3c51;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c ^ (a >>> 24), 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

function trusted(fd: number): boolean {
  const st = fstatSync(fd);
  const euid = process.geteuid?.() ?? st.uid;
  return st.isFile() && (st.uid === euid || st.uid === 0) && (st.mode & 0o022) === 0;
}

/** The value stored at `path` for `key`, or undefined (missing, stale, unreadable or not trusted). */
export function readCache<T>(path: string, key: string): T | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return undefined;
  }
  try {
    if (!trusted(fd)) return undefined;
    const entry = JSON.parse(readFileSync(fd, "utf8")) as { key?: unknown; value?: T };
    return entry.key === key ? entry.value : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * Stores `value` for `key` at `path` (write aside, rename over), creating its directory (0700)
 * when missing. Root gives what it makes to `owner` (a user's own cache in their home).
 */
export function writeCache(
  path: string,
  key: string,
  value: unknown,
  owner?: { uid?: number | undefined; gid?: number | undefined },
): void {
  const dir = dirname(path);
  // Unique while this process writes it (synchronously); one left by a killed process of the same
  // PID makes this write fail and is removed, and the next write succeeds.
  const temp = `${path}.${process.pid}.tmp`;
  const chown =
    process.geteuid?.() === 0 && owner?.uid !== undefined && owner.gid !== undefined
      ? (p: string) => chownSync(p, owner.uid!, owner.gid!)
      : () => {};
  try {
    const made = mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (made !== undefined) {
      chown(made);
      chown(dir);
    }
    writeFileSync(temp, JSON.stringify({ key, value }), { mode: 0o600, flag: "wx" });
    chown(temp);
    renameSync(temp, path);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // Never written.
    }
  }
}
