import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isStoreError } from "../../src/store/errors.js";
import {
  escapeLevel,
  parseSubscriptions,
  serializeSubscriptions,
  unescapeLevel,
} from "../../src/store/formats/common/subscriptions.js";
import {
  addKeywords,
  keywordIndex,
  parseKeywords,
  serializeKeywords,
  unknownKeywordName,
} from "../../src/store/formats/maildir/keywords.js";

describe("dovecot-keywords", () => {
  it("reads Dovecot's file and ignores bad lines", () => {
    const names = parseKeywords("0 $Label1\n1 Junk\n2 NonJunk\nbad\n30 Far\n3 \n4 junk\n");
    assert.deepEqual(names, ["$Label1", "Junk", "NonJunk"]);
    assert.equal(serializeKeywords(names), "0 $Label1\n1 Junk\n2 NonJunk\n");
  });

  it("matches names case-insensitively and fills the lowest free index", () => {
    const names = parseKeywords("0 a\n2 c\n");
    assert.equal(keywordIndex(names, "A"), 0);
    const more = addKeywords(names, ["C", "b", "d"]);
    assert.equal(serializeKeywords(more), "0 a\n1 b\n2 c\n3 d\n");
  });

  it("refuses a 27th keyword", () => {
    const full = addKeywords(
      [],
      Array.from({ length: 26 }, (_, i) => `k${i}`),
    );
    assert.throws(
      () => addKeywords(full, ["one-more"]),
      (err) => isStoreError(err, "LIMIT"),
    );
  });

  it("names letters without an entry unknown-<n>, unique", () => {
    assert.equal(unknownKeywordName(["unknown-1"], 1), "unknown-1?");
    assert.equal(unknownKeywordName([], 4), "unknown-4");
  });
});

describe("subscriptions", () => {
  it("writes the bytes Dovecot wrote", () => {
    const text = serializeSubscriptions([["Work"], ["Work", "Sub"]]);
    assert.deepEqual(
      [...Buffer.from(text)],
      [
        0x56, 0x09, 0x32, 0x0a, 0x0a, 0x57, 0x6f, 0x72, 0x6b, 0x0a, 0x57, 0x6f, 0x72, 0x6b, 0x09, 0x53, 0x75,
        0x62, 0x0a,
      ],
    );
    assert.deepEqual(parseSubscriptions(text, "."), [["Work"], ["Work", "Sub"]]);
  });

  it("tab-escapes levels", () => {
    assert.equal(escapeLevel("a\tb\x01c\nd\re"), "a\x01tb\x011c\x01nd\x01re");
    assert.equal(unescapeLevel(escapeLevel("a\tb\x01c\nd\re")), "a\tb\x01c\nd\re");
  });

  it("reads version 1 with the real separator", () => {
    assert.deepEqual(parseSubscriptions("INBOX\nWork.Sub\n", "."), [["INBOX"], ["Work", "Sub"]]);
  });
});
