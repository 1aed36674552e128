import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { isStoreError } from "../../src/store/errors.js";
import {
  effectiveNextUid,
  parseUidlist,
  recordExt,
  serializeUidlist,
} from "../../src/store/formats/maildir/uidlist.js";
import {
  appendUidlistRecords,
  readUidlistGuid,
  readUidlistSummary,
} from "../../src/store/formats/maildir/uidlist-file.js";

const OBSERVED = `3 V1795868333 N1 G11adc432adc60a6ba32e000083ecc375
1 :1795868333.M851729P11939.vm,S=201,W=210
2 :1795868333.M863539P11940.vm,S=109,W=115
3 :1700000000.P999Q1.otherhost
4 :1700000001.P999Q2.otherhost
`;

describe("dovecot-uidlist", () => {
  it("reads the v3 file Dovecot wrote, with N lagging behind appends", () => {
    const list = parseUidlist(OBSERVED);
    assert.equal(list.uidValidity, 1795868333);
    assert.equal(list.nextUid, 1);
    assert.equal(list.guid, "11adc432adc60a6ba32e000083ecc375");
    assert.equal(list.records.length, 4);
    assert.equal(list.records[2]!.base, "1700000000.P999Q1.otherhost");
    assert.equal(effectiveNextUid(list), 5);
    assert.equal(list.needsRewrite, false);
  });

  it("rewrites with the effective N, the GUID and other header tokens", () => {
    const list = parseUidlist("3 V7 N10 Gaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa Pformat\n12 :x\n");
    assert.equal(serializeUidlist(list), "3 V7 N13 Gaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa Pformat\n12 :x\n");
  });

  it("round-trips extension tokens and reads the message GUID", () => {
    const text =
      "3 V1 N2 G11adc432adc60a6ba32e000083ecc375\n1 Ge6a678051dc70a6b1f3e000083ecc375 S5 :a.b,W=3\n";
    const list = parseUidlist(text);
    assert.equal(recordExt(list.records[0]!, "G"), "e6a678051dc70a6b1f3e000083ecc375");
    assert.equal(recordExt(list.records[0]!, "S"), "5");
    assert.equal(serializeUidlist(list), text);
  });

  it("reads v1 (Courier) and asks for a v3 rewrite", () => {
    const list = parseUidlist("1 1234 7\n5 1700000000.P1Q1.h:2,S\n6 1700000001.P1Q2.h\n");
    assert.equal(list.uidValidity, 1234);
    assert.deepEqual(
      list.records.map((r) => [r.uid, r.base]),
      [
        [5, "1700000000.P1Q1.h"],
        [6, "1700000001.P1Q2.h"],
      ],
    );
    assert.equal(list.needsRewrite, true);
    assert.match(serializeUidlist(list), /^3 V1234 N7\n5 :1700000000.P1Q1.h\n/);
  });

  it("treats V0/N0 as broken", () => {
    assert.throws(
      () => parseUidlist("3 V0 N1\n"),
      (err) => isStoreError(err, "CORRUPT"),
    );
    assert.throws(
      () => parseUidlist("3 V5 N0\n"),
      (err) => isStoreError(err, "CORRUPT"),
    );
  });

  it("ignores a partial last line left by an interrupted append", () => {
    const list = parseUidlist("3 V5 N1 G11adc432adc60a6ba32e000083ecc375\n1 :a\n2 :b");
    assert.deepEqual(
      list.records.map((r) => r.uid),
      [1],
    );
  });

  it("drops non-increasing UIDs and keeps the later line of a duplicate name", () => {
    const list = parseUidlist("3 V5 N1 G11adc432adc60a6ba32e000083ecc375\n3 :a\n2 :b\n4 :a\n");
    assert.deepEqual(
      list.records.map((r) => [r.uid, r.base]),
      [[4, "a"]],
    );
    assert.equal(list.needsRewrite, true);
  });

  it("refuses to write UIDVALIDITY 0", () => {
    assert.throws(() =>
      serializeUidlist({ uidValidity: 0, nextUid: 1, headerExt: [], records: [], needsRewrite: false }),
    );
  });
});

describe("dovecot-uidlist summary for saves", () => {
  const dir = mkdtempSync(join(tmpdir(), "loft-uidlist-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const fresh = (content: string) => {
    const path = join(dir, `dovecot-uidlist.${n++}`);
    writeFileSync(path, content);
    return path;
  };

  it("follows our appends and other writers' appends without a full read going wrong", async () => {
    const path = fresh(OBSERVED);
    assert.deepEqual(readUidlistSummary(path), { uidValidity: 1795868333, nextUid: 5, needsRewrite: false });
    await appendUidlistRecords(path, [{ uid: 5, ext: [], base: "ours" }]);
    assert.equal(readUidlistSummary(path)?.nextUid, 6);
    // Dovecot appends two records between our saves.
    appendFileSync(path, "6 :theirs1\n9 W12 :theirs2\n");
    assert.equal(readUidlistSummary(path)?.nextUid, 10);
    assert.equal(readUidlistSummary(path)?.nextUid, 10);
  });

  it("reads the whole file again after a rewrite, even one of the same size", () => {
    const path = fresh(OBSERVED);
    assert.equal(readUidlistSummary(path)?.nextUid, 5);
    // A rewrite with a new UIDVALIDITY: a new file renamed over the old one.
    const rewritten = OBSERVED.replace("V1795868333 N1", "V1795868334 N7");
    writeFileSync(`${path}.tmp`, rewritten);
    renameSync(`${path}.tmp`, path);
    assert.deepEqual(readUidlistSummary(path), { uidValidity: 1795868334, nextUid: 7, needsRewrite: false });
    // Written in place (nobody should), same length, other header: still noticed.
    writeFileSync(path, rewritten.replace("V1795868334", "V1795868335"));
    assert.equal(readUidlistSummary(path)?.uidValidity, 1795868335);
  });

  it("asks for a rewrite when appended lines are partial, out of order or need a rewrite", () => {
    for (const tail of ["5 :partial", "3 :lower\n", "5 x1 :badtoken\n", "5 :a/b\n"]) {
      const path = fresh(OBSERVED);
      assert.equal(readUidlistSummary(path)?.needsRewrite, false);
      appendFileSync(path, tail);
      assert.equal(readUidlistSummary(path)?.needsRewrite, true, JSON.stringify(tail));
    }
  });

  it("has nothing for a missing file and throws for a broken header", () => {
    assert.equal(readUidlistSummary(join(dir, "missing")), undefined);
    assert.throws(
      () => readUidlistSummary(fresh("3 V0 N1\n")),
      (err) => isStoreError(err, "CORRUPT"),
    );
  });
});

describe("readUidlistGuid", () => {
  const dir = mkdtempSync(join(tmpdir(), "loft-uidlist-guid-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  it("reads the mailbox GUID from the header alone; none for a missing file or a broken header", () => {
    const path = join(dir, "dovecot-uidlist");
    let text = "3 V1700000000 N20001 G0123456789abcdef0123456789abcdef\n";
    for (let uid = 1; uid <= 20000; uid++) text += `${uid} :1700000000.M${uid}P1.host,S=10,W=11\n`;
    writeFileSync(path, text);
    assert.equal(readUidlistGuid(path), "0123456789abcdef0123456789abcdef");
    writeFileSync(path, "3 V0 N0 G0123456789abcdef0123456789abcdef\n");
    assert.equal(readUidlistGuid(path), undefined);
    // Only the first 4 KiB are read: a header line longer than that gives none.
    writeFileSync(path, `3 V1700000000 N1 G0123456789abcdef0123456789abcdef X${"y".repeat(4096)}\n`);
    assert.equal(readUidlistGuid(path), undefined);
    assert.equal(readUidlistGuid(join(dir, "missing")), undefined);
  });
});
