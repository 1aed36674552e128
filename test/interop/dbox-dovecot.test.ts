/**
 * sdbox and mdbox between Loft and Dovecot 2.3 (storage-dbox.md §5): what Loft writes becomes
 * Dovecot's after `doveadm force-resync` (same bytes, GUIDs and received dates), and Loft reads what
 * Dovecot's `doveadm save` and `dovecot-lda` wrote.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { after, describe, it } from "node:test";
import { openUserStore, type UserStore } from "../../src/store/index.js";
import { type DovecotPeer, makeDovecotPeer, spawnAsMailUser } from "./dovecot-peer.js";

interface DovecotRow {
  uid: string;
  guid: string;
  "date.received": string;
  "date.received.unixtime": string;
  "size.virtual": string;
  text: string;
}

async function dovecotRows(peer: DovecotPeer, mailbox: string): Promise<DovecotRow[]> {
  const out = await peer.doveadm([
    "-f",
    "json",
    "fetch",
    "uid guid date.received date.received.unixtime size.virtual text",
    "mailbox",
    mailbox,
  ]);
  return JSON.parse(out) as DovecotRow[];
}

async function text(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString("utf8");
}

/** doveadm prints received dates in the local time zone, as `YYYY-MM-DD HH:MM:SS`. */
function localDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

const MESSAGES = [
  "From: a@example.org\r\nSubject: crlf\r\n\r\nFrom the start of a line\r\nbody\r\n",
  "From: b@example.org\nSubject: lf and ünïcödé\n\nbare LF lines\n",
  "Subject: no final newline\r\n\r\nlast line",
  "Subject: empty body\r\n\r\n",
  `Subject: big\r\n\r\n${"0123456789abcdef".repeat(64).concat("\r\n").repeat(40)}`,
];

function lda(peer: DovecotPeer, message: string): Promise<void> {
  const child = spawnAsMailUser(
    "/usr/lib/dovecot/dovecot-lda",
    ["-c", peer.conf, "-f", "sender@example.org"],
    peer.home,
  );
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdin.end(message);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`dovecot-lda exited ${code}: ${stderr}`));
    });
  });
}

/** Loft's view of a mailbox: GUID → bytes as stored, INTERNALDATE, RFC822.SIZE, UID. */
async function loftMessages(store: UserStore, name: string) {
  const box = await store.openMailbox(name);
  const result = new Map<string, { uid: number; text: string; date: number; vsize: number }>();
  for (const m of box.messages()) {
    result.set(m.guid, {
      uid: m.uid,
      text: await text(await box.read(m.uid, { crlf: false })),
      date: m.internalDate.getTime(),
      vsize: m.vsize,
    });
  }
  return result;
}

for (const format of ["sdbox", "mdbox"] as const) {
  describe(`${format} with Dovecot`, () => {
    const peers: DovecotPeer[] = [];
    after(() => {
      for (const p of peers) p.cleanup();
    });

    it("Dovecot reads what Loft wrote after doveadm force-resync: same bytes, GUIDs and received dates", async () => {
      const peer = makeDovecotPeer(`${format}:~/${format}:ALT=%h/alt`);
      peers.push(peer);
      const store = await openUserStore(peer.storeOptions({ mdboxRotateSize: 4096 }));
      const expected = new Map<string, Awaited<ReturnType<typeof loftMessages>>>();
      try {
        await store.createMailbox("Work/Ünï");
        await store.createMailbox("Empty");
        const inbox = await store.openMailbox("INBOX");
        const work = await store.openMailbox("Work/Ünï");
        let day = 0;
        for (const body of MESSAGES) {
          const internalDate = new Date(Date.UTC(2024, 0, 1 + day++, 12, 30, 15));
          await inbox.append(Buffer.from(body), { internalDate, flags: ["\\Seen"] });
          await work.append(Buffer.from(body.replace("Subject:", "Subject: work")));
        }
        // An expunged message must not come back: mdbox needs a purge before the hand-over.
        await inbox.storeFlags([2], "add", ["\\Deleted"], []);
        await inbox.expunge();
        await store.renameMailbox("Work", "Job");
        if (format === "mdbox") {
          assert.ok(
            readdirSync(join(peer.home, "mdbox", "storage")).filter((n) => n.startsWith("m.")).length > 1,
          );
          await store.purge();
        }
        for (const name of ["INBOX", "Job/Ünï", "Empty"]) expected.set(name, await loftMessages(store, name));
      } finally {
        store.close();
      }
      assert.equal(readlinkSync(join(peer.home, format, "dbox-alt-root")), join(peer.home, "alt"));
      await peer.doveadm(["force-resync", "*"]);
      const listed = (await peer.doveadm(["mailbox", "list"])).split("\n").filter((l) => l !== "");
      assert.deepEqual(listed.sort(), ["Empty", "INBOX", "Job", "Job/Ünï"]);
      for (const [name, loft] of expected) {
        const rows = await dovecotRows(peer, name);
        assert.equal(rows.length, loft.size, `${name}: message count`);
        for (const row of rows) {
          const mine = loft.get(row.guid);
          assert.ok(mine, `${name}: GUID ${row.guid} is one Loft wrote`);
          assert.equal(row.text, mine.text, `${name}: bytes of ${row.guid}`);
          assert.equal(Number(row["date.received.unixtime"]) * 1000, mine.date, `${name}: received date`);
          assert.equal(row["date.received"], localDate(mine.date));
          assert.equal(Number(row["size.virtual"]), mine.vsize, `${name}: virtual size`);
          // sdbox UIDs are the file names; mdbox's rebuild numbers the messages itself.
          if (format === "sdbox") assert.equal(Number(row.uid), mine.uid, `${name}: UID`);
        }
      }
    });

    it("Loft reads what doveadm save and dovecot-lda wrote: bytes, GUIDs, dates, sizes, mailboxes", async () => {
      const peer = makeDovecotPeer(`${format}:~/${format}`);
      peers.push(peer);
      await peer.doveadm(["mailbox", "create", "Work/Ünï"]);
      await peer.doveadm(["save", "-m", "INBOX"], MESSAGES[0]);
      await peer.doveadm(["save", "-m", "Work/Ünï"], MESSAGES[1]);
      await peer.doveadm(["save", "-m", "INBOX"], MESSAGES[4]);
      await lda(peer, MESSAGES[2]!);
      await lda(peer, MESSAGES[3]!);
      const dovecot = new Map<string, DovecotRow[]>();
      for (const name of ["INBOX", "Work/Ünï"]) dovecot.set(name, await dovecotRows(peer, name));
      assert.equal(dovecot.get("INBOX")!.length, 4);
      const store = await openUserStore(peer.storeOptions());
      let added = "";
      try {
        for (const [name, rows] of dovecot) {
          const loft = await loftMessages(store, name);
          assert.deepEqual([...loft.keys()].sort(), rows.map((r) => r.guid).sort(), `${name}: GUIDs`);
          for (const row of rows) {
            const mine = loft.get(row.guid)!;
            assert.equal(mine.text, row.text, `${name}: bytes of ${row.guid}`);
            assert.equal(mine.date, Number(row["date.received.unixtime"]) * 1000, `${name}: received date`);
            assert.equal(mine.vsize, Number(row["size.virtual"]), `${name}: virtual size`);
            if (format === "sdbox") assert.equal(mine.uid, Number(row.uid), `${name}: UID`);
          }
        }
        // Loft's own saves land beside Dovecot's without touching its files.
        const inbox = await store.openMailbox("INBOX");
        const { uid } = await inbox.append(Buffer.from(MESSAGES[1]!));
        assert.ok(uid > Math.max(...dovecot.get("INBOX")!.map((r) => Number(r.uid))));
        added = inbox.message(uid)!.guid;
      } finally {
        store.close();
      }
      // Dovecot, whose indexes are still there, takes the new message in at its next rebuild.
      await peer.doveadm(["flags", "add", "\\Flagged", "mailbox", "INBOX", "all"]);
      await peer.doveadm(["force-resync", "*"]);
      const after = await peer.fetch(["mailbox", "INBOX"]);
      assert.deepEqual(
        after.map((r) => r.guid).sort(),
        [...dovecot.get("INBOX")!.map((r) => r.guid), added].sort(),
      );
      for (const row of after) {
        assert.deepEqual(row.flags, row.guid === added ? [] : ["\\Flagged"], "Dovecot's flags survive");
      }
    });
  });
}

describe("sdbox alternate storage", () => {
  const peers: DovecotPeer[] = [];
  after(() => {
    for (const p of peers) p.cleanup();
  });

  it("Loft reads messages Dovecot moved to ALT, and expunges them there", async () => {
    const peer = makeDovecotPeer("sdbox:~/sdbox:ALT=%h/alt");
    peers.push(peer);
    for (const body of MESSAGES.slice(0, 3)) await peer.doveadm(["save", "-m", "INBOX"], body);
    await peer.doveadm(["altmove", "mailbox", "INBOX", "uid", "1:2"]);
    const altDir = join(peer.home, "alt", "mailboxes", "INBOX", "dbox-Mails");
    assert.deepEqual(
      readdirSync(altDir)
        .filter((n) => n.startsWith("u."))
        .sort(),
      ["u.1", "u.2"],
    );
    const rows = await dovecotRows(peer, "INBOX");
    const store = await openUserStore(peer.storeOptions());
    try {
      const loft = await loftMessages(store, "INBOX");
      assert.deepEqual(
        [...loft.values()].map((m) => [m.uid, m.text]),
        rows.map((r) => [Number(r.uid), r.text]),
      );
      const inbox = await store.openMailbox("INBOX");
      await inbox.storeFlags([1], "add", ["\\Deleted"], []);
      await inbox.expunge();
      assert.equal(existsSync(join(altDir, "u.1")), false);
      assert.ok(statSync(join(altDir, "u.2")).isFile());
    } finally {
      store.close();
    }
  });
});
