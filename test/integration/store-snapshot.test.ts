import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, renameSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import Database from "better-sqlite3";
import { bodystructure, envelope } from "../../src/mime/index.js";
import { openUserStore, type UserStore } from "../../src/store/index.js";
import { watchedMailboxCount } from "../../src/store/watch/index.js";

const dirs: string[] = [];
const stores: UserStore[] = [];
after(() => {
  for (const s of stores) s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function fresh(indexPath?: string): Promise<{ home: string; store: UserStore }> {
  const home = mkdtempSync(join(tmpdir(), "loft-snapshot-"));
  dirs.push(home);
  const store = await openUserStore({
    user: "u",
    home,
    mailLocation: "maildir:~/Maildir",
    ...(indexPath ? { indexPath: indexPath.replace("HOME", home) } : {}),
  });
  stores.push(store);
  return { home, store };
}

const message = (n: number) =>
  Buffer.from(`Subject: message ${n}\r\nFrom: a@example.org\r\n\r\nbody ${n}\r\n`);

it("snapshots follow flag changes, expunges and new mail, and stay as they were for their holders", async () => {
  const { store } = await fresh(":memory:");
  const inbox = await store.openMailbox("INBOX");
  for (let n = 1; n <= 4; n++) await inbox.append(message(n), n === 2 ? { keywords: ["Work"] } : {});
  const first = inbox.snapshot();
  assert.deepEqual([...first.uids], [1, 2, 3, 4]);
  assert.equal(inbox.snapshot(), first, "unchanged mailbox: the same snapshot");
  assert.equal((await store.openMailbox("INBOX")).snapshot(), first, "shared by every view in the process");

  await inbox.storeFlags([3], "add", ["\\Seen"], ["Later"]);
  const flagged = inbox.snapshot();
  assert.notEqual(flagged, first);
  assert.equal(flagged.uids, first.uids, "only flags changed: the UID array is shared");
  assert.deepEqual(flagged.flagsAt(2), ["\\Seen"]);
  assert.deepEqual(flagged.keywordsAt(2), ["Later"]);
  assert.deepEqual(first.flagsAt(2), [], "the older snapshot keeps its flags");
  assert.equal(flagged.firstUnseenUid(), 1);
  assert.deepEqual(flagged.keywordNames(), ["Work", "Later"]);

  await inbox.storeFlags([2], "add", ["\\Deleted"], []);
  await inbox.expunge();
  await inbox.append(message(5));
  const later = inbox.snapshot();
  assert.deepEqual([...later.uids], [1, 3, 4, 5]);
  assert.deepEqual([...first.uids], [1, 2, 3, 4], "the first snapshot is untouched");
  assert.deepEqual(later.keywordsAt(later.indexOf(3)), ["Later"]);
  assert.equal(later.indexOf(2), -1);
  assert.equal(later.modseq, inbox.status().highestModseq);
});

it("one watch per mailbox however many watchers; search header fields cached at save", async () => {
  const { store } = await fresh(":memory:");
  const inbox = await store.openMailbox("INBOX");
  const before = watchedMailboxCount();
  const stops = [inbox.watch(() => {}), (await store.openMailbox("INBOX")).watch(() => {})];
  assert.equal(watchedMailboxCount(), before + 1);
  for (const stop of stops) stop();
  assert.equal(watchedMailboxCount(), before + 1, "the watch lingers after its last watcher");
  const again = inbox.watch(() => {});
  assert.equal(watchedMailboxCount(), before + 1, "and serves the next one");
  again();

  await inbox.append(Buffer.from("Subject: =?UTF-8?Q?caf=C3=A9?=\r\n  folded\r\nX-Other: y\r\n\r\nbody\r\n"));
  assert.deepEqual(inbox.cachedHeaders(new Set(["subject", "from"])).get(1), {
    subject: ["=?UTF-8?Q?caf=C3=A9?=  folded"],
  });
  store.close();
  assert.equal(watchedMailboxCount(), before, "a lingering watch ends with its index");
});

it("an index of schema 1 gains the header cache column when opened", async () => {
  const { home, store } = await fresh("HOME/index.sqlite");
  const inbox = await store.openMailbox("INBOX");
  await inbox.append(message(1));
  store.close();
  const db = new Database(join(home, "index.sqlite"));
  // Version 1: the MIME structure in the message rows, no header fields.
  db.exec(
    "ALTER TABLE messages ADD COLUMN mime TEXT; UPDATE messages SET mime = " +
      "(SELECT mime FROM message_cache c WHERE c.mailbox_id = messages.mailbox_id AND c.uid = messages.uid); " +
      "DELETE FROM message_cache; UPDATE meta SET value = '1' WHERE key = 'schema'",
  );
  db.close();
  const again = await openUserStore({
    user: "u",
    home,
    mailLocation: "maildir:~/Maildir",
    indexPath: join(home, "index.sqlite"),
  });
  stores.push(again);
  const reopened = await again.openMailbox("INBOX");
  const fields = new Set(["subject", "from"]);
  assert.deepEqual(reopened.cachedHeaders(fields).size, 0, "old rows have no cached fields yet");
  await reopened.structure(1);
  assert.deepEqual(reopened.cachedHeaders(fields).get(1), {
    subject: ["message 1"],
    from: ["a@example.org"],
  });
});

const multipart = Buffer.from(
  'From: "Ann =?UTF-8?Q?M=C3=BCller?=" <ann@example.org>\r\nTo: b@example.org, c@example.org\r\n' +
    "Subject: parts\r\nMessage-ID: <p@example.org>\r\nMIME-Version: 1.0\r\n" +
    'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n' +
    "caf\xc3\xa9\r\n--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n--b--\r\n",
  "latin1",
);

/** ENVELOPE and BODYSTRUCTURE made afresh from the message's parsed structure. */
async function freshTexts(mailbox: Awaited<ReturnType<UserStore["openMailbox"]>>, uid: number) {
  const root = await mailbox.structure(uid);
  return [envelope(root), bodystructure(root, true)];
}

it("ENVELOPE and BODYSTRUCTURE cached at save and at first parse equal those made afresh", async () => {
  const { home, store } = await fresh("HOME/index.sqlite");
  const inbox = await store.openMailbox("INBOX");
  await inbox.append(multipart);
  await inbox.append(message(2));
  const saved = inbox.structures(1, 2);
  for (const uid of [1, 2])
    assert.deepEqual([saved.get(uid)!.envelope, saved.get(uid)!.bodystructure], await freshTexts(inbox, uid));
  // Delivered by another program: parsed, and its texts cached, on first use.
  const db = new Database(join(home, "index.sqlite"));
  db.exec("DELETE FROM message_cache");
  db.close();
  assert.equal(inbox.structures(1, 2).size, 0);
  const root = await inbox.structure(1);
  const parsed = inbox.structures(1, 1).get(1)!;
  assert.deepEqual(parsed.root, root);
  assert.deepEqual([parsed.envelope, parsed.bodystructure], await freshTexts(inbox, 1));
  await inbox.structure(2);
  assert.equal(inbox.structures(2, 2).size, 1);
  await inbox.remove([1]);
  const left = new Database(join(home, "index.sqlite"));
  assert.deepEqual(left.prepare("SELECT uid FROM message_cache").pluck().all(), [2], "gone with its message");
  left.close();
});

it("an index of schema 2 moves its cached structures and header fields (as binary JSON) to their own table, gaining ENVELOPE and BODYSTRUCTURE made from them", async () => {
  const { home, store } = await fresh("HOME/index.sqlite");
  const inbox = await store.openMailbox("INBOX");
  await inbox.append(multipart);
  store.close();
  const path = join(home, "index.sqlite");
  let db = new Database(path);
  // Version 2: the MIME structure and the header fields (JSON text) in the message rows.
  db.exec(
    "ALTER TABLE messages ADD COLUMN mime TEXT; ALTER TABLE messages ADD COLUMN headers TEXT; " +
      "UPDATE messages SET (mime, headers) = (SELECT mime, json(headers) FROM message_cache c " +
      "WHERE c.mailbox_id = messages.mailbox_id AND c.uid = messages.uid); " +
      "DELETE FROM message_cache; UPDATE meta SET value = '2' WHERE key = 'schema'",
  );
  db.close();
  const again = await openUserStore({ user: "u", home, mailLocation: "maildir:~/Maildir", indexPath: path });
  stores.push(again);
  const reopened = await again.openMailbox("INBOX");
  assert.deepEqual(reopened.cachedHeaders(new Set(["subject"])).get(1), { subject: ["parts"] });
  const cached = reopened.structures(1, 1).get(1)!;
  assert.deepEqual([cached.envelope, cached.bodystructure], await freshTexts(reopened, 1));
  db = new Database(path);
  const row = db.prepare("SELECT envelope, bodystructure FROM message_cache WHERE uid = 1").get();
  assert.equal(db.prepare("SELECT typeof(headers) FROM message_cache WHERE uid = 1").pluck().get(), "blob");
  assert.deepEqual(
    db
      .prepare("SELECT name FROM pragma_table_info('messages') WHERE name IN ('mime', 'headers')")
      .pluck()
      .all(),
    [],
    "the message rows lose their cache columns",
  );
  assert.equal(db.prepare("SELECT value FROM meta WHERE key = 'schema'").pluck().get(), "3");
  db.close();
  assert.deepEqual(row, { envelope: cached.envelope, bodystructure: cached.bodystructure }, "written back");
});

it("a whole message is read at once, also after another program renamed its file", async () => {
  const { home, store } = await fresh(":memory:");
  const inbox = await store.openMailbox("INBOX");
  await inbox.append(message(1));
  assert.equal((await inbox.readWhole(1)).toString(), message(1).toString().replaceAll("\r\n", "\n"));
  const maildir = join(home, "Maildir");
  const [dir, name] =
    readdirSync(join(maildir, "new")).length > 0
      ? ["new", readdirSync(join(maildir, "new"))[0]!]
      : ["cur", readdirSync(join(maildir, "cur"))[0]!];
  const base = name.includes(":2,") ? name.slice(0, name.indexOf(":2,")) : name;
  renameSync(join(maildir, dir, name), join(maildir, "cur", `${base}:2,S`));
  const cur = join(maildir, "cur");
  assert.equal((await inbox.readWhole(1)).toString(), message(1).toString().replaceAll("\r\n", "\n"));
  unlinkSync(join(cur, readdirSync(cur)[0]!));
  await assert.rejects(inbox.readWhole(1), { code: "EXPUNGED" });
});
