// A delivery opens its mailbox without reading it (openMailbox with sync: false). Its append must
// still leave the index with no UID hidden below the new one (IMAP clients never see a smaller UID
// appear later), reading the mailbox only when another process gave out UIDs meanwhile.
import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openUserStore, type UserStore } from "../../src/store/index.js";

const dirs: string[] = [];
const stores: UserStore[] = [];
after(() => {
  for (const s of stores) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function fresh(mailLocation = "maildir:~/Maildir"): Promise<{ root: string; store: UserStore }> {
  const dir = mkdtempSync(join(tmpdir(), "loft-unsynced-"));
  dirs.push(dir);
  const store = await openUserStore({ user: "u", home: dir, mailLocation });
  stores.push(store);
  return { root: join(dir, "Maildir"), store };
}

const message = (n: string) => Buffer.from(`Subject: ${n}\r\n\r\nbody ${n}\r\n`);

describe("unsynced append into Maildir", () => {
  it("reads the mailbox first when another process gave out a UID: the index has both, in order", async () => {
    const { root, store } = await fresh();
    await (await store.openMailbox("INBOX")).append(message("a"));
    // Another Dovecot-style save: its file and its uidlist record (UID 2).
    writeFileSync(join(root, "new", "1700000009.M1P99.other,S=20,W=22"), "Subject: o\n\nbody o\n");
    appendFileSync(join(root, "dovecot-uidlist"), "2 :1700000009.M1P99.other,S=20,W=22\n");
    const inbox = await store.openMailbox("INBOX", { sync: false });
    const saved = await inbox.append(message("b"));
    assert.equal(saved.uid, 3);
    assert.deepEqual(inbox.uids(), [1, 2, 3]);
    assert.equal(inbox.message(2)?.guid, "1700000009.M1P99.other,S=20,W=22");
  });

  it("does not read it when no UID was given out: a file dropped without one is numbered after ours", async () => {
    const { root, store } = await fresh();
    await (await store.openMailbox("INBOX")).append(message("a"));
    // An MDA that writes into new/ without the uidlist lock (procmail, Postfix local).
    writeFileSync(join(root, "new", "1700000009.M1P99.drop"), "Subject: d\n\nbody d\n");
    const inbox = await store.openMailbox("INBOX", { sync: false });
    assert.equal((await inbox.append(message("b"))).uid, 2);
    assert.deepEqual(inbox.uids(), [1, 2]);
    const synced = await store.openMailbox("INBOX");
    assert.deepEqual(synced.uids(), [1, 2, 3]);
    assert.equal(synced.message(3)?.guid, "1700000009.M1P99.drop");
  });

  it("reads it when the uidlist began anew (new UIDVALIDITY)", async () => {
    const { root, store } = await fresh();
    const first = await store.openMailbox("INBOX");
    await first.append(message("a"));
    const before = first.uidValidity;
    unlinkSync(join(root, "dovecot-uidlist"));
    // UIDVALIDITY is seconds-based; the new one must differ from the old.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const inbox = await store.openMailbox("INBOX", { sync: false });
    await inbox.append(message("b"));
    const header = readFileSync(join(root, "dovecot-uidlist"), "utf8").split("\n")[0]!;
    const now = Number(/ V(\d+)/.exec(header)![1]);
    assert.notEqual(now, before);
    assert.equal(inbox.uidValidity, now);
    assert.deepEqual(inbox.uids(), [1, 2]);
  });

  it("sdbox, whose flags live only in the index, is read before the append and keeps the flags", async () => {
    const { store } = await fresh("sdbox:~/dbox");
    await (await store.openMailbox("INBOX")).append(message("a"));
    const inbox = await store.openMailbox("INBOX", { sync: false });
    const { uid } = await inbox.append(message("b"), { flags: ["\\Flagged"] });
    assert.deepEqual(inbox.message(uid)?.flags, ["\\Flagged"]);
  });

  it("saves made at the same time get consecutive UIDs, one uidlist record each, and all land in the index", async () => {
    const { root, store } = await fresh();
    await (await store.openMailbox("INBOX")).append(message("first"));
    const saved = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const box = await store.openMailbox("INBOX", { sync: false });
        return { i, ...(await box.append(message(`m${i}`), { flags: i % 3 === 0 ? ["\\Seen"] : [] })) };
      }),
    );
    const uids = saved.map((s) => s.uid).sort((a, b) => a - b);
    assert.deepEqual(
      uids,
      Array.from({ length: 30 }, (_, i) => i + 2),
    );
    const lines = readFileSync(join(root, "dovecot-uidlist"), "utf8").trimEnd().split("\n").slice(1);
    assert.deepEqual(
      lines.map((l) => Number(l.split(" ")[0])),
      Array.from({ length: 31 }, (_, i) => i + 1),
    );
    const inbox = await store.openMailbox("INBOX");
    assert.deepEqual(
      inbox.uids(),
      Array.from({ length: 31 }, (_, i) => i + 1),
    );
    for (const s of saved) {
      const text = (await inbox.readWhole(s.uid)).toString();
      assert.equal(text, `Subject: m${s.i}\n\nbody m${s.i}\n`);
      assert.equal(inbox.message(s.uid)?.flags.includes("\\Seen"), s.i % 3 === 0);
    }
  });
});
