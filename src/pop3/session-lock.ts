import { open, readFile, stat, unlink, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";

// Dovecot's pop3_lock_session: a dotlock named dovecot-pop3-session.lock in the INBOX namespace's
// index root (the mail root unless INDEX= moves it), holding "<pid>:<host>", touched while the
// session lasts and taken over when older than 5 minutes or when its process is gone. Using the
// same file keeps Loft and Dovecot's pop3 out of each other's way on a shared Maildir.

const LOCK_NAME = "dovecot-pop3-session.lock";
const STALE_MS = 5 * 60 * 1000;
const REFRESH_MS = 60 * 1000;

export interface SessionLock {
  release(): Promise<void>;
}

/** Takes the lock in `dir`, or returns null when another live session holds it. */
export async function lockPop3Session(
  dir: string,
  owner?: { uid: number; gid: number },
): Promise<SessionLock | null> {
  const path = join(dir, LOCK_NAME);
  const content = `${process.pid}:${hostname()}`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, "wx", 0o600);
      try {
        await handle.writeFile(content);
        if (owner) await handle.chown(owner.uid, owner.gid);
      } finally {
        await handle.close();
      }
      return heldLock(path, content);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (!(await isStale(path))) return null;
      await unlink(path).catch(() => {});
    }
  }
  return null;
}

function heldLock(path: string, content: string): SessionLock {
  const timer = setInterval(() => {
    const now = new Date();
    void utimes(path, now, now).catch(() => {});
  }, REFRESH_MS);
  timer.unref();
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      // Only our own lock is removed: a stale-lock takeover by someone else must survive.
      const current = await readFile(path, "latin1").catch(() => "");
      if (current === content) await unlink(path).catch(() => {});
    },
  };
}

async function isStale(path: string): Promise<boolean> {
  try {
    const [st, content] = await Promise.all([stat(path), readFile(path, "latin1")]);
    const [pid, host] = content.split(":");
    if (host === hostname() && pid !== undefined && /^\d+$/.test(pid) && !processAlive(Number(pid)))
      return true;
    return Date.now() - st.mtimeMs > STALE_MS;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT";
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
