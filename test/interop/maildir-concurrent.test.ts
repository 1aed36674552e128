import assert from "node:assert/strict";
import { after, it } from "node:test";
import { openUserStore } from "../../src/store/index.js";
import { type DovecotPeer, doveadmSaves, makeDovecotPeer } from "./dovecot-peer.js";

const EACH = 300;
const DOVEADM_PARALLEL = 4;

const peers: DovecotPeer[] = [];
after(() => {
  for (const p of peers) p.cleanup();
});

it(`Loft and doveadm save ${EACH} messages each into one Maildir at the same time`, {
  timeout: 240_000,
}, async () => {
  const peer = makeDovecotPeer("maildir:~/Maildir");
  peers.push(peer);
  const store = await openUserStore(peer.storeOptions());
  try {
    const inbox = await store.openMailbox("INBOX");
    const loftUids: number[] = [];
    const loft = (async () => {
      for (let i = 0; i < EACH; i++) {
        const { uid } = await inbox.append(Buffer.from(`Subject: loft ${i}\r\n\r\nfrom Loft ${i}\r\n`));
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
    assert.equal(new Set(theirs.map((r) => r.uid)).size, 2 * EACH, "unique UIDs in Dovecot's listing");
    assert.deepEqual(
      mine.map((m) => [m.uid, m.guid]),
      theirs.map((r) => [r.uid, r.guid]),
    );
    // The UID Loft reported for each save still names that message.
    for (const [i, uid] of loftUids.entries()) {
      let text = "";
      for await (const chunk of await inbox.read(uid)) text += chunk;
      assert.equal(text, `Subject: loft ${i}\r\n\r\nfrom Loft ${i}\r\n`);
    }
  } finally {
    store.close();
  }
});

it(`Loft delivers ${EACH} messages 10 at a time (saves grouped under one lock) while doveadm saves ${EACH}`, {
  timeout: 240_000,
}, async () => {
  const peer = makeDovecotPeer("maildir:~/Maildir");
  peers.push(peer);
  const store = await openUserStore(peer.storeOptions());
  try {
    const loftUids = new Map<number, number>();
    let loftNext = 0;
    // As LMTP delivers: each save opens INBOX without reading it.
    const loft = Array.from({ length: 10 }, async () => {
      while (loftNext < EACH) {
        const i = loftNext++;
        const box = await store.openMailbox("INBOX", { sync: false });
        const { uid } = await box.append(Buffer.from(`Subject: loft ${i}\r\n\r\nfrom Loft ${i}\r\n`));
        loftUids.set(uid, i);
      }
    });
    await Promise.all([...loft, doveadmSaves(peer, EACH, DOVEADM_PARALLEL)]);

    assert.equal(loftUids.size, EACH, "Loft got unique UIDs for its own saves");
    const inbox = await store.openMailbox("INBOX");
    const mine = inbox.messages();
    const theirs = await peer.fetch(["mailbox", "INBOX"]);
    assert.equal(mine.length, 2 * EACH);
    assert.deepEqual(
      mine.map((m) => [m.uid, m.guid]),
      theirs.map((r) => [r.uid, r.guid]),
    );
    for (const [uid, i] of loftUids) {
      let text = "";
      for await (const chunk of await inbox.read(uid)) text += chunk;
      assert.equal(text, `Subject: loft ${i}\r\n\r\nfrom Loft ${i}\r\n`);
    }
  } finally {
    store.close();
  }
});
