import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, it } from "node:test";
import Database from "better-sqlite3";
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
  assert.equal(watchedMailboxCount(), before);

  await inbox.append(Buffer.from("Subject: =?UTF-8?Q?caf=C3=A9?=\r\n  folded\r\nX-Other: y\r\n\r\nbody\r\n"));
  assert.deepEqual(inbox.cachedHeaders().get(1), { subject: ["=?UTF-8?Q?caf=C3=A9?=  folded"] });
});

it("an index of schema 1 gains the header cache column when opened", async () => {
  const { home, store } = await fresh("HOME/index.sqlite");
  const inbox = await store.openMailbox("INBOX");
  await inbox.append(message(1));
  store.close();
  const db = new Database(join(home, "index.sqlite"));
  db.exec("ALTER TABLE messages DROP COLUMN headers; UPDATE meta SET value = '1' WHERE key = 'schema'");
  db.close();
  const again = await openUserStore({
    user: "u",
    home,
    mailLocation: "maildir:~/Maildir",
    indexPath: join(home, "index.sqlite"),
  });
  stores.push(again);
  const reopened = await again.openMailbox("INBOX");
  assert.deepEqual(reopened.cachedHeaders().size, 0, "old rows have no cached fields yet");
  await reopened.structure(1);
  assert.deepEqual(reopened.cachedHeaders().get(1), { subject: ["message 1"], from: ["a@example.org"] });
});
