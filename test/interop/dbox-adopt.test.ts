/**
 * Taking over an sdbox or mdbox that Dovecot 2.3 wrote (same mail_location): Loft reads Dovecot's
 * index files, so clients keep their caches — the same UIDVALIDITY, UIDs and UIDNEXT, and the
 * flags and keywords Dovecot had. A garbled index falls back to the files without losing mail.
 */
import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openUserStore, type UserStore } from "../../src/store/index.js";
import { type DovecotPeer, makeDovecotPeer } from "./dovecot-peer.js";

function message(i: number): string {
  return `From: a@example.org\nSubject: message ${i}\nMessage-ID: <${i}@example.org>\n\nbody ${i}\n`;
}

/** Saves `count` messages with doveadm, sets some flags and keywords, expunges the last two. */
async function dovecotWrites(peer: DovecotPeer, mailbox: string, count: number): Promise<void> {
  if (mailbox !== "INBOX") await peer.doveadm(["mailbox", "create", mailbox]);
  for (let i = 1; i <= count; i++) await peer.doveadm(["save", "-m", mailbox], message(i));
  await peer.doveadm(["flags", "add", "\\Seen", "mailbox", mailbox, "uid", "1:2"]);
  await peer.doveadm(["flags", "add", "\\Flagged $Label1 Project", "mailbox", mailbox, "uid", "2"]);
  await peer.doveadm(["flags", "add", "\\Answered Later", "mailbox", mailbox, "uid", "3"]);
  await peer.doveadm(["flags", "remove", "\\Seen", "mailbox", mailbox, "uid", "1"]);
  await peer.doveadm(["expunge", "mailbox", mailbox, "uid", `${count - 1}:${count}`]);
}

interface Expected {
  uidValidity: number;
  uidNext: number;
  byGuid: Map<string, { uid: number; flags: string[] }>;
}

async function dovecotView(peer: DovecotPeer, mailbox: string): Promise<Expected> {
  const status = await peer.status(mailbox);
  const rows = await peer.fetch(["mailbox", mailbox]);
  return {
    uidValidity: Number(status.uidvalidity),
    uidNext: Number(status.uidnext),
    byGuid: new Map(rows.map((r) => [r.guid, { uid: r.uid, flags: [...r.flags].sort() }])),
  };
}

async function assertSame(store: UserStore, mailbox: string, expected: Expected, flags = true) {
  const box = await store.openMailbox(mailbox);
  const status = box.status();
  assert.equal(status.uidValidity, expected.uidValidity, `${mailbox}: UIDVALIDITY`);
  assert.equal(status.uidNext, expected.uidNext, `${mailbox}: UIDNEXT`);
  const messages = box.messages();
  assert.equal(messages.length, expected.byGuid.size, `${mailbox}: message count`);
  for (const m of messages) {
    const want = expected.byGuid.get(m.guid);
    assert.ok(want, `${mailbox}: GUID ${m.guid} is one Dovecot has`);
    assert.equal(m.uid, want.uid, `${mailbox}: UID of ${m.guid}`);
    if (flags)
      assert.deepEqual([...m.flags, ...m.keywords].sort(), want.flags, `${mailbox}: flags of UID ${m.uid}`);
  }
  return box;
}

for (const format of ["sdbox", "mdbox"] as const) {
  describe(`${format} taken over from Dovecot`, () => {
    const peers: DovecotPeer[] = [];
    after(() => {
      for (const p of peers) p.cleanup();
    });

    it("keeps Dovecot's UIDVALIDITY, UIDs, UIDNEXT, flags and keywords; new mail gets UIDs above", async () => {
      const peer = makeDovecotPeer(`${format}:~/${format}`);
      peers.push(peer);
      await dovecotWrites(peer, "INBOX", 6);
      await dovecotWrites(peer, "Work", 5);
      // A copy: in mdbox a second reference to the same storage record.
      await peer.doveadm(["copy", "Work", "mailbox", "INBOX", "uid", "3"]);
      const expected = new Map([
        ["INBOX", await dovecotView(peer, "INBOX")],
        ["Work", await dovecotView(peer, "Work")],
      ]);
      // The last messages were expunged: Dovecot's UIDNEXT is above every message left.
      assert.equal(expected.get("INBOX")?.uidNext, 7);
      const store = await openUserStore(peer.storeOptions());
      try {
        for (const [name, want] of expected) await assertSame(store, name, want);
        const inbox = await store.openMailbox("INBOX");
        const appended = await inbox.append(Buffer.from(message(99)));
        assert.ok(appended.uid >= expected.get("INBOX")!.uidNext, `new UID ${appended.uid}`);
        // Loft's own flag changes stick from then on (they are no longer read from Dovecot's index).
        await inbox.storeFlags([1], "add", ["\\Deleted"], ["Mine"]);
        await inbox.sync();
        assert.deepEqual([...inbox.message(1)!.flags, ...inbox.message(1)!.keywords].sort(), [
          "Mine",
          "\\Deleted",
        ]);
        assert.deepEqual(inbox.message(3)?.keywords, ["Later"]);
      } finally {
        store.close();
      }
      const again = await openUserStore(peer.storeOptions());
      try {
        const box = await again.openMailbox("INBOX");
        assert.equal(box.status().uidValidity, expected.get("INBOX")!.uidValidity);
        assert.deepEqual(box.message(1)?.keywords, ["Mine"]);
        assert.equal(box.uids().length, expected.get("INBOX")!.byGuid.size + 1);
      } finally {
        again.close();
      }
    });

    const damages = format === "mdbox" ? ["mailbox index", "map index too"] : ["mailbox index"];
    for (const damage of damages) {
      it(`falls back to the files when Dovecot's ${damage} is garbled, losing no message`, async () => {
        const peer = makeDovecotPeer(`${format}:~/${format}`);
        peers.push(peer);
        await dovecotWrites(peer, "INBOX", 5);
        const want = await dovecotView(peer, "INBOX");
        const dirs = [join(peer.home, format, "mailboxes", "INBOX", "dbox-Mails")];
        if (damage === "map index too") dirs.push(join(peer.home, format, "storage"));
        for (const dir of dirs) {
          for (const name of readdirSync(dir).filter((n) => /^dovecot\.(map\.)?index/.test(n))) {
            writeFileSync(join(dir, name), Buffer.alloc(256, 0x5a));
          }
        }
        const store = await openUserStore(peer.storeOptions());
        try {
          const box = await store.openMailbox("INBOX");
          const guids = new Set(box.messages().map((m) => m.guid));
          for (const guid of want.byGuid.keys()) assert.ok(guids.has(guid), `message ${guid} kept`);
          // Without the map index, mdbox is filed by the B metadata as Dovecot's own rebuild does:
          // the expunged but not yet purged messages come back too. With it, they stay out.
          if (damage === "mailbox index") assert.equal(guids.size, want.byGuid.size);
          assert.notEqual(box.status().uidValidity, want.uidValidity);
          const appended = await box.append(Buffer.from(message(7)));
          assert.ok(appended.uid > Math.max(...box.uids().filter((u) => u !== appended.uid)));
        } finally {
          store.close();
        }
      });
    }
  });
}
