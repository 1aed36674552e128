/**
 * Copies by hard link (Maildir, sdbox): when the link cannot be made (here: the target mailbox is on
 * another file system, EXDEV) the message is still copied by writing it again; a COPY that fails
 * half-way takes back the links it made.
 */
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { after, describe, it } from "node:test";
import { isStoreError, openUserStore, type UserStore } from "../../src/store/index.js";

/** tmpfs, a file system other than the one under tmpdir() (skipped where it is the same). */
const OTHER_FS = "/dev/shm";

const cleanup: string[] = [];
after(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

function tempIn(parent: string): string {
  const dir = mkdtempSync(join(parent, "loft-copy-"));
  cleanup.push(dir);
  return dir;
}

async function text(stream: Readable): Promise<string> {
  let out = "";
  for await (const chunk of stream) out += (chunk as Buffer).toString("latin1");
  return out;
}

function message(n: number): Buffer {
  return Buffer.from(`From: a@example.org\r\nSubject: copy ${n}\r\n\r\nbody ${n}\r\n`);
}

const FORMATS = [
  {
    name: "maildir",
    location: (home: string) => `maildir:${home}/Maildir`,
    mailboxDir: (home: string, box: string) => join(home, "Maildir", `.${box}`),
    messageDirs: (home: string, box: string) =>
      ["new", "cur"].map((d) => join(home, "Maildir", box === "INBOX" ? "" : `.${box}`, d)),
  },
  {
    name: "sdbox",
    location: (home: string) => `sdbox:${home}/Mail`,
    mailboxDir: (home: string, box: string) => join(home, "Mail", "mailboxes", box),
    messageDirs: (home: string, box: string) => [join(home, "Mail", "mailboxes", box, "dbox-Mails")],
  },
];

function linkCounts(dirs: string[]): number[] {
  return dirs.flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => !name.startsWith(".") && statSync(join(dir, name)).isFile())
      .filter((name) => !name.startsWith("dovecot") && !name.startsWith("loft"))
      .map((name) => statSync(join(dir, name)).nlink),
  );
}

for (const format of FORMATS) {
  describe(`copy by hard link: ${format.name}`, () => {
    async function open(home: string, quota?: { messages: number }): Promise<UserStore> {
      return openUserStore({
        user: "alice",
        home,
        mailLocation: format.location(home),
        separator: "/",
        ...(quota ? { quota } : {}),
      });
    }

    it("copies by writing the message again when the target is on another file system", {
      skip: statSync(OTHER_FS, { throwIfNoEntry: false })?.dev === statSync(tmpdir()).dev,
    }, async () => {
      const home = join(tempIn(tmpdir()), "home");
      let store = await open(home);
      await store.createMailbox("Far");
      store.close();
      // Move the target mailbox to the other file system, a symlink in its place.
      const far = join(tempIn(OTHER_FS), "Far");
      cpSync(format.mailboxDir(home, "Far"), far, { recursive: true });
      rmSync(format.mailboxDir(home, "Far"), { recursive: true });
      symlinkSync(far, format.mailboxDir(home, "Far"));
      store = await open(home);
      try {
        const inbox = await store.openMailbox("INBOX");
        for (let n = 1; n <= 3; n++) await inbox.append(message(n), { flags: n === 2 ? ["\\Seen"] : [] });
        const result = await inbox.copy(inbox.uids(), "Far");
        assert.equal(result.uids.length, 3);
        const target = await store.openMailbox("Far");
        for (const [source, copied] of result.uids) {
          assert.equal(await text(await target.read(copied)), message(source).toString("latin1"));
          assert.deepEqual(target.message(copied)?.flags, inbox.message(source)?.flags);
        }
        assert.deepEqual(linkCounts(format.messageDirs(home, "INBOX")), [1, 1, 1], "nothing linked across");
      } finally {
        store.close();
      }
    });

    it("a COPY refused half-way takes back the links it made", async () => {
      const home = join(tempIn(tmpdir()), "home");
      const store = await open(home, { messages: 4 });
      try {
        await store.createMailbox("Archive");
        const inbox = await store.openMailbox("INBOX");
        for (let n = 1; n <= 3; n++) await inbox.append(message(n));
        await assert.rejects(inbox.copy(inbox.uids(), "Archive"), (e) => isStoreError(e, "OVERQUOTA"));
        const archive = await store.openMailbox("Archive");
        await archive.sync();
        assert.equal(archive.status().messages, 0);
        assert.deepEqual(linkCounts(format.messageDirs(home, "INBOX")), [1, 1, 1]);
        const copied = await inbox.copy([2], "Archive");
        assert.deepEqual(linkCounts(format.messageDirs(home, "Archive")), [2]);
        assert.equal(await text(await archive.read(copied.uids[0]![1])), message(2).toString("latin1"));
      } finally {
        store.close();
      }
    });
  });
}
