import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStoreError } from "../../src/store/errors.js";
import { parseMailboxName } from "../../src/store/mailbox-name.js";

describe("mailbox names", () => {
  it("splits on the configured separator and normalises INBOX", () => {
    assert.deepEqual(parseMailboxName("inBox", "/"), ["INBOX"]);
    assert.deepEqual(parseMailboxName("Inbox/Sub", "/"), ["INBOX", "Sub"]);
    assert.deepEqual(parseMailboxName("Work.Sub", "."), ["Work", "Sub"]);
    assert.deepEqual(parseMailboxName("Ünï/x y", "/"), ["Ünï", "x y"]);
  });

  it("refuses names that could leave the mail root or break files", () => {
    const bad = [
      "",
      "..",
      "a/../b",
      "a/./b",
      "a//b",
      "x\0y",
      "~root",
      "a/~b",
      "a\nb",
      "a\tb",
      "x".repeat(256),
      "é".repeat(128),
    ];
    for (const name of bad) {
      assert.throws(
        () => parseMailboxName(name, "/"),
        (err) => isStoreError(err, "BADNAME") && /Invalid mailbox name/.test(err.message),
        JSON.stringify(name),
      );
    }
    // With "." as separator, a slash is a path separator inside a level.
    assert.throws(
      () => parseMailboxName("a/b", "."),
      (err) => isStoreError(err, "BADNAME"),
    );
    assert.throws(
      () => parseMailboxName("a..b", "."),
      (err) => isStoreError(err, "BADNAME"),
    );
  });

  it("accepts 255 bytes", () => {
    assert.equal(parseMailboxName("x".repeat(255), "/")[0]!.length, 255);
  });
});
