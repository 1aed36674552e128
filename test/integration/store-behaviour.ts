/**
 * Store behaviour through the generic interface only, so every format (Maildir now, mbox and dbox
 * later) runs the same suite: `storeBehaviour("maildir", (home) => ({ mailLocation: ... }))`.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { after, describe, it } from "node:test";
import {
  isStoreError,
  type OpenUserStoreOptions,
  openUserStore,
  type UserStore,
} from "../../src/store/index.js";

export interface BehaviourOptions {
  mailLocation: (home: string) => string;
  separator?: string;
  /**
   * The format's files hold no flags (dbox): as with Dovecot's index, deleting the index loses
   * them, while a rebuild keeps them.
   */
  flagsOnlyInIndex?: boolean;
  /** Format-specific options for every store the suite opens. */
  storeOptions?: Partial<OpenUserStoreOptions>;
}

async function text(stream: Readable): Promise<string> {
  let out = "";
  for await (const chunk of stream) out += (chunk as Buffer).toString("latin1");
  return out;
}

function message(subject: string, body = "hello\r\n"): Buffer {
  return Buffer.from(`From: a@example.org\r\nSubject: ${subject}\r\n\r\n${body}`);
}

export function storeBehaviour(label: string, options: BehaviourOptions): void {
  const sep = options.separator ?? "/";
  const cleanup: string[] = [];
  const stores: UserStore[] = [];
  after(() => {
    for (const s of stores) s.close();
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  });

  function freshHome(): string {
    const dir = mkdtempSync(join(tmpdir(), "loft-store-"));
    cleanup.push(dir);
    return join(dir, "home");
  }

  async function open(home: string, extra: Partial<OpenUserStoreOptions> = {}): Promise<UserStore> {
    const store = await openUserStore({
      user: "alice",
      home,
      mailLocation: options.mailLocation(home),
      separator: sep,
      ...options.storeOptions,
      ...extra,
    });
    stores.push(store);
    return store;
  }

  describe(`store behaviour: ${label}`, () => {
    it("creates INBOX and the special-use mailboxes from the options", async () => {
      const store = await open(freshHome(), {
        autoCreate: [
          { name: "Sent", specialUse: "\\Sent", subscribe: true },
          { name: "Trash", specialUse: "\\Trash" },
          { name: "Archive", specialUse: "\\Archive", create: false },
        ],
      });
      const list = await store.listMailboxes();
      assert.deepEqual(
        list.map((m) => [m.name, m.specialUse ?? "", m.subscribed]),
        [
          ["INBOX", "", false],
          ["Sent", "\\Sent", true],
          ["Trash", "\\Trash", false],
        ],
      );
      await store.createMailbox("Archive");
      const archive = (await store.listMailboxes()).find((m) => m.name === "Archive");
      assert.equal(archive?.specialUse, "\\Archive", "special use without auto-creation");
    });

    it("creates, lists, renames and deletes mailboxes, INBOX case-insensitive", async () => {
      const store = await open(freshHome());
      await store.createMailbox(`Work${sep}Ünï`);
      await store.createMailbox("Sp ace");
      await assert.rejects(store.createMailbox("Sp ace"), (e) => isStoreError(e, "ALREADYEXISTS"));
      await assert.rejects(store.createMailbox("inbox"), (e) => isStoreError(e, "ALREADYEXISTS"));
      const names = (await store.listMailboxes()).map((m) => m.name);
      assert.deepEqual(names, ["INBOX", "Sp ace", "Work", `Work${sep}Ünï`]);
      const child = await store.openMailbox(`Work${sep}Ünï`);
      await child.append(message("kept"));
      const before = child.status().uidValidity;
      await store.renameMailbox("Work", "Job");
      const renamed = await store.openMailbox(`Job${sep}Ünï`);
      assert.equal(renamed.status().messages, 1);
      assert.equal(renamed.status().uidValidity, before);
      assert.ok((await store.listMailboxes()).every((m) => !m.name.startsWith("Work")));
      await assert.rejects(store.openMailbox("Work"), (e) => isStoreError(e, "NONEXISTENT"));
      await store.deleteMailbox("Sp ace");
      // Dovecot names the mailbox it could not find, as SELECT does.
      await assert.rejects(store.deleteMailbox("Sp ace"), {
        code: "NONEXISTENT",
        message: "Mailbox doesn't exist: Sp ace",
      });
      await assert.rejects(store.deleteMailbox("INBOX"), (e) => isStoreError(e, "CANNOT"));
      await assert.rejects(store.renameMailbox("Nope", "Other"), {
        code: "NONEXISTENT",
        message: "Mailbox doesn't exist: Nope",
      });
      const inbox = await store.openMailbox("iNbOx");
      assert.equal(inbox.name, "INBOX");
    });

    it("renaming INBOX moves its messages and leaves it empty", async () => {
      const store = await open(freshHome());
      const inbox = await store.openMailbox("INBOX");
      await inbox.append(message("one"));
      await inbox.append(message("two"));
      await store.renameMailbox("INBOX", "Old");
      assert.equal((await store.openMailbox("Old")).status().messages, 2);
      await inbox.sync();
      assert.equal(inbox.status().messages, 0);
    });

    it("refuses unsafe names and creates nothing outside the mail root", async () => {
      const home = freshHome();
      const store = await open(home);
      const parent = join(home, "..");
      const before = readdirSync(parent).sort();
      for (const bad of [
        "..",
        `..${sep}x`,
        `a${sep}..`,
        "x\0y",
        "~x",
        "x".repeat(256),
        `a${sep}${sep}b`,
        "a\nb",
      ]) {
        await assert.rejects(
          store.createMailbox(bad),
          (e) => isStoreError(e, "BADNAME"),
          JSON.stringify(bad),
        );
      }
      if (sep !== "/") {
        await assert.rejects(store.createMailbox("a/b"), (e) => isStoreError(e, "BADNAME"));
        await assert.rejects(store.createMailbox("../../etc"), (e) => isStoreError(e, "BADNAME"));
      }
      assert.deepEqual(readdirSync(parent).sort(), before);
    });

    it("appends with flags, keywords and internal date; reports status", async () => {
      const store = await open(freshHome());
      const inbox = await store.openMailbox("INBOX");
      const date = new Date("2024-02-03T04:05:06Z");
      const a = await inbox.append(message("a"));
      const b = await inbox.append(message("b"), {
        flags: ["\\Seen", "\\Flagged"],
        keywords: ["$Label1"],
        internalDate: date,
      });
      assert.equal(b.uid, a.uid + 1);
      assert.equal(a.uidValidity, b.uidValidity);
      const info = inbox.message(b.uid)!;
      assert.deepEqual(info.flags.sort(), ["\\Flagged", "\\Seen"]);
      assert.deepEqual(info.keywords, ["$Label1"]);
      assert.equal(info.internalDate.getTime(), date.getTime());
      assert.equal(info.vsize, message("b").length);
      const status = inbox.status();
      assert.equal(status.messages, 2);
      assert.equal(status.unseen, 1);
      assert.equal(status.uidNext, b.uid + 1);
      assert.equal(status.size, message("a").length + message("b").length);
      assert.equal(status.firstUnseenUid, a.uid);
      assert.ok(status.highestModseq >= info.modseq);
    });

    it("reads whole messages and byte ranges as a stream", async () => {
      const store = await open(freshHome());
      const inbox = await store.openMailbox("INBOX");
      const body = `${"0123456789".repeat(100)}\r\n`.repeat(3000);
      const raw = message("big", body);
      const { uid } = await inbox.append(raw);
      const whole = await inbox.read(uid);
      let chunks = 0;
      let total = 0;
      for await (const chunk of whole) {
        chunks++;
        total += (chunk as Buffer).length;
      }
      assert.equal(total, raw.length);
      assert.ok(chunks > 1, "served in pieces, not as one buffer");
      assert.equal(
        await text(await inbox.read(uid, { start: 6, end: 18 })),
        raw.subarray(6, 19).toString("latin1"),
      );
      const far = raw.length - 50;
      assert.equal(await text(await inbox.read(uid, { start: far })), raw.subarray(far).toString("latin1"));
      const stored = await text(await inbox.read(uid, { crlf: false }));
      assert.equal(stored.length, inbox.message(uid)!.size);
    });

    it("stores flags and keywords with a per-message modseq", async () => {
      const store = await open(freshHome());
      const inbox = await store.openMailbox("INBOX");
      const { uid: u1 } = await inbox.append(message("1"));
      const { uid: u2 } = await inbox.append(message("2"));
      const start = inbox.status().highestModseq;
      const r = await inbox.storeFlags([u1], "add", ["\\Seen", "\\Answered"], ["Junk", "$Forwarded"]);
      assert.equal(r.updated.length, 1);
      const m1 = inbox.message(u1)!;
      assert.ok(m1.modseq > start);
      assert.deepEqual(m1.flags.sort(), ["\\Answered", "\\Seen"]);
      assert.deepEqual(m1.keywords.sort(), ["$Forwarded", "Junk"]);
      assert.equal(inbox.message(u2)!.modseq <= start, true);
      await inbox.storeFlags([u1], "remove", ["\\Answered"], ["junk"]);
      assert.deepEqual(inbox.message(u1)!.flags, ["\\Seen"]);
      assert.deepEqual(inbox.message(u1)!.keywords, ["$Forwarded"]);
      await inbox.storeFlags([u1, u2], "replace", ["\\Draft"], []);
      assert.deepEqual(inbox.message(u2)!.flags, ["\\Draft"]);
      const mod = inbox.message(u1)!.modseq;
      const cond = await inbox.storeFlags([u1, u2], "add", ["\\Flagged"], [], { unchangedSince: mod - 1 });
      assert.deepEqual(cond.failed.sort(), [u1, u2].sort());
      const since = inbox.changesSince(start);
      assert.deepEqual(since.changed.map((m) => m.uid).sort(), [u1, u2].sort());
      // The files are the truth: a resync from them keeps the same flags.
      await inbox.sync();
      assert.deepEqual(inbox.message(u1)!.flags, ["\\Draft"]);
    });

    it("copies and moves with UID pairs, keeping flags, keywords and dates", async () => {
      const store = await open(freshHome());
      await store.createMailbox("Archive");
      const inbox = await store.openMailbox("INBOX");
      const date = new Date("2023-01-01T00:00:00Z");
      const { uid: u1 } = await inbox.append(message("1"), {
        flags: ["\\Seen"],
        keywords: ["Work"],
        internalDate: date,
      });
      const { uid: u2 } = await inbox.append(message("2"));
      const copy = await inbox.copy([u1, u2], "Archive");
      const archive = await store.openMailbox("Archive");
      assert.equal(copy.uidValidity, archive.uidValidity);
      assert.deepEqual(
        copy.uids.map(([s]) => s),
        [u1, u2],
      );
      const copied = archive.message(copy.uids[0]![1])!;
      assert.deepEqual(copied.flags, ["\\Seen"]);
      assert.deepEqual(copied.keywords, ["Work"]);
      assert.equal(copied.internalDate.getTime(), date.getTime());
      assert.equal(await text(await archive.read(copied.uid)), message("1").toString("latin1"));
      const moved = await inbox.move([u2], "Archive");
      assert.equal(moved.uids.length, 1);
      assert.deepEqual(inbox.uids(), [u1]);
      assert.equal(archive.status().messages, 3);
      await assert.rejects(inbox.copy([u1], "Missing"), (e) => isStoreError(e, "NONEXISTENT"));
    });

    it("expunges only \\Deleted messages, remembers them, never reuses their UIDs", async () => {
      const store = await open(freshHome());
      const inbox = await store.openMailbox("INBOX");
      const uids = [];
      for (let i = 0; i < 4; i++) uids.push((await inbox.append(message(`m${i}`))).uid);
      const before = inbox.status().highestModseq;
      await inbox.storeFlags([uids[1]!, uids[3]!], "add", ["\\Deleted"], []);
      assert.deepEqual(await inbox.expunge([uids[0]!, uids[1]!]), [uids[1]]);
      assert.deepEqual(await inbox.expunge(), [uids[3]]);
      assert.deepEqual(inbox.uids(), [uids[0], uids[2]]);
      assert.deepEqual(inbox.changesSince(before).expunged, [uids[1], uids[3]]);
      const next = await inbox.append(message("after"));
      assert.equal(next.uid, uids[3]! + 1);
      await inbox.sync();
      assert.deepEqual(inbox.uids(), [uids[0], uids[2], next.uid]);
    });

    it("gives \\Recent to the first session that claims it", async () => {
      const store = await open(freshHome());
      const inbox = await store.openMailbox("INBOX");
      const { uid } = await inbox.append(message("r"));
      assert.equal(inbox.status().recent, 1);
      assert.deepEqual(await inbox.claimRecent(), [uid]);
      assert.deepEqual(await inbox.claimRecent(), []);
      await inbox.sync();
      assert.equal(inbox.status().recent, 0);
      assert.equal(inbox.message(uid)!.flags.length, 0);
    });

    it("subscribes and unsubscribes", async () => {
      const store = await open(freshHome());
      await store.createMailbox(`a${sep}b`);
      await store.subscribe(`a${sep}b`);
      await store.subscribe("INBOX");
      assert.deepEqual((await store.subscriptions()).sort(), ["INBOX", `a${sep}b`].sort());
      await store.unsubscribe("INBOX");
      assert.deepEqual(await store.subscriptions(), [`a${sep}b`]);
    });

    it("copies keep their own flags, read the same bytes and stay after the index is rebuilt", async () => {
      const home = freshHome();
      const indexPath = join(home, "..", "index.sqlite");
      const store = await open(home, { indexPath });
      await store.createMailbox("Archive");
      const inbox = await store.openMailbox("INBOX");
      const body = message("c1", "line one\r\nline two\r\n");
      const { uid } = await inbox.append(body, { flags: ["\\Seen"], keywords: ["Work"] });
      const structure = await inbox.structure(uid);
      const first = (await inbox.copy([uid], "Archive")).uids[0]![1];
      // The same message twice in one mailbox, then back where it came from.
      const second = (await inbox.copy([uid], "Archive")).uids[0]![1];
      const archive = await store.openMailbox("Archive");
      const back = (await archive.copy([first], "INBOX")).uids[0]![1];
      assert.notEqual(first, second);
      assert.notEqual(back, uid);
      await archive.storeFlags([first], "add", ["\\Flagged"], ["Later"]);
      await inbox.storeFlags([uid], "remove", ["\\Seen"], ["Work"]);
      const flagsOf = (m: { flags: string[]; keywords: string[] } | undefined) => [m?.flags, m?.keywords];
      assert.deepEqual(flagsOf(inbox.message(uid)), [[], []]);
      assert.deepEqual(flagsOf(archive.message(first)), [
        ["\\Seen", "\\Flagged"],
        ["Work", "Later"],
      ]);
      assert.deepEqual(flagsOf(archive.message(second)), [["\\Seen"], ["Work"]]);
      assert.deepEqual(flagsOf(inbox.message(back)), [["\\Seen"], ["Work"]]);
      assert.deepEqual(await archive.structure(second), structure);
      for (const [box, copied] of [
        [archive, first],
        [archive, second],
        [inbox, back],
      ] as const) {
        assert.equal(await text(await box.read(copied)), body.toString("latin1"));
        assert.equal(box.message(copied)!.size, inbox.message(uid)!.size);
      }
      const before = [inbox, archive].map((box) => box.messages().map((m) => [m.uid, m.flags, m.keywords]));
      store.close();
      for (const suffix of ["", "-wal", "-shm"]) rmSync(`${indexPath}${suffix}`, { force: true });
      const again = await open(home, { indexPath });
      const after = await Promise.all(
        ["INBOX", "Archive"].map(async (name) =>
          (await again.openMailbox(name)).messages().map((m) => [m.uid, m.flags, m.keywords]),
        ),
      );
      if (options.flagsOnlyInIndex)
        assert.deepEqual(
          after,
          before.map((rows) => rows.map(([u]) => [u, [], []])),
        );
      else assert.deepEqual(after, before);
    });

    it("keeps quota usage in the index and refuses over-quota saves", async () => {
      const store = await open(freshHome(), { quota: { storage: 300, messages: 3 } });
      const inbox = await store.openMailbox("INBOX");
      await inbox.append(message("q1"));
      const usage = await store.quota();
      assert.equal(usage.messages, 1);
      assert.equal(usage.storage, inbox.message(inbox.uids()[0]!)!.size);
      await assert.rejects(inbox.append(message("big", "x".repeat(400))), (e) =>
        isStoreError(e, "OVERQUOTA"),
      );
      await inbox.sync();
      assert.equal(inbox.status().messages, 1, "nothing left behind");
      await inbox.append(message("q2"));
      await inbox.append(message("q3"));
      await assert.rejects(inbox.append(message("q4")), (e) => isStoreError(e, "OVERQUOTA"));
      await inbox.storeFlags(inbox.uids(), "add", ["\\Deleted"], []);
      await inbox.expunge();
      assert.deepEqual(await store.quota(), { storage: 0, messages: 0, storageLimit: 300, messageLimit: 3 });
    });

    it("caches the MIME structure with offsets into the stored message", async () => {
      const store = await open(freshHome());
      const inbox = await store.openMailbox("INBOX");
      const raw = Buffer.from(
        'Subject: m\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b--\r\n',
      );
      const { uid } = await inbox.append(raw);
      const part = await inbox.structure(uid);
      assert.equal(part.children.length, 1);
      const child = part.children[0]!;
      const stored = await text(await inbox.read(uid, { crlf: false }));
      assert.equal(stored.slice(child.bodyStart, child.bodyEnd), "one");
      assert.deepEqual(await inbox.structure(uid), part, "served from the index the second time");
    });

    it("is only a cache: deleting the index loses nothing", async () => {
      const home = freshHome();
      const indexPath = join(home, "..", "index.sqlite");
      const store = await open(home, { indexPath });
      await store.createMailbox("Keep");
      const keep = await store.openMailbox("Keep");
      await keep.append(message("x"), { flags: ["\\Seen"], keywords: ["Important"] });
      await keep.append(message("y"));
      const before = keep
        .messages()
        .map((m) => [m.uid, m.flags, m.keywords, m.vsize, m.internalDate.getTime()]);
      const validity = keep.uidValidity;
      const quota = await store.quota();
      store.close();
      rmSync(indexPath, { force: true });
      rmSync(`${indexPath}-wal`, { force: true });
      rmSync(`${indexPath}-shm`, { force: true });
      const again = await open(home, { indexPath });
      const reopened = await again.openMailbox("Keep");
      assert.equal(reopened.uidValidity, validity);
      if (options.flagsOnlyInIndex) {
        assert.deepEqual(
          reopened.messages().map((m) => [m.uid, m.flags, m.keywords, m.vsize, m.internalDate.getTime()]),
          before.map(([uid, , , vsize, date]) => [uid, [], [], vsize, date]),
          "everything but the flags, which only the index held",
        );
        const [first] = reopened.uids();
        await reopened.storeFlags([first!], "replace", ["\\Seen"], ["Important"]);
      } else {
        assert.deepEqual(
          reopened.messages().map((m) => [m.uid, m.flags, m.keywords, m.vsize, m.internalDate.getTime()]),
          before,
        );
      }
      assert.deepEqual(await again.quota(), quota);
      await again.rebuildIndex();
      assert.deepEqual(
        (await again.openMailbox("Keep"))
          .messages()
          .map((m) => [m.uid, m.flags, m.keywords, m.vsize, m.internalDate.getTime()]),
        before,
      );
    });

    it("tells watchers about changes made in this process", async () => {
      const store = await open(freshHome());
      const inbox = await store.openMailbox("INBOX");
      const seen: string[] = [];
      const stop = inbox.watch((c) => {
        if (c.newUids.length) seen.push(`new ${c.newUids.join(",")}`);
        if (c.flagsChanged.length) seen.push(`flags ${c.flagsChanged.join(",")}`);
        if (c.expunged.length) seen.push(`expunge ${c.expunged.join(",")}`);
      });
      try {
        const { uid } = await inbox.append(message("w"));
        await inbox.storeFlags([uid], "add", ["\\Deleted"], []);
        await inbox.expunge();
        assert.deepEqual(seen, [`new ${uid}`, `flags ${uid}`, `expunge ${uid}`]);
      } finally {
        stop();
      }
    });
  });
}
