/**
 * Copies by hard link, checked against Dovecot 2.3: what Loft copied is the same file (inode) as
 * the original, and `doveadm fetch` finds it in the target under the UID Loft reported, with the
 * original's GUID (Maildir: with its own flags there, as Dovecot's own hard-link copy writes them).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openUserStore } from "../../src/store/index.js";
import { type DovecotPeer, makeDovecotPeer } from "./dovecot-peer.js";

const peers: DovecotPeer[] = [];
after(() => {
  for (const p of peers) p.cleanup();
});

function message(n: number): Buffer {
  return Buffer.from(`From: a@example.org\r\nSubject: linked ${n}\r\n\r\nbody ${n}\nbare LF\r\n`);
}

/** name → [inode, bytes] of the files directly in `dirs`. */
function files(dirs: string[]): Map<string, [number, Buffer]> {
  const out = new Map<string, [number, Buffer]>();
  for (const dir of dirs) {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isFile()) out.set(name, [statSync(path).ino, readFileSync(path)]);
    }
  }
  return out;
}

describe("COPY by hard link, seen by Dovecot", () => {
  it("Maildir: same inode and bytes, own flags per mailbox, Dovecot sees the copies' UIDs", async () => {
    const peer = makeDovecotPeer("maildir:~/Maildir");
    peers.push(peer);
    const store = await openUserStore(peer.storeOptions());
    try {
      await store.createMailbox("Archive");
      const inbox = await store.openMailbox("INBOX");
      for (let n = 1; n <= 3; n++) await inbox.append(message(n), n === 2 ? { flags: ["\\Seen"] } : {});
      const first = await inbox.copy(inbox.uids(), "Archive");
      // Copied again: the original's name is taken there, so the copy gets its own (and a G record).
      const again = await inbox.copy([2], "Archive");
      const archive = await store.openMailbox("Archive");
      await archive.storeFlags([first.uids[0]![1]], "add", ["\\Flagged"], ["Later"]);

      const maildir = join(peer.home, "Maildir");
      const sources = files([join(maildir, "new"), join(maildir, "cur")]);
      const targets = files([join(maildir, ".Archive", "new"), join(maildir, ".Archive", "cur")]);
      assert.equal(targets.size, 4);
      const sourceByInode = new Map([...sources.values()].map(([ino, bytes]) => [ino, bytes]));
      for (const [name, [ino, bytes]] of targets) {
        assert.ok(sourceByInode.has(ino), `${name} is a link of an INBOX file`);
        assert.deepEqual(bytes, sourceByInode.get(ino));
        assert.match(name, /,S=\d+,W=\d+/, "sizes kept in the name");
      }

      const inboxRows = await peer.fetch(["mailbox", "INBOX"]);
      const archiveRows = await peer.fetch(["mailbox", "Archive"]);
      assert.deepEqual(
        archiveRows.map((r) => r.uid),
        [...first.uids.map(([, t]) => t), again.uids[0]![1]],
      );
      assert.deepEqual(
        archiveRows.map((r) => r.guid),
        [...inboxRows.map((r) => r.guid), inboxRows[1]!.guid],
      );
      assert.deepEqual(
        archiveRows.map((r) => r.flags.sort()),
        [["Later", "\\Flagged"], ["\\Seen"], [], ["\\Seen"]],
      );
      assert.deepEqual(
        inboxRows.map((r) => r.flags),
        [[], ["\\Seen"], []],
      );
    } finally {
      store.close();
    }
  });

  it("sdbox: u.N linked to the target's new UID; Dovecot finds it after force-resync", async () => {
    const peer = makeDovecotPeer("sdbox:~/Mail");
    peers.push(peer);
    const store = await openUserStore(peer.storeOptions());
    try {
      await store.createMailbox("Archive");
      const inbox = await store.openMailbox("INBOX");
      for (let n = 1; n <= 3; n++) await inbox.append(message(n));
      await store.openMailbox("Archive").then((a) => a.append(message(9)));
      const copied = await inbox.copy([1, 3], "Archive");
      assert.deepEqual(copied.uids, [
        [1, 2],
        [3, 3],
      ]);
      const mails = (box: string) => join(peer.home, "Mail", "mailboxes", box, "dbox-Mails");
      const sources = files([mails("INBOX")]);
      const targets = files([mails("Archive")]);
      for (const [source, target] of copied.uids) {
        const [ino, bytes] = sources.get(`u.${source}`)!;
        assert.equal(targets.get(`u.${target}`)?.[0], ino, `u.${target} is a link of u.${source}`);
        assert.deepEqual(targets.get(`u.${target}`)?.[1], bytes);
      }
      await peer.doveadm(["force-resync", "*"]);
      const inboxRows = await peer.fetch(["mailbox", "INBOX"]);
      const archiveRows = await peer.fetch(["mailbox", "Archive"]);
      assert.deepEqual(
        archiveRows.map((r) => r.uid),
        [1, 2, 3],
      );
      assert.deepEqual(
        archiveRows.slice(1).map((r) => r.guid),
        [inboxRows[0]!.guid, inboxRows[2]!.guid],
      );
      const body = await peer.doveadm(["-f", "flow", "fetch", "text", "mailbox", "Archive", "uid", "3"]);
      assert.match(body, /Subject: linked 3/);
    } finally {
      store.close();
    }
  });
});
