import assert from "node:assert/strict";
import { test } from "node:test";
import { bodyText } from "../../src/imap/search/message-text.js";
import { MimeParser } from "../../src/mime/index.js";

function searchable(contentType: string, body: Buffer): string {
  const message = Buffer.concat([Buffer.from(`Content-Type: ${contentType}\r\n\r\n`), body]);
  const parser = new MimeParser();
  parser.push(message);
  return bodyText(parser.end(), message);
}

test("SEARCH BODY text: ASCII in charsets that extend ASCII as it is, the rest through the charset", () => {
  for (const charset of ["us-ascii", "UTF-8", "iso-8859-15", "windows-1252"])
    assert.equal(
      searchable(`text/plain; charset=${charset}`, Buffer.from("Zebra crossing")),
      "Zebra crossing",
    );
  assert.equal(searchable("text/plain", Buffer.from("no charset")), "no charset");
  assert.equal(searchable("text/plain; charset=iso-8859-1", Buffer.from([0x63, 0x61, 0x66, 0xe9])), "café");
  assert.equal(searchable("text/plain; charset=utf-8", Buffer.from("café")), "café");
  // Bytes that are all below 128 but UTF-16: decoded as UTF-16, not taken as they are.
  assert.equal(searchable("text/plain; charset=utf-16le", Buffer.from("Zebra", "utf16le")), "Zebra");
  assert.equal(
    searchable("text/plain; charset=us-ascii", Buffer.from([0x41, 0xe9])),
    "A\ufffd",
    "8-bit bytes in US-ASCII",
  );
});
