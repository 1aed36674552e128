// The Maildir uidlist lock "seed": with it a dovecot-uidlist.lock is a hard link to one temp file
// per process and Maildir, kept in the Maildir's tmp/ while the process lives.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  unlinkSync,
  utimesSync,
  watch,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { acquireDotlock } from "../../src/store/formats/common/dotlock.js";
import { openUserStore } from "../../src/store/index.js";
import { doveadmSaves, makeDovecotPeer } from "../interop/dovecot-peer.js";

const dir = mkdtempSync(join(tmpdir(), "loft-dotlock-seed-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const SEED = new RegExp(`^\\.temp\\.${hostname().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\.(\\d+)\\.`);
let homes = 0;

function newHome(): string {
  const home = join(dir, `home${homes++}`);
  mkdirSync(home);
  return home;
}

/** The seeds in a Maildir's tmp/, each with the PID its name gives. */
function seeds(home: string): { name: string; pid: number }[] {
  return readdirSync(join(home, "Maildir", "tmp")).flatMap((name) => {
    const m = SEED.exec(name);
    return m === null ? [] : [{ name, pid: Number(m[1]) }];
  });
}

const lockPath = (home: string) => join(home, "Maildir", "dovecot-uidlist.lock");
const lockExists = (home: string) => statSync(lockPath(home), { throwIfNoEntry: false }) !== undefined;

async function save(home: string, subjects: string[]): Promise<number[]> {
  const store = await openUserStore({
    user: "alice",
    home,
    mailLocation: "maildir:~/Maildir",
    uid: process.getuid!(),
    gid: process.getgid!(),
  });
  try {
    const inbox = await store.openMailbox("INBOX");
    const uids: number[] = [];
    for (const s of subjects)
      uids.push((await inbox.append(Buffer.from(`Subject: ${s}\r\n\r\nbody\r\n`))).uid);
    return uids;
  } finally {
    store.close();
  }
}

/** Runs the saver in a child process; resolves with its PID once it has saved (and, for "exit", ended). */
function childSaves(home: string, count: number, mode: "exit" | "stay") {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", join(import.meta.dirname, "dotlock-seed-saver.ts"), home, String(count), mode],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const saved = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error("the saver did not report within 60 s"));
    }, 60_000);
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /^saved (\d+)$/m.exec(out);
      if (m === null) return;
      clearTimeout(timer);
      resolve(Number(m[1]));
    });
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the saver ended before saving: ${out}`));
    });
  });
  return { child, saved, exited };
}

function withTimeout<T>(promise: Promise<T>, what: string, ms = 30_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
    }),
  ]);
}

describe("uidlist lock seed", () => {
  test("two saves from one process leave one seed in tmp/ and no lock", async () => {
    const home = newHome();
    assert.deepEqual(await save(home, ["one", "two"]), [1, 2]);
    const left = seeds(home);
    assert.equal(left.length, 1, JSON.stringify(readdirSync(join(home, "Maildir", "tmp"))));
    assert.equal(left[0]!.pid, process.pid);
    assert.equal(readdirSync(join(home, "Maildir", "tmp")).length, 1, "nothing else in tmp/");
    assert.equal(lockExists(home), false);
    assert.deepEqual(await save(home, ["three"]), [3]);
    assert.deepEqual(seeds(home), left, "the next save links the same seed");
  });

  test("a held lock says <pid>:<host> and is fresh even when the seed is old", async () => {
    const home = newHome();
    await save(home, ["first"]);
    const [seed] = seeds(home);
    const seedPath = join(home, "Maildir", "tmp", seed!.name);
    const dayAgo = Date.now() / 1000 - 86_400;
    utimesSync(seedPath, dayAgo, dayAgo);
    const lock = await acquireDotlock(lockPath(home), { seedDir: join(home, "Maildir", "tmp") });
    try {
      assert.equal(readFileSync(lockPath(home), "latin1"), `${process.pid}:${hostname()}`);
      const st = statSync(lockPath(home));
      assert.ok(Date.now() - st.mtimeMs < 60_000, `lock mtime ${new Date(st.mtimeMs).toISOString()}`);
      assert.equal(st.ino, statSync(seedPath).ino, "the lock is a link to the seed");
      assert.equal(st.nlink, 2);
    } finally {
      await lock.release();
    }
    assert.equal(lockExists(home), false);
    assert.equal(statSync(seedPath).nlink, 1);
  });

  test("a commit writes its temp file beside the seed, where a killed process's is swept", async () => {
    const home = newHome();
    await save(home, ["first"]);
    const seedDir = join(home, "Maildir", "tmp");
    const made: string[] = [];
    const watchers = [seedDir, join(home, "Maildir")].map((d) =>
      watch(d, (_, name) => {
        if (name?.startsWith(".temp.") && !seeds(home).some((s) => s.name === name)) made.push(join(d, name));
      }),
    );
    try {
      const lock = await acquireDotlock(lockPath(home), { seedDir });
      await lock.commitTo(join(home, "Maildir", "committed"), "content\n");
      await new Promise((resolve) => setTimeout(resolve, 100));
    } finally {
      for (const w of watchers) w.close();
    }
    assert.ok(made.length > 0, "the commit's temp file was seen");
    assert.deepEqual([...new Set(made.map((path) => dirname(path)))], [seedDir]);
    assert.equal(readFileSync(join(home, "Maildir", "committed"), "latin1"), "content\n");
    assert.equal(lockExists(home), false);
  });

  test("a seed left by a killed process goes when another process makes its seed there", async () => {
    const home = newHome();
    const pids = () =>
      seeds(home)
        .map((s) => s.pid)
        .sort();
    // A live process's seed stays through it all.
    const living = childSaves(home, 1, "stay");
    try {
      const livePid = await living.saved;
      const killed = childSaves(home, 1, "stay");
      const deadPid = await killed.saved;
      killed.child.kill("SIGKILL");
      await withTimeout(killed.exited, "the killed saver to end");
      assert.deepEqual(pids(), [deadPid, livePid].sort(), "SIGKILL leaves the seed behind");
      assert.deepEqual(await save(home, ["after"]), [3]);
      assert.deepEqual(pids(), [livePid, process.pid].sort());
    } finally {
      living.child.kill("SIGKILL");
      await withTimeout(living.exited, "the living saver to end");
    }
    assert.equal(lockExists(home), false);
  });

  test("a process's seed is unlinked when it exits", async () => {
    const home = newHome();
    const saver = childSaves(home, 2, "exit");
    const pid = await saver.saved;
    assert.equal(await withTimeout(saver.exited, "the saver to exit"), 0);
    assert.deepEqual(seeds(home), [], `no seed of ${pid} left`);
    assert.deepEqual(readdirSync(join(home, "Maildir", "tmp")), []);
    assert.equal(lockExists(home), false);
  });

  test("a seed deleted behind the process's back is made again at the next lock", async () => {
    const home = newHome();
    await save(home, ["one"]);
    const [first] = seeds(home);
    unlinkSync(join(home, "Maildir", "tmp", first!.name));
    assert.deepEqual(await save(home, ["two"]), [2]);
    const now = seeds(home);
    assert.equal(now.length, 1);
    assert.equal(now[0]!.pid, process.pid);
    assert.notEqual(now[0]!.name, first!.name);
    assert.equal(lockExists(home), false);
  });

  test("a lock whose directory is gone fails and leaves no seed but the one kept", async () => {
    const home = newHome();
    await save(home, ["one"]);
    const seedDir = join(home, "Maildir", "tmp");
    await assert.rejects(acquireDotlock(join(home, "gone", "dovecot-uidlist.lock"), { seedDir }), {
      code: "ENOENT",
    });
    const left = seeds(home);
    assert.equal(left.length, 1, JSON.stringify(left));
    assert.equal(left[0]!.pid, process.pid);
    assert.deepEqual(await save(home, ["two"]), [2]);
    assert.equal(seeds(home).length, 1);
  });

  test("a process keeps the seeds of its last 256 directories; the oldest beyond is unlinked", async () => {
    const tmps = Array.from({ length: 257 }, (_, i) => {
      const tmp = join(dir, `many${i}`, "tmp");
      mkdirSync(tmp, { recursive: true });
      return tmp;
    });
    const seedsIn = (tmp: string) => readdirSync(tmp).filter((name) => SEED.test(name));
    for (const tmp of tmps) {
      const lock = await acquireDotlock(join(tmp, "..", "dovecot-uidlist.lock"), { seedDir: tmp });
      await lock.release();
    }
    assert.deepEqual(seedsIn(tmps[0]!), [], "the least recently used seed is gone");
    for (const tmp of tmps.slice(1)) assert.equal(seedsIn(tmp).length, 1, tmp);
    // Using a directory again makes it the most recent: the next new one evicts the second.
    const again = await acquireDotlock(join(tmps[1]!, "..", "dovecot-uidlist.lock"), { seedDir: tmps[1]! });
    await again.release();
    const extra = join(dir, "many-extra", "tmp");
    mkdirSync(extra, { recursive: true });
    await (await acquireDotlock(join(extra, "..", "dovecot-uidlist.lock"), { seedDir: extra })).release();
    assert.equal(seedsIn(tmps[1]!).length, 1, "used again, kept");
    assert.deepEqual(seedsIn(tmps[2]!), [], "now the least recently used: gone");
  });

  test("doveadm saves into the Maildir while Loft saves with its seed", { timeout: 240_000 }, async () => {
    const EACH = 40;
    const peer = makeDovecotPeer("maildir:~/Maildir");
    try {
      const store = await openUserStore(peer.storeOptions());
      try {
        const inbox = await store.openMailbox("INBOX");
        const loftUids: number[] = [];
        const loft = (async () => {
          for (let i = 0; i < EACH; i++)
            loftUids.push((await inbox.append(Buffer.from(`Subject: loft ${i}\r\n\r\nbody\r\n`))).uid);
        })();
        await Promise.all([loft, doveadmSaves(peer, EACH, 2)]);
        assert.equal(new Set(loftUids).size, EACH);
        await inbox.sync();
        const theirs = await peer.fetch(["mailbox", "INBOX"]);
        assert.equal(theirs.length, 2 * EACH);
        assert.equal(new Set(theirs.map((r) => r.uid)).size, 2 * EACH, "unique UIDs in Dovecot's listing");
        assert.deepEqual(
          inbox.messages().map((m) => [m.uid, m.guid]),
          theirs.map((r) => [r.uid, r.guid]),
        );
      } finally {
        store.close();
      }
      const home = peer.home;
      assert.deepEqual(
        seeds(home).map((s) => s.pid),
        [process.pid],
      );
      assert.equal(lockExists(home), false);
    } finally {
      peer.cleanup();
    }
  });
});
