/**
 * IMAP COPY and MOVE of a few hundred messages in a Maildir (the default store): COPYUID maps every
 * UID, the copies are hard links of the originals (same inode), and MOVE expunges the sources.
 */
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ImapFlow } from "imapflow";
import { type ImapServer, PASSWORD, startImapServer } from "../fixtures/imap/setup.js";

const COUNT = 300;
let imap: ImapServer;

before(async () => {
  imap = await startImapServer(["linker"]);
});

after(async () => {
  await imap?.stop();
});

/** Inode of every message file of a Maildir++ folder, by base name (the part before `:`). */
function inodes(folder: string): Map<string, number> {
  const dir = join(imap.home("linker"), "Maildir", folder);
  const out = new Map<string, number>();
  for (const sub of ["new", "cur"]) {
    for (const name of readdirSync(join(dir, sub))) {
      out.set(name.split(":")[0]!, statSync(join(dir, sub, name)).ino);
    }
  }
  return out;
}

function message(n: number): string {
  return `From: a@example.org\r\nSubject: copy ${n}\r\nMessage-ID: <copy-${n}@example.org>\r\n\r\nbody ${n}\r\n`;
}

describe("IMAP COPY and MOVE by hard link", () => {
  test(`${COUNT} messages: COPYUID, shared inodes, own flags, MOVE expunges`, async () => {
    const c = new ImapFlow({
      host: "127.0.0.1",
      port: imap.port,
      secure: false,
      auth: { user: "linker", pass: PASSWORD },
      logger: false,
      doSTARTTLS: false,
    });
    await c.connect();
    try {
      await c.mailboxCreate("Archive");
      await c.mailboxCreate("Moved");
      for (let n = 1; n <= COUNT; n++) await c.append("INBOX", message(n), n % 2 === 0 ? ["\\Seen"] : []);
      await c.mailboxOpen("INBOX");
      const copied = await c.messageCopy("1:*", "Archive", { uid: true });
      assert.ok(copied);
      assert.equal(copied.uidMap?.size, COUNT);
      for (let n = 1; n <= COUNT; n++) assert.equal(copied.uidMap?.get(n), n);

      const source = inodes(".");
      const target = inodes(".Archive");
      assert.equal(target.size, COUNT);
      for (const [base, ino] of target) assert.equal(source.get(base), ino, `${base} is a hard link`);

      // Flags are each mailbox's own: clearing \Seen in INBOX leaves the copies as they were.
      await c.messageFlagsRemove("1:*", ["\\Seen"], { uid: true });
      await c.mailboxOpen("Archive");
      const seen = await c.search({ seen: true }, { uid: true });
      assert.equal(seen.length, COUNT / 2);
      const body = await c.fetchOne("7", { source: true }, { uid: true });
      assert.equal(body?.source?.toString(), message(7));

      const moved = await c.messageMove("1:*", "Moved", { uid: true });
      assert.ok(moved);
      assert.equal(moved.uidMap?.size, COUNT);
      assert.equal(c.mailbox === false ? -1 : c.mailbox.exists, 0);
      assert.equal(inodes(".Archive").size, 0);
      const movedInodes = inodes(".Moved");
      for (const [base, ino] of movedInodes) assert.equal(source.get(base), ino);
      const status = await c.status("Moved", { messages: true, unseen: true });
      assert.equal(status.messages, COUNT);
      assert.equal(status.unseen, COUNT / 2);
    } finally {
      await c.logout();
    }
  });
});
