import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import {
  deserializeMime,
  filterHeaderFields,
  headerFields,
  headerValues,
  imapBytes,
  imapNstring,
  imapNstringNolf,
  imapStringForHumans,
  locateSection,
  paramValue,
  parseAddressList,
  parseMime,
  serializeMime,
  toCrlf,
} from "../../src/mime/index.js";

const FIXTURES = new URL("../fixtures/mime/", import.meta.url).pathname;

const NESTED = Buffer.from(
  [
    "Subject: outer",
    "Content-Type: multipart/mixed; boundary=o",
    "",
    "--o",
    "Content-Type: text/plain",
    "",
    "first",
    "--o",
    "Content-Type: message/rfc822",
    "",
    "Subject: inner",
    "Content-Type: multipart/alternative; boundary=i",
    "",
    "--i",
    "",
    "inner one",
    "--i",
    "Content-Type: text/html",
    "",
    "<b>inner two</b>",
    "--i--",
    "--o--",
    "",
  ].join("\n"),
);

function slice(msg: Buffer, path: number[], text: Parameters<typeof locateSection>[2]): string | null {
  const r = locateSection(parseMime(msg), path, text);
  return r === null ? null : msg.toString("latin1", r.start, r.end);
}

test("BODY[section] resolves to the byte ranges IMAP streams from", () => {
  assert.equal(slice(NESTED, [], ""), NESTED.toString("latin1"));
  assert.equal(slice(NESTED, [], "HEADER"), "Subject: outer\nContent-Type: multipart/mixed; boundary=o\n\n");
  assert.equal(slice(NESTED, [1], ""), "first");
  assert.equal(slice(NESTED, [1], "MIME"), "Content-Type: text/plain\n\n");
  assert.equal(
    slice(NESTED, [2], "HEADER"),
    "Subject: inner\nContent-Type: multipart/alternative; boundary=i\n\n",
  );
  assert.equal(slice(NESTED, [2, 1], ""), "inner one");
  assert.equal(slice(NESTED, [2, 2], ""), "<b>inner two</b>");
  assert.equal(slice(NESTED, [2, 2], "MIME"), "Content-Type: text/html\n\n");
  assert.match(slice(NESTED, [2], "TEXT")!, /^--i\n\ninner one\n--i\n.*--i--\n$/s);
  // Dovecot answers these with an empty string
  assert.equal(slice(NESTED, [1], "HEADER"), null);
  assert.equal(slice(NESTED, [3], ""), null);
  assert.equal(slice(NESTED, [1, 2], ""), null);
  // a non-multipart message has one part, its body, and nothing below it
  const simple = Buffer.from("Subject: s\n\nbody\n");
  assert.equal(slice(simple, [1], ""), "body\n");
  assert.equal(slice(simple, [1, 1], ""), null);
  // a top-level message/rfc822: part 1 is the whole enclosed message, 1.1 its body
  const wrapped = Buffer.from("Content-Type: message/rfc822\n\nSubject: in\n\ninner\n");
  assert.equal(slice(wrapped, [1], ""), "Subject: in\n\ninner\n");
  assert.equal(slice(wrapped, [1, 1], ""), "inner\n");
  const r = locateSection(parseMime(simple), [], "")!;
  assert.equal(r.size, 20, "size counts CRLF line ends");
});

test("header fields are found by name with their raw bytes", () => {
  const hdr = Buffer.from(
    "Subject: one\n two\nX-Empty:\nno colon line\nsubject :  again\r\n\r\nbody: not a header\n",
  );
  const fields = headerFields(hdr);
  assert.deepEqual(
    fields.map((f) => f.name),
    ["Subject", "X-Empty", "no colon line", "subject"],
  );
  assert.deepEqual(
    headerValues(hdr, "SUBJECT").map((b) => b.toString()),
    [" one\n two", "  again"],
  );
  assert.equal(
    filterHeaderFields(hdr, ["subject"], { topLevel: true }).toString(),
    "Subject: one\r\n two\r\nsubject :  again\r\n\r\n",
  );
  assert.equal(
    filterHeaderFields(hdr, ["subject", "x-empty"], { not: true }).toString(),
    "no colon line\r\n\r\n",
  );
  // a header without blank line: only the top-level HEADER.FIELDS completes it
  const noEoh = Buffer.from("Subject: s\nTo: t");
  assert.equal(filterHeaderFields(noEoh, ["to"], { topLevel: true }).toString(), "To: t\r\n\r\n");
  assert.equal(filterHeaderFields(noEoh, ["to"]).toString(), "To: t");
  assert.equal(filterHeaderFields(noEoh, ["subject"], { not: true }).toString(), "To: t");
  assert.equal(filterHeaderFields(Buffer.alloc(0), ["to"]).toString(), "");
  // a header cut short by a boundary is read on to the next empty line, as Dovecot does
  const cut = Buffer.from("Content-Type: multipart/mixed; boundary=c\n\n--c\nX: 1\n--c\nY: 2\n\nz\n--c--\n");
  const first = parseMime(cut).children[0]!;
  assert.equal(filterHeaderFields(cut, ["y"], { from: first.headerStart }).toString(), "Y: 2\r\n\r\n");
  assert.equal(toCrlf(Buffer.from("a\nb\r\nc")).toString(), "a\r\nb\r\nc");
});

test("the tree survives serialisation for the index unchanged", () => {
  for (const f of readdirSync(FIXTURES)) {
    const root = parseMime(readFileSync(`${FIXTURES}${f}`));
    const json = serializeMime(root);
    assert.deepEqual(deserializeMime(json), root, f);
  }
  assert.throws(() => deserializeMime('["mime1",[1,0,0,0,0,0,0,0,0,0]]'), /offsets/);
  assert.throws(() => deserializeMime('["other",[]]'), /unknown format/);
});

test("IMAP strings are quoted or literal as Dovecot chooses", () => {
  assert.equal(imapNstring(null), "NIL");
  assert.equal(imapNstring('a "b" c'), '"a \\"b\\" c"');
  assert.equal(imapNstring('"""""'), '{5}\r\n"""""', "more than four quoted-specials");
  assert.equal(imapNstring("caf\xe9"), "{4}\r\ncaf\xe9");
  assert.equal(imapNstringNolf("a\n b\nc"), '"a b c"');
  assert.equal(imapStringForHumans("plain"), '"plain"');
  assert.equal(imapStringForHumans("  two\t\tspaces  "), "{10}\r\ntwo spaces");
  assert.equal(imapStringForHumans(" \t "), '""');
  assert.equal(imapStringForHumans("nul\0"), "{4}\r\nnul\x80");
});

test("addresses parse into IMAP address lists with Dovecot's placeholders", () => {
  assert.deepEqual(parseAddressList('"Doe, J" <j@x.org>, g: a@b;'), [
    { name: "Doe, J", route: null, mailbox: "j", domain: "x.org" },
    { name: null, route: null, mailbox: "g", domain: null },
    { name: null, route: null, mailbox: "a", domain: "b" },
    { name: null, route: null, mailbox: null, domain: null },
  ]);
  assert.deepEqual(parseAddressList("user@example.com (Real Name)"), [
    { name: "Real Name", route: null, mailbox: "user", domain: "example.com" },
  ]);
  assert.deepEqual(parseAddressList("no-domain"), [
    { name: null, route: null, mailbox: "no-domain", domain: "MISSING_DOMAIN" },
  ]);
  assert.equal(parseAddressList("  "), null);
});

test("parameter values decode RFC 2231 and RFC 2047 for display", () => {
  const root = parseMime(readFileSync(`${FIXTURES}14-rfc2231-continuations.eml`));
  const att = root.children[0]!;
  assert.equal(paramValue(att.data.params, "name"), "\u20ac rates and more.txt");
  assert.equal(paramValue(att.data.dispositionParams, "filename"), "\u00a3 report.txt");
  const enc = parseMime(readFileSync(`${FIXTURES}52-encoded-params.eml`));
  assert.equal(paramValue(enc.data.params, "NAME"), "\u00e9l\u00e8ve.pdf");
  assert.equal(paramValue(enc.data.params, "missing"), undefined);
});

test("imapBytes sends LF as CRLF and NUL as 0x80, with partial ranges in sent octets", async () => {
  const collect = async (chunks: string[], skip?: number, limit?: number): Promise<string> => {
    const out: Buffer[] = [];
    const source = chunks.map((c) => Buffer.from(c, "latin1"));
    for await (const b of imapBytes(source, { skip, limit })) out.push(b);
    return Buffer.concat(out).toString("latin1");
  };
  assert.equal(await collect(["a\nb\r", "\nc\0"]), "a\r\nb\r\nc\x80");
  assert.equal(await collect(["a\r", "\n"]), "a\r\n", "a CRLF split across chunks stays one line end");
  assert.equal(await collect(["a\nb\n"], 2), "\nb\r\n", "a range may start inside a converted line end");
  assert.equal(await collect(["a\nb\n"], 1, 2), "\r\n");
  assert.equal(await collect(["abc"], 10), "");
});
