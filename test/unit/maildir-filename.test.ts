import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FLAG_BITS } from "../../src/store/flags.js";
import {
  buildBaseName,
  buildFilename,
  compareNewFiles,
  escapeHostname,
  parseFilename,
  withSizes,
} from "../../src/store/formats/maildir/filename.js";

describe("maildir file names", () => {
  it("parses the name Dovecot wrote (storage-maildir.md §2.1)", () => {
    const p = parseFilename("1795868333.M851729P11939.vm,S=201,W=210:2,FSab");
    assert.equal(p.base, "1795868333.M851729P11939.vm,S=201,W=210");
    assert.equal(p.size, 201);
    assert.equal(p.vsize, 210);
    assert.equal(p.flags, FLAG_BITS["\\Flagged"] | FLAG_BITS["\\Seen"]);
    assert.deepEqual(p.keywordIndexes, [0, 1]);
    assert.equal(p.hasInfo, true);
  });

  it("accepts foreign names without sizes or info", () => {
    const p = parseFilename("1700000000.P999Q1.otherhost");
    assert.equal(p.base, "1700000000.P999Q1.otherhost");
    assert.equal(p.size, undefined);
    assert.equal(p.vsize, undefined);
    assert.equal(p.flags, 0);
    assert.equal(p.hasInfo, false);
  });

  it("reads a size only when it is followed by `,`, `:` or the end", () => {
    assert.equal(parseFilename("1.M1P1.h,S=12x,W=5").size, undefined);
    assert.equal(parseFilename("1.M1P1.h,S=12x,W=5").vsize, 5);
    assert.equal(parseFilename("1.M1P1.h,S=12:2,").size, 12);
  });

  it("keeps unknown letters and the info tail on rename", () => {
    const p = parseFilename("x:2,PS,extra");
    assert.equal(p.otherLetters, "P");
    assert.equal(p.infoTail, ",extra");
    assert.equal(
      buildFilename(p.base, FLAG_BITS["\\Answered"], [2], p.otherLetters, p.infoTail),
      "x:2,PRc,extra",
    );
  });

  it("writes letters sorted by ASCII: system flags then keywords", () => {
    const all = Object.values(FLAG_BITS).reduce((a, b) => a | b, 0);
    assert.equal(buildFilename("b", all, [3, 0]), "b:2,DFRSTad");
    assert.equal(buildFilename("b", 0, []), "b:2,");
  });

  it("builds Dovecot's base name and size fields, escaping the host", () => {
    const base = buildBaseName({ secs: 1795868333, usecs: 851729, pid: 11939, host: "vm" });
    assert.equal(withSizes(base, 201, 210), "1795868333.M851729P11939.vm,S=201,W=210");
    assert.equal(escapeHostname("a/b:c,d"), "a\\057b\\072c\\054d");
  });

  it("sorts new files by seconds, then microseconds, then bytes", () => {
    const names = ["20.M5P1.h", "10.M900P1.h", "10.M1000P1.h", "10.P5Q1.h", "abc", "10.M1000P0.h"];
    assert.deepEqual([...names].sort(compareNewFiles), [
      "abc",
      "10.M900P1.h",
      "10.M1000P0.h",
      "10.M1000P1.h",
      "10.P5Q1.h",
      "20.M5P1.h",
    ]);
  });
});
