/**
 * The reader of Dovecot's index files against what Dovecot 2.3 itself reports (`doveadm fetch`,
 * `doveadm mailbox status`) for files it wrote: the log alone, dovecot.index with a log tail
 * written after it, a rotated log (dovecot.index.log.2), and damaged files (which must be refused
 * or read as far as they are whole, never crash).
 */
import assert from "node:assert/strict";
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { bitsToFlags } from "../../src/store/flags.js";
import {
  type DovecotIndex,
  DovecotIndexError,
  loftFlags,
  readDovecotIndex,
} from "../../src/store/formats/dbox/dovecot-index.js";
import { type DovecotPeer, makeDovecotPeer } from "./dovecot-peer.js";

async function assertMatchesDovecot(peer: DovecotPeer, mailbox: string, index: DovecotIndex | undefined) {
  assert.ok(index);
  const status = await peer.status(mailbox);
  assert.equal(index.uidValidity, Number(status.uidvalidity));
  assert.equal(index.nextUid, Number(status.uidnext));
  const rows = await peer.fetch(["mailbox", mailbox]);
  assert.deepEqual(
    index.records.map((r) => ({
      uid: r.uid,
      flags: [...bitsToFlags(loftFlags(r.flags)), ...r.keywords].sort(),
    })),
    rows.map((r) => ({ uid: r.uid, flags: [...r.flags].sort() })),
  );
}

describe("Dovecot index reader", () => {
  const peers: DovecotPeer[] = [];
  const temps: string[] = [];
  after(() => {
    for (const p of peers) p.cleanup();
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  it("reads dovecot.index and the log written after it as Dovecot does", async () => {
    const peer = makeDovecotPeer("sdbox:~/sdbox");
    peers.push(peer);
    const dir = join(peer.home, "sdbox", "mailboxes", "INBOX", "dbox-Mails");
    // Dovecot writes dovecot.index only once its log has grown by some kilobytes.
    for (let i = 1; !existsSync(join(dir, "dovecot.index")); i++) {
      assert.ok(i < 200, "Dovecot wrote no dovecot.index");
      await peer.doveadm(["save", "-m", "INBOX"], `Subject: ${i}\n\nbody ${i}\n`);
      await peer.doveadm(["flags", "add", `\\Seen kw${i}`, "mailbox", "INBOX", "uid", String(i)]);
    }
    const indexSize = statSync(join(dir, "dovecot.index")).size;
    await peer.doveadm(["flags", "add", "\\Answered \\Draft extra", "mailbox", "INBOX", "uid", "2:4"]);
    await peer.doveadm(["flags", "remove", "\\Seen kw3", "mailbox", "INBOX", "uid", "3"]);
    await peer.doveadm(["expunge", "mailbox", "INBOX", "uid", "5"]);
    await peer.doveadm(["save", "-m", "INBOX"], "Subject: last\n\nbody\n");
    const last = (await peer.fetch(["mailbox", "INBOX"])).at(-1)!.uid;
    await peer.doveadm(["expunge", "mailbox", "INBOX", "uid", String(last)]);
    assert.equal(statSync(join(dir, "dovecot.index")).size, indexSize, "the changes are only in the log");
    await assertMatchesDovecot(peer, "INBOX", await readDovecotIndex(dir));
  });

  it("reads the log alone, as Dovecot leaves a small mailbox", async () => {
    const peer = makeDovecotPeer("mdbox:~/mdbox");
    peers.push(peer);
    await peer.doveadm(["mailbox", "create", "Work"]);
    for (let i = 1; i <= 4; i++) await peer.doveadm(["save", "-m", "Work"], `Subject: ${i}\n\nbody ${i}\n`);
    await peer.doveadm(["flags", "add", "\\Flagged $Label1", "mailbox", "Work", "uid", "1:2"]);
    await peer.doveadm(["flags", "replace", "\\Deleted", "mailbox", "Work", "uid", "2"]);
    await peer.doveadm(["copy", "Work", "mailbox", "Work", "uid", "1"]);
    await peer.doveadm(["expunge", "mailbox", "Work", "uid", "4"]);
    const dir = join(peer.home, "mdbox", "mailboxes", "Work", "dbox-Mails");
    assert.equal(existsSync(join(dir, "dovecot.index")), false);
    const index = await readDovecotIndex(dir);
    await assertMatchesDovecot(peer, "Work", index);
    // The copy shares its storage record (map_uid) with the original.
    const mapUid = (uid: number) =>
      index?.records
        .find((r) => r.uid === uid)
        ?.ext.get("mdbox")
        ?.readUInt32LE(0);
    assert.equal(mapUid(5), mapUid(1));
    const map = await readDovecotIndex(join(peer.home, "mdbox", "storage"), "dovecot.map.index");
    const stored = map?.records.find((r) => r.uid === mapUid(1));
    assert.equal(stored?.ext.get("ref")?.readUInt16LE(0), 2);
    assert.equal(stored?.ext.get("map")?.readUInt32LE(0), 1, "file id of m.1");
  });

  it("follows a rotated log (dovecot.index.log.2), with and without dovecot.index", async () => {
    const peer = makeDovecotPeer("sdbox:~/sdbox");
    peers.push(peer);
    appendFileSync(
      peer.conf,
      "mail_index_log_rotate_min_size = 1k\nmail_index_log_rotate_max_size = 2k\nmail_index_log_rotate_min_age = 0\n",
    );
    const dir = join(peer.home, "sdbox", "mailboxes", "INBOX", "dbox-Mails");
    for (let i = 1; !existsSync(join(dir, "dovecot.index.log.2")); i++) {
      assert.ok(i < 100, "Dovecot did not rotate its log");
      await peer.doveadm(["save", "-m", "INBOX"], `Subject: ${i}\n\nbody ${i}\n`);
      await peer.doveadm(["flags", "add", `\\Flagged kw${i}`, "mailbox", "INBOX", "uid", String(i)]);
    }
    await peer.doveadm(["expunge", "mailbox", "INBOX", "uid", "2"]);
    await assertMatchesDovecot(peer, "INBOX", await readDovecotIndex(dir));
    const logsOnly = mkdtempSync(join(tmpdir(), "loft-dovecot-index-"));
    temps.push(logsOnly);
    for (const name of ["dovecot.index.log", "dovecot.index.log.2"])
      copyFileSync(join(dir, name), join(logsOnly, name));
    await assertMatchesDovecot(peer, "INBOX", await readDovecotIndex(logsOnly));
  });

  it("refuses damaged files or reads them only as far as they are whole", async () => {
    const peer = makeDovecotPeer("sdbox:~/sdbox");
    peers.push(peer);
    for (let i = 1; i <= 3; i++) await peer.doveadm(["save", "-m", "INBOX"], `Subject: ${i}\n\nbody ${i}\n`);
    await peer.doveadm(["flags", "add", "\\Seen", "mailbox", "INBOX", "uid", "1"]);
    const source = join(peer.home, "sdbox", "mailboxes", "INBOX", "dbox-Mails", "dovecot.index.log");
    const log = readFileSync(source);
    const temp = mkdtempSync(join(tmpdir(), "loft-dovecot-index-"));
    temps.push(temp);
    const target = join(temp, "dovecot.index.log");
    // A transaction cut off by a crash (here: the save of UID 3) is not there yet, for Dovecot too.
    const append3 = log.indexOf(Buffer.from([2, 0, 0, 0x10, 3, 0, 0, 0]));
    assert.ok(append3 > 0);
    writeFileSync(target, log.subarray(0, append3 + 8));
    const cut = await readDovecotIndex(temp);
    assert.deepEqual(
      cut?.records.map((r) => r.uid),
      [1, 2],
    );
    assert.equal(cut?.nextUid, 3);
    // Any damaged byte: a DovecotIndexError or a result, nothing else.
    let refused = 0;
    for (let at = 0; at < log.length; at++) {
      const damaged = Buffer.from(log);
      damaged[at] = damaged[at]! ^ 0xa5;
      writeFileSync(target, damaged);
      try {
        await readDovecotIndex(temp);
      } catch (err) {
        assert.ok(err instanceof DovecotIndexError, String(err));
        refused++;
      }
    }
    assert.ok(refused > 0);
    copyFileSync(source, target);
    writeFileSync(join(temp, "dovecot.index"), Buffer.alloc(300, 7));
    await assert.rejects(readDovecotIndex(temp), DovecotIndexError);
  });
});
