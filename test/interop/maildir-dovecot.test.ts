import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openUserStore, type SystemFlag } from "../../src/store/index.js";
import { type DovecotPeer, MAIL_UID, makeDovecotPeer } from "./dovecot-peer.js";

function message(n: number): Buffer {
  return Buffer.from(
    `From: test@example.org\r\nSubject: message ${n}\r\nMessage-ID: <${n}@test>\r\n\r\nBody ${n}\r\n`,
  );
}

function sortedFlags(flags: readonly string[]): string[] {
  return [...flags].sort();
}

/** Every file and directory under `dir` belongs to `uid` with modes 0600/0700 (Dovecot's own or Loft's). */
function assertOwnedAndPrivate(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const st = statSync(path);
    assert.equal(st.uid, MAIL_UID, `${path} owner`);
    if (entry.name.startsWith("dovecot-uidvalidity.")) continue;
    if (entry.isDirectory()) {
      assert.equal(st.mode & 0o777, 0o700, `${path} mode`);
      assertOwnedAndPrivate(path);
    } else {
      assert.equal(st.mode & 0o777, 0o600, `${path} mode`);
    }
  }
}

for (const layout of ["", ":LAYOUT=fs"]) {
  describe(`Maildir${layout || " (Maildir++)"} both ways with Dovecot`, () => {
    const peers: DovecotPeer[] = [];
    after(() => {
      for (const p of peers) p.cleanup();
    });

    it("Dovecot lists what Loft saved: same UIDs, UIDVALIDITY, flags and keywords", async () => {
      const peer = makeDovecotPeer(`maildir:~/Maildir${layout}`);
      peers.push(peer);
      const store = await openUserStore(peer.storeOptions());
      try {
        await store.createMailbox("Work/Ünï Größe");
        const expected = new Map<string, { uid: number; flags: string[] }[]>();
        const plan: [string, SystemFlag[], string[]][] = [
          ["INBOX", [], []],
          ["INBOX", ["\\Seen"], ["$Label1"]],
          ["INBOX", ["\\Flagged", "\\Answered", "\\Draft"], ["Junk", "$Forwarded"]],
          ["Work/Ünï Größe", ["\\Seen"], []],
          ["Work/Ünï Größe", [], ["NonJunk"]],
        ];
        let n = 0;
        for (const [name, flags, keywords] of plan) {
          const box = await store.openMailbox(name);
          const { uid } = await box.append(message(++n), { flags, keywords });
          const list = expected.get(name) ?? [];
          list.push({ uid, flags: sortedFlags([...flags, ...keywords]) });
          expected.set(name, list);
        }
        const inbox = await store.openMailbox("INBOX");
        await inbox.storeFlags([1], "add", ["\\Deleted"], ["Later"]);
        expected.get("INBOX")![0]!.flags = sortedFlags(["\\Deleted", "Later"]);
        for (const [name, rows] of expected) {
          const got = await peer.fetch(["mailbox", name]);
          assert.deepEqual(
            got.map((r) => ({ uid: r.uid, flags: sortedFlags(r.flags) })),
            rows,
            name,
          );
          const status = await peer.status(name);
          assert.equal(
            Number(status.uidvalidity),
            (await store.status(name)).uidValidity,
            `${name} uidvalidity`,
          );
          assert.equal(Number(status.uidnext), (await store.status(name)).uidNext, `${name} uidnext`);
        }
        const mailboxes = (await peer.doveadm(["-f", "tab", "mailbox", "list"]))
          .split("\n")
          .slice(1)
          .filter(Boolean);
        assert.deepEqual(mailboxes.sort(), ["INBOX", "Work", "Work/Ünï Größe"].sort());
        assertOwnedAndPrivate(join(peer.home, "Maildir"));
        assertOwnedAndPrivate(join(peer.home, ".loft"));
      } finally {
        store.close();
      }
    });

    it("Loft sees what Dovecot saved, flagged and expunged", async () => {
      const peer = makeDovecotPeer(`maildir:~/Maildir${layout}`);
      peers.push(peer);
      await peer.doveadm(["mailbox", "create", "Dove/Süd"]);
      for (let i = 1; i <= 4; i++)
        await peer.doveadm(["save", "-m", i % 2 ? "INBOX" : "Dove/Süd"], message(i));
      await peer.doveadm(["save", "-m", "INBOX"], message(5));
      await peer.doveadm(["flags", "add", "\\Seen $Label1 Custom", "mailbox", "INBOX", "uid", "2"]);
      await peer.doveadm(["flags", "add", "\\Flagged", "mailbox", "Dove/Süd", "uid", "1"]);
      await peer.doveadm(["flags", "add", "\\Deleted", "mailbox", "INBOX", "uid", "1"]);
      await peer.doveadm(["expunge", "mailbox", "INBOX", "uid", "1"]);
      const store = await openUserStore(peer.storeOptions());
      try {
        for (const name of ["INBOX", "Dove/Süd"]) {
          const dovecot = await peer.fetch(["mailbox", name]);
          const loft = (await store.openMailbox(name)).messages();
          assert.deepEqual(
            loft.map((m) => ({ uid: m.uid, flags: sortedFlags([...m.flags, ...m.keywords]), guid: m.guid })),
            dovecot.map((r) => ({ uid: r.uid, flags: sortedFlags(r.flags), guid: r.guid })),
            name,
          );
          const status = await peer.status(name);
          assert.equal((await store.status(name)).uidValidity, Number(status.uidvalidity));
        }
        assert.deepEqual(
          (await store.listMailboxes()).map((m) => m.name),
          ["INBOX", "Dove", "Dove/Süd"],
        );
        // Loft changes after Dovecot, Dovecot reads them back.
        const inbox = await store.openMailbox("INBOX");
        await inbox.storeFlags([2], "remove", [], ["$Label1"]);
        await inbox.append(message(6), { keywords: ["Custom"] });
        const after = await peer.fetch(["mailbox", "INBOX"]);
        assert.deepEqual(
          after.map((r) => [r.uid, sortedFlags(r.flags)]),
          [
            [2, ["Custom", "\\Seen"]],
            [3, []],
            [4, ["Custom"]],
          ],
        );
      } finally {
        store.close();
      }
    });
  });
}
