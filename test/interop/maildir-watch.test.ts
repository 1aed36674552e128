import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chownSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, it } from "node:test";
import { type MailboxChange, openUserStore } from "../../src/store/index.js";
import { type DovecotPeer, MAIL_GID, MAIL_UID, makeDovecotPeer } from "./dovecot-peer.js";

const peers: DovecotPeer[] = [];

/** Runs the crash test's saver until it reports one save, then stops it; returns that UID. */
async function saveInOtherProcess(peer: DovecotPeer): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      join(import.meta.dirname, "crash-saver.ts"),
      peer.home,
      peer.mailLocation,
      String(MAIL_UID),
      String(MAIL_GID),
      "1",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const exited = new Promise((resolve) => child.on("exit", resolve));
  let text = "";
  const uid = await new Promise<number>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      text += chunk.toString();
      const match = /^saved (\d+) /m.exec(text);
      if (match) resolve(Number(match[1]));
    });
    child.on("exit", () => reject(new Error(`saver exited: ${text}`)));
  });
  child.kill("SIGKILL");
  await exited;
  return uid;
}
after(() => {
  for (const p of peers) p.cleanup();
});

it("a watcher hears of deliveries, flag changes and expunges by other processes within 1 s", async () => {
  const peer = makeDovecotPeer("maildir:~/Maildir");
  peers.push(peer);
  // A long periodic rescan, so only the directory watch can explain a fast notice.
  const store = await openUserStore(peer.storeOptions({ rescanIntervalMs: 60_000 }));
  const inbox = await store.openMailbox("INBOX");
  const changes: { at: number; change: MailboxChange }[] = [];
  let wake: (() => void) | undefined;
  const stop = inbox.watch((change) => {
    changes.push({ at: Date.now(), change });
    wake?.();
  });
  /** Waits for a matching change noticed after `since`, at most 1 s after the other process finished. */
  const next = async (what: (c: MailboxChange) => boolean, since: number): Promise<void> => {
    const deadline = Date.now() + 1000;
    for (;;) {
      if (changes.some((c) => c.at >= since && what(c.change))) return;
      const left = deadline - Date.now();
      assert.ok(left > 0, "no notification within 1 s");
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, left);
      });
    }
  };
  try {
    let since = Date.now();
    await peer.doveadm(["save", "-m", "INBOX"], "Subject: by dovecot\n\nhi\n");
    await next((c) => c.newUids.includes(1), since);

    // A foreign MDA: tmp/ then a rename into new/, no uidlist update.
    const tmp = join(peer.home, "Maildir", "tmp", "1700000000.P1Q1.mda");
    writeFileSync(tmp, "Subject: by an MDA\n\nhi\n");
    chownSync(tmp, MAIL_UID, MAIL_GID);
    since = Date.now();
    renameSync(tmp, join(peer.home, "Maildir", "new", "1700000000.P1Q1.mda"));
    await next((c) => c.newUids.includes(2), since);

    since = Date.now();
    await peer.doveadm(["flags", "add", "\\Seen", "mailbox", "INBOX", "uid", "1"]);
    await next((c) => c.flagsChanged.includes(1), since);
    assert.deepEqual(inbox.message(1)!.flags, ["\\Seen"]);

    since = Date.now();
    await peer.doveadm(["expunge", "mailbox", "INBOX", "uid", "2"]);
    await next((c) => c.expunged.includes(2), since);
    assert.deepEqual(inbox.uids(), [1]);

    // Another Loft process, sharing the index: its save is already in the index when the watch fires.
    since = Date.now();
    const uid = await saveInOtherProcess(peer);
    await next((c) => c.newUids.includes(uid), since);
  } finally {
    stop();
    store.close();
  }
});
