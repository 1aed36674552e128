import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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

async function fresh(): Promise<{ root: string; store: UserStore }> {
  const dir = mkdtempSync(join(tmpdir(), "loft-maildir-"));
  dirs.push(dir);
  const store = await openUserStore({
    user: "u",
    home: dir,
    mailLocation: "maildir:~/Maildir",
    indexPath: ":memory:",
  });
  stores.push(store);
  return { root: join(dir, "Maildir"), store };
}

const uidlist = (root: string) => readFileSync(join(root, "dovecot-uidlist"), "utf8");

describe("Maildir files as Dovecot writes and reads them", () => {
  it("saves unflagged mail to new/ without info and flagged mail to cur/ with sorted letters", async () => {
    const { root, store } = await fresh();
    const inbox = await store.openMailbox("INBOX");
    await inbox.append(Buffer.from("Subject: a\r\n\r\nx\r\n"));
    await inbox.append(Buffer.from("Subject: b\n\nx\n"), {
      flags: ["\\Seen", "\\Answered"],
      keywords: ["Junk", "$Label1"],
    });
    const [plain] = readdirSync(join(root, "new"));
    assert.match(plain!, /^\d+\.M\d+P\d+\.[^,:]+,S=14,W=17$/);
    const [flagged] = readdirSync(join(root, "cur"));
    assert.match(flagged!, /,S=14,W=17:2,RSab$/);
    assert.equal(readFileSync(join(root, "dovecot-keywords"), "utf8"), "0 Junk\n1 $Label1\n");
    assert.match(uidlist(root), /^3 V\d+ N1 G[0-9a-f]{32}\n1 :\S+,S=14,W=17\n2 :\S+,S=14,W=17\n$/);
    assert.equal(readFileSync(join(root, "new", plain!), "utf8"), "Subject: a\n\nx\n", "stored with LF");
  });

  it("gives UIDs to foreign files in Dovecot's order and measures those without sizes", async () => {
    const { root, store } = await fresh();
    writeFileSync(join(root, "new", "1700000002.P1Q1.mda"), "Subject: 2\n\nx\n");
    writeFileSync(join(root, "new", "1700000001.M20P1.mda"), "Subject: 1\n\nxy\n");
    writeFileSync(join(root, "cur", "1700000001.M3P1.mda:2,FSz"), "Subject: 0\n\nx\n");
    const inbox = await store.openMailbox("INBOX");
    const messages = inbox.messages();
    assert.deepEqual(
      messages.map((m) => [m.uid, m.guid]),
      [
        [1, "1700000001.M3P1.mda"],
        [2, "1700000001.M20P1.mda"],
        [3, "1700000002.P1Q1.mda"],
      ],
    );
    assert.deepEqual([messages[1]!.size, messages[1]!.vsize], [15, 18]);
    assert.deepEqual(messages[0]!.flags.sort(), ["\\Flagged", "\\Seen"]);
    // A letter without an entry becomes unknown-<n> and is written back (z is index 25).
    assert.deepEqual(messages[0]!.keywords, ["unknown-25"]);
    assert.equal(readFileSync(join(root, "dovecot-keywords"), "utf8"), "25 unknown-25\n");
  });

  it("measures files without sizes both below and above the size read whole (256 KiB)", async () => {
    const { root, store } = await fresh();
    const small = "Subject: small\n\nx\r\ny\n";
    const big = `Subject: big\n\n${"line\n".repeat(60_000)}end\r\n`;
    writeFileSync(join(root, "cur", "1700000001.M1P1.mda:2,S"), small);
    writeFileSync(join(root, "cur", "1700000002.M1P1.mda:2,S"), big);
    assert.ok(big.length > 256 * 1024);
    const inbox = await store.openMailbox("INBOX");
    assert.deepEqual(
      inbox.messages().map((m) => [m.size, m.vsize]),
      [
        [small.length, small.length + 3],
        [big.length, big.length + 60_002],
      ],
    );
  });

  it("accepts flags on files still in new/ and keeps their info when moving them to cur/", async () => {
    const { root, store } = await fresh();
    writeFileSync(join(root, "new", "1700000001.M1P1.h,S=9:2,DR"), "Subject:\n");
    const inbox = await store.openMailbox("INBOX");
    assert.deepEqual(inbox.message(1)!.flags.sort(), ["\\Answered", "\\Draft"]);
    await inbox.claimRecent();
    assert.deepEqual(readdirSync(join(root, "new")), []);
    assert.deepEqual(readdirSync(join(root, "cur")), ["1700000001.M1P1.h,S=9:2,DR"]);
    await inbox.sync();
    assert.deepEqual(inbox.message(1)!.flags.sort(), ["\\Answered", "\\Draft"]);
  });

  it("upgrades a v1 uidlist keeping its UIDs, and never reuses a UID after a torn append", async () => {
    const { root, store } = await fresh();
    writeFileSync(join(root, "cur", "1700000001.P1Q1.h:2,S"), "Subject: 1\n\nx\n");
    writeFileSync(join(root, "cur", "1700000002.P1Q2.h:2,"), "Subject: 2\n\nx\n");
    writeFileSync(join(root, "dovecot-uidlist"), "1 4242 20\n7 1700000001.P1Q1.h:2,S\n9 1700000002.P1Q2.h\n");
    const inbox = await store.openMailbox("INBOX");
    assert.deepEqual(inbox.uids(), [7, 9]);
    assert.equal(inbox.uidValidity, 4242);
    assert.match(uidlist(root), /^3 V4242 N20 G[0-9a-f]{32}\n7 :1700000001.P1Q1.h\n9 :1700000002.P1Q2.h\n$/);
    // A writer died in the middle of appending "20 :…": the next save rewrites instead of appending to it.
    writeFileSync(join(root, "dovecot-uidlist"), `${uidlist(root)}20 :1700000003.P`, { flag: "w" });
    const { uid } = await inbox.append(Buffer.from("Subject: 3\n\nx\n"));
    assert.equal(uid, 20);
    assert.ok(uidlist(root).endsWith(` :${inbox.message(20)!.guid}\n`));
    assert.ok(!uidlist(root).includes("1700000003.P\n"));
  });

  it("compresses the uidlist when most records are expunged, keeping N", async () => {
    const { root, store } = await fresh();
    const inbox = await store.openMailbox("INBOX");
    for (let i = 0; i < 8; i++) await inbox.append(Buffer.from(`Subject: ${i}\n\nx\n`));
    await inbox.storeFlags([1, 2, 3, 4, 5, 6], "add", ["\\Deleted"], []);
    await inbox.expunge();
    assert.equal(uidlist(root).split("\n").length - 2, 8, "records stay until the next full sync");
    writeFileSync(join(root, "new", "1800000000.P1Q1.h"), "Subject: new\n\nx\n");
    await inbox.sync();
    const lines = uidlist(root).split("\n");
    assert.match(lines[0]!, / N10 /);
    assert.deepEqual(
      lines.slice(1, -1).map((l) => Number(l.split(" ")[0])),
      [7, 8, 9],
    );
  });

  it("starts over with a new UIDVALIDITY when the uidlist is lost, and tells watchers", async () => {
    const { root, store } = await fresh();
    const inbox = await store.openMailbox("INBOX");
    await inbox.append(Buffer.from("Subject: 1\n\nx\n"));
    const before = inbox.uidValidity;
    const changes: number[] = [];
    const stop = inbox.watch((c) => changes.push(c.uidValidity));
    try {
      rmSync(join(root, "dovecot-uidlist"));
      await inbox.sync();
      assert.ok(inbox.uidValidity > before);
      assert.deepEqual(inbox.uids(), [1]);
      assert.ok(changes.includes(inbox.uidValidity), "watchers learn the new UIDVALIDITY");
    } finally {
      stop();
    }
  });

  it("overrides the lock of a process that died holding it", async () => {
    const { root, store } = await fresh();
    writeFileSync(join(root, "dovecot-uidlist.lock"), `999999999:${(await import("node:os")).hostname()}`);
    const inbox = await store.openMailbox("INBOX");
    const started = Date.now();
    await inbox.append(Buffer.from("Subject: x\n\nx\n"));
    assert.ok(Date.now() - started < 2000);
    assert.ok(!readdirSync(root).includes("dovecot-uidlist.lock"));
  });

  it("writes subscriptions, maildirfolder and uidvalidity as Dovecot does", async () => {
    const { root, store } = await fresh();
    await store.createMailbox("Ünï/Sub");
    await store.subscribe("Ünï/Sub");
    await store.subscribe("INBOX");
    assert.equal(readFileSync(join(root, "subscriptions"), "utf8"), "V\t2\n\n&ANw-n&AO8-\tSub\nINBOX\n");
    assert.deepEqual(readdirSync(join(root, ".&ANw-n&AO8-.Sub")).sort(), [
      "cur",
      "dovecot-uidlist",
      "maildirfolder",
      "new",
      "tmp",
    ]);
    const value = readFileSync(join(root, "dovecot-uidvalidity"), "utf8");
    assert.match(value, /^[0-9a-f]{8}$/);
    assert.ok(readdirSync(root).includes(`dovecot-uidvalidity.${value}`));
    const inboxValidity = (await store.status("INBOX")).uidValidity;
    assert.equal((await store.status("Ünï/Sub")).uidValidity, inboxValidity + 1);
    assert.ok(!readdirSync(root).some((f) => f.startsWith("dovecot.index")), "never writes dovecot.index*");
  });
});

describe("the index file of a mail location", () => {
  it("is named from the SHA-256 of the location's root and INBOX, as every earlier version named it", async () => {
    const home = mkdtempSync(join(tmpdir(), "loft-maildir-"));
    dirs.push(home);
    const store = await openUserStore({ user: "u", home, mailLocation: "maildir:~/Mail:INBOX=~/Inbox" });
    stores.push(store);
    const where = createHash("sha256")
      .update(`${join(home, "Mail")}\0${join(home, "Inbox")}`)
      .digest("hex");
    assert.ok(readdirSync(join(home, ".loft")).includes(`index-maildir-${where.slice(0, 12)}.sqlite`));
  });
});
