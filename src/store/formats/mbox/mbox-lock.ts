import { type FileHandle, open, stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { setTimeout as sleep } from "node:timers/promises";
import { errnoCode, StoreError } from "../../errors.js";
import type { FileOwner } from "../../file-owner.js";
import { acquireDotlock, type Dotlock } from "../common/dotlock.js";
import { findJournal, recoverJournal } from "./mbox-writer.js";

/**
 * Node has no fcntl(). fs-native-extensions takes Linux open-file-description locks
 * (F_OFD_SETLK), which conflict with the classic fcntl record locks that Dovecot, Postfix local,
 * procmail and mutt take, so they exclude each other as Dovecot's own fcntl lock would.
 */
interface NativeLocks {
  tryLock(fd: number, offset: number, length: number, options: { shared?: boolean }): boolean;
}
let nativeModule: NativeLocks | undefined;

/** Loaded on the first mbox lock: a native addon costs start-up time every Maildir delivery would pay. */
function native(): NativeLocks {
  nativeModule ??= createRequire(import.meta.url)("fs-native-extensions") as NativeLocks;
  return nativeModule;
}

/** Dovecot's mbox_lock_timeout (all locks together) and mbox_dotlock_change_timeout (storage-mbox.md §6). */
export const MBOX_LOCK_TIMEOUT_MS = 5 * 60_000;
const DOTLOCK_STALE_MS = 2 * 60_000;

export interface MboxLock {
  /** The locked mbox, open read-only for a read lock and read-write for a write lock. */
  readonly handle: FileHandle;
  release(): Promise<void>;
}

async function fcntlLock(handle: FileHandle, shared: boolean, deadline: number, path: string): Promise<void> {
  // Polled rather than F_SETLKW: a blocking wait would hold a libuv worker thread for minutes.
  for (let wait = 5; !native().tryLock(handle.fd, 0, 0, { shared }); wait = Math.min(wait * 2, 100)) {
    if (Date.now() > deadline) throw new StoreError("TEMPFAIL", `Timeout waiting for fcntl lock on ${path}`);
    await sleep(wait + Math.floor(Math.random() * wait));
  }
}

async function dotlock(
  path: string,
  owner: FileOwner | undefined,
  deadline: number,
): Promise<Dotlock | undefined> {
  try {
    return await acquireDotlock(`${path}.lock`, {
      watchPath: path,
      owner,
      staleMs: DOTLOCK_STALE_MS,
      timeoutMs: Math.max(0, deadline - Date.now()),
    });
  } catch (err) {
    // A spool directory we may not write to (/var/mail without mail_privileged_group): Dovecot's
    // `dotlock_try` skips the dotlock then, and the fcntl lock still excludes the other writers.
    if (["EACCES", "EPERM", "EROFS"].includes(errnoCode(err) ?? "")) return undefined;
    throw err;
  }
}

/**
 * Locks an mbox the way Dovecot 2.3.19 as installed does (`doveconf -d`: mbox_read_locks = fcntl,
 * mbox_write_locks = fcntl dotlock; upstream's default order is dotlock first, Debian's build is
 * what we must coexist with). Another program may replace the file while we wait, so once locked we
 * check that the path still names the file we hold and start over if not.
 */
export async function lockMbox(
  path: string,
  kind: "read" | "write",
  owner: FileOwner | undefined,
  timeoutMs = MBOX_LOCK_TIMEOUT_MS,
): Promise<MboxLock> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let handle: FileHandle;
    try {
      handle = await open(path, kind === "write" ? "r+" : "r");
    } catch (err) {
      if (errnoCode(err) === "ENOENT") throw new StoreError("NONEXISTENT", "Mailbox doesn't exist");
      throw err;
    }
    let dot: Dotlock | undefined;
    try {
      await fcntlLock(handle, kind === "read", deadline, path);
      if (kind === "write") dot = await dotlock(path, owner, deadline);
      const [held, named] = await Promise.all([handle.stat(), stat(path).catch(() => undefined)]);
      if (named !== undefined && named.ino === held.ino && named.dev === held.dev) {
        // A rewrite a crash cut short is finished before anyone reads the file.
        if (kind === "write") await recoverJournal(handle, path);
        else if (await findJournal(path)) {
          await handle.close();
          await (await lockMbox(path, "write", owner, Math.max(0, deadline - Date.now()))).release();
          continue;
        }
        return {
          handle,
          async release() {
            await dot?.release();
            await handle.close();
          },
        };
      }
    } catch (err) {
      await dot?.release();
      await handle.close();
      throw err;
    }
    await dot?.release();
    await handle.close();
  }
}
