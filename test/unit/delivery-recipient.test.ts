import assert from "node:assert/strict";
import { test } from "node:test";
import { splitRecipient } from "../../src/delivery/recipient.js";
import { encodeLocalPart, readQuotedString, splitAddress } from "../../src/mime/local-part.js";

test("a local part is quoted only when a Dot-string cannot carry it", () => {
  assert.equal(encodeLocalPart("bob"), "bob");
  assert.equal(encodeLocalPart("b.o+b"), "b.o+b");
  assert.equal(encodeLocalPart("jörg"), "jörg");
  assert.equal(encodeLocalPart("b ob"), '"b ob"');
  assert.equal(encodeLocalPart('b"o\\b'), '"b\\"o\\\\b"');
  assert.equal(encodeLocalPart("bob."), '"bob."');
  assert.equal(encodeLocalPart(""), '""');
});

test("a Quoted-string ends at its closing quote and allows no control character", () => {
  assert.deepEqual(readQuotedString('"b\\"ob"@d', 0), { value: 'b"ob', end: 7 });
  assert.deepEqual(readQuotedString('<"a>b">', 1), { value: "a>b", end: 6 });
  assert.equal(readQuotedString('"bob', 0), null);
  assert.equal(readQuotedString('"bob\\"', 0), null);
  assert.equal(readQuotedString('"b\0ob"', 0), null);
  assert.equal(readQuotedString('"b\\\tob"', 0), null);
});

test("the domain starts at the first '@' after a quoted local part", () => {
  assert.deepEqual(splitAddress('"a@b"@d'), { local: "a@b", domain: "@d" });
  assert.deepEqual(splitAddress('"a@b"'), { local: "a@b", domain: "" });
  assert.deepEqual(splitAddress("a@d"), { local: "a", domain: "@d" });
});

test("a quoted recipient is split and looked up unquoted, as Dovecot's LMTP does", () => {
  assert.deepEqual(splitRecipient('"b ob+x"@d', "+"), { address: '"b ob+x"@d', user: "b ob@d", detail: "x" });
  assert.deepEqual(splitRecipient('"a@b+x"@d', "+"), { address: '"a@b+x"@d', user: '"a@b"@d', detail: "x" });
  assert.deepEqual(splitRecipient('"a@b"', "+"), { address: '"a@b"', user: "a@b", detail: "" });
  assert.deepEqual(splitRecipient("bob-x@d", "+-"), { address: "bob-x@d", user: "bob@d", detail: "x" });
});
