import assert from "node:assert/strict";
import { join } from "node:path";
import { after, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { lockMbox } from "../../src/store/formats/mbox/mbox-lock.js";
import { openUserStore } from "../../src/store/index.js";
import { type DovecotPeer, doveadmSaves, makeDovecotPeer } from "./dovecot-peer.js";

const EACH = 200;
const DOVEADM_PARALLEL = 3;

const peers: DovecotPeer[] = [];
after(() => {
  for (const p of peers) p.cleanup();
});

it(`Loft and doveadm save ${EACH} messages each into one mbox at the same time`, {
  timeout: 280_000,
}, async () => {
  const peer = makeDovecotPeer("mbox:~/mail:INBOX=~/inbox");
  peers.push(peer);
  const store = await openUserStore(peer.storeOptions());
  try {
    const inbox = await store.openMailbox("INBOX");
    const loftUids: number[] = [];
    const loft = (async () => {
      for (let i = 0; i < EACH; i++) {
        const { uid } = await inbox.append(Buffer.from(`Subject: loft ${i}\r\n\r\nfrom Loft ${i}\r\n`), {
          flags: i % 2 === 0 ? ["\\Seen"] : [],
          keywords: i % 5 === 0 ? [`kw${i % 3}`] : [],
        });
        loftUids.push(uid);
      }
    })();
    await Promise.all([loft, doveadmSaves(peer, EACH, DOVEADM_PARALLEL)]);

    assert.equal(new Set(loftUids).size, EACH, "Loft got unique UIDs for its own saves");
    await inbox.sync();
    const mine = inbox.messages();
    const theirs = await peer.fetch(["mailbox", "INBOX"]);
    assert.equal(mine.length, 2 * EACH);
    assert.equal(theirs.length, 2 * EACH);
    assert.deepEqual(
      mine.map((m) => [m.uid, [...m.flags, ...m.keywords].sort()]),
      theirs.map((r) => [r.uid, r.flags.sort()]),
    );
    // The UID Loft reported for each save still names that message, and Dovecot has it under that UID.
    for (const [i, uid] of loftUids.entries()) {
      let text = "";
      for await (const chunk of await inbox.read(uid)) text += chunk;
      assert.equal(text, `Subject: loft ${i}\r\n\r\nfrom Loft ${i}\r\n`);
    }
    const subjects = await peer.doveadm(["-f", "tab", "fetch", "uid hdr.subject", "mailbox", "INBOX"]);
    for (const [i, uid] of loftUids.entries()) assert.match(subjects, new RegExp(`^${uid}\tloft ${i}$`, "m"));
  } finally {
    store.close();
  }
});

/**
 * A message as mail arrives: RFC 5322 requires Date. Dovecot 2.3.19 itself needs it here: when
 * another program shortens an mbox, Dovecot checks its stale offsets by an MD5 of Date,
 * Message-ID, Received… and, for messages with none of them, "finds" one past the end of the
 * file and refuses every sync after ("Message body offset lookup failed") until
 * `doveadm force-resync`. The same happens when a plain script deletes a message in place, so
 * it is Dovecot's defect, not the rewrite's.
 */
function mail(subject: string, body: string): string {
  return `Date: Sun, 6 Dec 2026 20:00:00 +0000\nMessage-ID: <${subject.replace(/ /g, ".")}@loft.test>\nSubject: ${subject}\n\n${body}\n`;
}

it("Loft's expunge rewrites and doveadm save interleave without losing a message", {
  timeout: 200_000,
}, async () => {
  const peer = makeDovecotPeer("mbox:~/mail:INBOX=~/inbox");
  peers.push(peer);
  const store = await openUserStore(peer.storeOptions({ indexPath: ":memory:" }));
  try {
    const inbox = await store.openMailbox("INBOX");
    for (let i = 0; i < 60; i++)
      await inbox.append(Buffer.from(mail(`base ${i}`, "y".repeat(2000)).replace(/\n/g, "\r\n")));
    let saving = true;
    let removed = 0;
    const loft = (async () => {
      while (saving) {
        await inbox.sync();
        // Only the 60 messages saved first (UIDs 1–60) go; Dovecot's must all stay.
        const uid = inbox.uids()[0];
        if (uid === undefined || uid > 60) break;
        await inbox.remove([uid]);
        removed++;
      }
    })();
    const dovecot = Array.from({ length: 2 }, async (_, w) => {
      for (let i = 0; i < 30; i++) await peer.doveadm(["save"], mail(`dovecot ${w}-${i}`, "body"));
    });
    await Promise.all(dovecot);
    saving = false;
    await loft;
    assert.ok(removed > 0, "Loft rewrote the file while Dovecot saved");
    await inbox.sync();
    const theirs = await peer.fetch(["mailbox", "INBOX"]);
    assert.deepEqual(
      theirs.map((r) => r.uid),
      inbox.uids(),
    );
    assert.equal(theirs.length, 60 + 60 - removed);
    const subjects = await peer.doveadm(["-f", "tab", "fetch", "hdr.subject", "mailbox", "INBOX"]);
    assert.equal(
      subjects.split("\n").filter((l) => l.startsWith("dovecot ")).length,
      60,
      "every Dovecot save is there",
    );
  } finally {
    store.close();
  }
});

it("Dovecot waits for Loft's fcntl lock (a read lock, no dotlock) before it writes", async () => {
  const peer = makeDovecotPeer("mbox:~/mail:INBOX=~/inbox");
  peers.push(peer);
  (await openUserStore(peer.storeOptions({ indexPath: ":memory:" }))).close();
  const lock = await lockMbox(join(peer.home, "inbox"), "read", undefined);
  let releasedAt = 0;
  const release = sleep(1500).then(async () => {
    releasedAt = Date.now();
    await lock.release();
  });
  await peer.doveadm(["save"], "Subject: waited\n\nbody\n");
  const savedAt = Date.now();
  await release;
  assert.ok(releasedAt > 0 && savedAt >= releasedAt, "doveadm save finished only after Loft let go");
});
