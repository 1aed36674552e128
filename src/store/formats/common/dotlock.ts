import {
  closeSync,
  existsSync,
  type FSWatcher,
  fstatSync,
  futimesSync,
  linkSync,
  readdirSync,
  readFileSync,
  renameSync,
  type Stats,
  statSync,
  unlinkSync,
  utimesSync,
  watch,
  writeSync,
} from "node:fs";
import { open } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createExclusive, fdatasyncFd, fsyncDir, writeAllSync } from "../../durable-fs.js";
import { errnoCode, StoreError } from "../../errors.js";
import { chownFdSync, FILE_MODE, type FileOwner } from "../../file-owner.js";
import { HOST_NAME } from "./host-name.js";

/** Dovecot's defaults for dovecot-uidlist.lock (storage-maildir.md §7). */
export const UIDLIST_LOCK_TIMEOUT_MS = 122_000;
export const UIDLIST_LOCK_STALE_MS = 120_000;

export interface DotlockOptions {
  timeoutMs?: number;
  /** A lock neither touched nor accompanied by a change of `watchPath` for this long is overridden. */
  staleMs?: number;
  /** The file the lock protects: a lock is only stale if this did not change either. */
  watchPath?: string;
  owner?: FileOwner | undefined;
  /** Where the file the locks link to is kept while the process lives (a Maildir's tmp/): see seedIn. */
  seedDir?: string;
}

export interface Dotlock {
  readonly path: string;
  /** Writes `content` into the lock file, fsyncs it and renames it onto `target` (the lock is gone after). */
  commitTo(target: string, content: string | Uint8Array, mtimeAfter?: number): Promise<void>;
  /** Updates the lock's mtime so others do not take it for stale during long work. */
  touch(): Promise<void>;
  release(): Promise<void>;
}

/** Whether a process of that id exists (one we may not signal exists too). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === "EPERM";
  }
}

/*
 * Taking and releasing a lock are a handful of short metadata calls, made synchronously but for the
 * creation of the temp file (see durable-fs.ts for why): through fs/promises they cost several
 * times what the system calls do.
 */

function mtimeOf(path: string | undefined): number {
  if (path === undefined) return 0;
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? Math.max(st.mtimeMs, st.ctimeMs) : 0;
}

/** Decides whether an existing lock may be overridden, as Dovecot's file_dotlock does. */
function isStale(path: string, options: DotlockOptions): { stale: boolean; ino?: number } {
  let st: Stats;
  let content: string;
  try {
    st = statSync(path);
    content = readFileSync(path, "latin1");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return { stale: false };
    throw err;
  }
  const match = /^(\d+):(.*)$/.exec(content);
  // Dovecot checks the PID only after 2 s; a lock of ours whose process is gone can never be released,
  // so we check it at once (same host only: PIDs of other hosts mean nothing here).
  if (match && match[2] === HOST_NAME && !processAlive(Number(match[1]))) {
    return { stale: true, ino: Number(st.ino) };
  }
  const staleMs = options.staleMs ?? UIDLIST_LOCK_STALE_MS;
  const last = Math.max(Number(st.mtimeMs), Number(st.ctimeMs), mtimeOf(options.watchPath));
  return { stale: Date.now() - last > staleMs, ino: Number(st.ino) };
}

/** Temp names are unique within the process; a leftover of a dead process with our PID is stepped over. */
let tempCounter = 0;

/** Creates a temp file in `dir` exclusively, under the first free name. */
async function createTemp(dir: string): Promise<{ fd: number; temp: string }> {
  for (let attempt = 0; ; attempt++) {
    const temp = join(dir, `.temp.${HOST_NAME}.${process.pid}.${(tempCounter++).toString(36)}`);
    try {
      return { fd: await createExclusive(temp, FILE_MODE), temp };
    } catch (err) {
      if (errnoCode(err) !== "EEXIST" || attempt > 100) throw err;
    }
  }
}

/** A temp file with `<pid>:<host>` in it, closed: what a lock is a link to. */
async function createLockContent(
  dir: string,
  owner: FileOwner | undefined,
): Promise<{ path: string; ino: number }> {
  const { fd, temp } = await createTemp(dir);
  try {
    chownFdSync(fd, owner);
    writeSync(fd, `${process.pid}:${HOST_NAME}`);
    return { path: temp, ino: Number(fstatSync(fd).ino) };
  } catch (err) {
    unlinkQuietly(temp);
    throw err;
  } finally {
    closeSync(fd);
  }
}

/*
 * With `seedDir`, a lock is a hard link to a "seed" kept there while the process lives, one per
 * directory (Dovecot's NFS-safe method links a fresh temp file each time, as we do without it). A
 * lock is never seen empty either way, but taking one so allocates no inode and releasing it frees
 * none: on ext4, creating a file was the dearest call of a delivery, and dearer the more files had
 * just been deleted (the kernel steps over recently freed inodes). The seeds of the directories used
 * last are kept; the others, and all at exit, are unlinked; those of killed processes go when the
 * next process makes its seed there.
 */
const MAX_SEEDS = 256;
/** The seed's path, by the directory it is in. */
const seeds = new Map<string, string>();
/** Seed directories on another file system than their locks: those lock as without a seed. */
const unlinkable = new Set<string>();

process.once("exit", () => {
  for (const seed of seeds.values()) unlinkQuietly(seed);
});

async function seedIn(dir: string, owner: FileOwner | undefined): Promise<string> {
  const known = seeds.get(dir);
  if (known !== undefined) {
    // Most recently used last: eviction takes the first.
    seeds.delete(dir);
    seeds.set(dir, known);
    return known;
  }
  removeDeadSeeds(dir);
  const seed = (await createLockContent(dir, owner)).path;
  seeds.set(dir, seed);
  if (seeds.size > MAX_SEEDS) {
    const [oldest, evicted] = seeds.entries().next().value as [string, string];
    seeds.delete(oldest);
    unlinkQuietly(evicted);
  }
  return seed;
}

/** Seeds, and the temp files of commits (makeLock), left in `dir` by processes of this host that were killed. */
function removeDeadSeeds(dir: string): void {
  const prefix = `.temp.${HOST_NAME}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (pid > 0 && pid !== process.pid && !processAlive(pid)) unlinkQuietly(join(dir, name));
  }
}

/**
 * Links the lock name to this process's seed in `seedDir`, the seed's times set to now first (a
 * lock's age tells whether it is stale). The lock's inode, undefined if held, null if the seed
 * cannot be linked there.
 */
async function tryLinkSeed(
  path: string,
  seedDir: string,
  owner: FileOwner | undefined,
): Promise<number | undefined | null> {
  for (let attempt = 0; ; attempt++) {
    const seed = await seedIn(seedDir, owner);
    try {
      const now = Date.now() / 1000;
      utimesSync(seed, now, now);
      // The file at the seed's name, not the one made: a mailbox directory copied or moved
      // elsewhere (and a link left in its place) brings a copy of the seed, another inode.
      const ino = Number(statSync(seed).ino);
      linkSync(seed, path);
      return ino;
    } catch (err) {
      const code = errnoCode(err);
      if (code === "EEXIST") return undefined;
      if (code === "EXDEV") {
        unlinkable.add(seedDir);
        return null;
      }
      // The seed was removed (a clean-up of old temp files): make another. (Or the lock's directory
      // is gone: then the seed is still there, and one no longer in `seeds` would outlive us.)
      if (code !== "ENOENT" || attempt > 0) throw err;
      unlinkQuietly(seed);
      seeds.delete(seedDir);
    }
  }
}

/** A lock just taken: its inode, and where its temp files go (see makeLock). */
interface Created {
  ino: number;
  tempDir: string;
}

/** Creates the lock with its content already in it; undefined if it is held. */
async function tryCreate(path: string, options: DotlockOptions): Promise<Created | undefined> {
  const { seedDir, owner } = options;
  if (seedDir !== undefined && !unlinkable.has(seedDir)) {
    const linked = await tryLinkSeed(path, seedDir, owner);
    if (linked === undefined) return undefined;
    if (linked !== null) return { ino: linked, tempDir: seedDir };
  }
  const fresh = await createLockContent(dirname(path), owner);
  try {
    linkSync(fresh.path, path);
    return { ino: fresh.ino, tempDir: dirname(path) };
  } catch (err) {
    if (errnoCode(err) === "EEXIST") return undefined;
    throw err;
  } finally {
    unlinkQuietly(fresh.path);
  }
}

/** The last in-process claim of each lock path; a new claim waits for it. */
const claims = new Map<string, Promise<void>>();

/**
 * Takes a dotlock `path` with the content `<pid>:<host>`; waits 0.1–0.2 s between tries until the
 * timeout; overrides stale locks. Claims from this process queue up first and take the lock one
 * after another: concurrent deliveries to one mailbox would otherwise find it taken and each sleep
 * 0.1–0.2 s (measured: most of an LMTP delivery's time under load).
 */
export async function acquireDotlock(path: string, options: DotlockOptions = {}): Promise<Dotlock> {
  const previous = claims.get(path) ?? Promise.resolve();
  let endTurn!: () => void;
  const mine = new Promise<void>((resolve) => {
    endTurn = resolve;
  });
  const turn = previous.then(() => mine);
  claims.set(path, turn);
  const done = () => {
    endTurn();
    if (claims.get(path) === turn) claims.delete(path);
  };
  await previous;
  try {
    return withTurn(await acquireFileLock(path, options), done);
  } catch (err) {
    done();
    throw err;
  }
}

/** Ends this process's turn on the lock once the lock is gone (released or committed). */
function withTurn(lock: Dotlock, done: () => void): Dotlock {
  return {
    path: lock.path,
    touch: () => lock.touch(),
    async commitTo(target, content, mtimeAfter) {
      try {
        await lock.commitTo(target, content, mtimeAfter);
      } finally {
        done();
      }
    },
    async release() {
      try {
        await lock.release();
      } finally {
        done();
      }
    },
  };
}

/**
 * Waits until the lock at `path` goes or `ms` pass, whichever is first. Dovecot waits for a dotlock
 * with inotify too (use_io_notify): sleeping the whole 0.1–0.2 s made every lock another process
 * held for a moment cost that much. The timer stays, for a lock that goes unseen (another host on
 * NFS, a watch that cannot be set).
 */
function untilRemoved(path: string, ms: number): Promise<void> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      resolve();
    };
    const timer = setTimeout(done, ms);
    try {
      // Any event (the lock unlinked, or renamed onto its target) is worth a new try.
      watcher = watch(path, { persistent: false }, done);
      watcher.on("error", done);
    } catch {
      // No watch to be had (or the lock is gone already): the timer, or the check below.
    }
    // Removed between the failed try and the watch: no event will come for it.
    if (!existsSync(path)) done();
  });
}

async function acquireFileLock(path: string, options: DotlockOptions): Promise<Dotlock> {
  const deadline = Date.now() + (options.timeoutMs ?? UIDLIST_LOCK_TIMEOUT_MS);
  for (;;) {
    const created = await tryCreate(path, options);
    if (created !== undefined) return makeLock(path, created, options.owner);
    const { stale, ino } = isStale(path, options);
    if (stale) {
      // Unlink only the lock we judged, not one somebody created in the meantime.
      if (inodeOf(path) === ino) unlinkQuietly(path);
      continue;
    }
    if (Date.now() > deadline) {
      throw new StoreError("TEMPFAIL", `Timeout waiting for lock ${path}`);
    }
    await untilRemoved(path, 100 + Math.floor(Math.random() * 100));
  }
}

/**
 * `created.tempDir`: where commitTo writes its content before renaming it onto the target. A
 * seed's directory when the lock is a link to a seed (the same file system, as the link proved),
 * so that the temp file of a process killed meanwhile goes with its dead seeds (removeDeadSeeds).
 */
function makeLock(path: string, created: Created, owner: FileOwner | undefined): Dotlock {
  const { ino, tempDir } = created;
  let held = true;
  const stillOurs = (): boolean => inodeOf(path) === ino;
  return {
    path,
    async commitTo(target, content, mtimeAfter) {
      if (!held) throw new StoreError("CANNOT", `lock ${path} is not held`);
      // The lock may be a link to this process's seed: the content goes into a file of its own,
      // renamed onto the target while the lock is still held; the lock goes after.
      const { fd, temp } = await createTemp(tempDir);
      try {
        chownFdSync(fd, owner);
        writeAllSync(fd, typeof content === "string" ? Buffer.from(content) : content);
        await fdatasyncFd(fd);
        if (mtimeAfter !== undefined) futimesSync(fd, mtimeAfter / 1000, mtimeAfter / 1000);
        if (!stillOurs()) throw new StoreError("TEMPFAIL", `lock ${path} was overridden`);
        renameSync(temp, target);
      } catch (err) {
        unlinkQuietly(temp);
        throw err;
      } finally {
        closeSync(fd);
      }
      held = false;
      unlinkQuietly(path);
      await fsyncDir(dirname(target));
    },
    async touch() {
      const now = Date.now() / 1000;
      const handle = await open(path, "r+");
      try {
        await handle.utimes(now, now);
      } finally {
        await handle.close();
      }
    },
    async release() {
      if (!held) return;
      held = false;
      if (stillOurs()) unlinkQuietly(path);
    },
  };
}

/** The inode of a lock file, undefined when it cannot be seen. */
function inodeOf(path: string): number | undefined {
  try {
    return Number(statSync(path).ino);
  } catch {
    return undefined;
  }
}

/** Unlinks a lock; one gone already (another process judged it stale) is fine. */
function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
  }
}
