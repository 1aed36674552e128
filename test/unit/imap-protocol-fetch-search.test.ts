import assert from "node:assert/strict";
import { test } from "node:test";
import {
  type Command,
  CommandReader,
  type FetchAttribute,
  fetchItemName,
  type ParseResult,
  parseCommand,
  type SearchKey,
} from "../../src/imap/protocol/index.js";

function parse(text: string): ParseResult {
  const reader = new CommandReader();
  reader.push(Buffer.from(`${text}\r\n`, "latin1"));
  for (let ev = reader.next(); ev !== null; ev = reader.next()) {
    if (ev.type === "command") return parseCommand(ev.command);
    if (ev.type === "error") return { ok: false, error: ev.error };
  }
  throw new Error(`incomplete command: ${text}`);
}

function fetch(items: string): Extract<Command, { name: "FETCH" }> {
  const r = parse(`a FETCH 1 ${items}`);
  if (!r.ok) assert.fail(`${items}: ${r.error.text}`);
  assert.equal(r.command.name, "FETCH");
  return r.command as Extract<Command, { name: "FETCH" }>;
}

function one(item: string): FetchAttribute {
  const { items } = fetch(item);
  assert.equal(items.length, 1);
  return items[0]!;
}

function search(args: string): Extract<Command, { name: "SEARCH" }> {
  const r = parse(`a UID SEARCH ${args}`);
  if (!r.ok) assert.fail(`${args}: ${r.error.text}`);
  return r.command as Extract<Command, { name: "SEARCH" }>;
}

function key(args: string): SearchKey {
  return search(args).criteria;
}

function bad(text: string): string {
  const r = parse(text);
  if (r.ok) assert.fail(`${text} parsed`);
  return r.error.reason;
}

test("FETCH macros expand to their items (RFC 3501 §6.4.5)", () => {
  assert.deepEqual(fetch("ALL"), {
    name: "FETCH",
    uid: false,
    set: { kind: "ranges", ranges: [{ from: 1, to: 1 }] },
    items: [{ kind: "FLAGS" }, { kind: "INTERNALDATE" }, { kind: "RFC822.SIZE" }, { kind: "ENVELOPE" }],
    macro: "ALL",
    changedSince: null,
  });
  assert.deepEqual(
    fetch("fast").items.map((i) => i.kind),
    ["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
  );
  assert.deepEqual(
    fetch("FULL").items.map((i) => i.kind),
    ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"],
  );
  assert.equal(bad("a FETCH 1 (FLAGS ALL)"), "Unknown parameter: ALL");
});

test("every simple FETCH item, alone and in a list", () => {
  const names = [
    "ENVELOPE",
    "FLAGS",
    "INTERNALDATE",
    "RFC822",
    "RFC822.HEADER",
    "RFC822.SIZE",
    "RFC822.TEXT",
    "BODY",
    "BODYSTRUCTURE",
    "UID",
    "MODSEQ",
  ];
  for (const n of names) assert.deepEqual(one(n.toLowerCase()), { kind: n });
  assert.deepEqual(
    fetch(`(${names.join(" ")})`).items.map((i) => i.kind),
    names,
  );
  assert.deepEqual(
    fetch("( FLAGS  UID )").items.map((i) => i.kind),
    ["FLAGS", "UID"],
    "extra spaces, as Dovecot takes them",
  );
});

test("BODY[section]<partial>, BODY.PEEK, part paths, MIME, TEXT, HEADER.FIELDS[.NOT]", () => {
  assert.deepEqual(one("BODY[]"), {
    kind: "BODY[]",
    peek: false,
    section: { part: [], text: null, fields: [] },
    partial: null,
    label: "BODY[]",
  });
  assert.deepEqual(one("body.peek[1.2.3.mime]<10.20>"), {
    kind: "BODY[]",
    peek: true,
    section: { part: [1, 2, 3], text: "MIME", fields: [] },
    partial: { offset: 10, length: 20 },
    label: "BODY[1.2.3.MIME]",
  });
  assert.deepEqual(one("BODY[2]"), {
    kind: "BODY[]",
    peek: false,
    section: { part: [2], text: null, fields: [] },
    partial: null,
    label: "BODY[2]",
  });
  assert.equal((one("BODY[TEXT]") as { label: string }).label, "BODY[TEXT]");
  assert.equal((one("BODY[4.1.HEADER]") as { label: string }).label, "BODY[4.1.HEADER]");
  const hf = one('BODY.PEEK[HEADER.FIELDS (Subject "x-Spam" {4}\r\nDate)]');
  assert.deepEqual(hf, {
    kind: "BODY[]",
    peek: true,
    section: { part: [], text: "HEADER.FIELDS", fields: ["Subject", "x-Spam", "Date"] },
    partial: null,
    // Dovecot's form: upper-cased, strings stay quoted
    label: 'BODY[HEADER.FIELDS (SUBJECT "X-SPAM" "DATE")]',
  });
  const not = one("BODY[1.HEADER.FIELDS.NOT (Received)]<0.1024>");
  assert.equal(fetchItemName(not), "BODY[1.HEADER.FIELDS.NOT (RECEIVED)]<0>");
  assert.equal(fetchItemName(one("BODY.PEEK[]<5.6>")), "BODY[]<5>");
  assert.equal(fetchItemName(one("RFC822.SIZE")), "RFC822.SIZE");
});

test("BINARY[part]<partial>, BINARY.PEEK, BINARY.SIZE (RFC 3516)", () => {
  assert.deepEqual(one("BINARY.PEEK[1.2]<0.100>"), {
    kind: "BINARY[]",
    peek: true,
    part: [1, 2],
    partial: { offset: 0, length: 100 },
    label: "BINARY[1.2]",
  });
  assert.deepEqual(one("BINARY[]"), {
    kind: "BINARY[]",
    peek: false,
    part: [],
    partial: null,
    label: "BINARY[]",
  });
  assert.deepEqual(one("BINARY.SIZE[3]"), { kind: "BINARY.SIZE", part: [3], label: "BINARY.SIZE[3]" });
  assert.equal(fetchItemName(one("BINARY[1]<7.8>")), "BINARY[1]<7>");
  // RFC 3516 §4.4 section-binary is part numbers only (Dovecot 2.3 also takes BINARY[HEADER])
  assert.equal(bad("a FETCH 1 BINARY[HEADER]"), "Invalid BINARY[..] section");
  assert.equal(bad("a FETCH 1 BINARY.SIZE[1]<0.1>"), "Invalid arguments");
});

test("FETCH section and partial errors", () => {
  assert.equal(bad("a FETCH 1 BODY[FOO]"), "Invalid BODY[..] section");
  assert.equal(bad("a FETCH 1 BODY[MIME]"), "Invalid BODY[..] section");
  assert.equal(bad("a FETCH 1 BODY[HEADER.FIELDS]"), "Invalid BODY[..] section");
  assert.equal(bad("a FETCH 1 BODY[HEADER.FIELDS ()]"), "Invalid BODY[..] section");
  assert.equal(bad("a FETCH 1 BODY[1.0]"), "Invalid BODY[..] section");
  assert.equal(bad("a FETCH 1 BODY[1."), "Invalid BODY[..] section");
  assert.equal(bad("a FETCH 1 BODY[1"), "Invalid BODY[..] section");
  assert.equal(bad("a FETCH 1 BODY[]<0>"), "Invalid BODY[..] partial");
  assert.equal(bad("a FETCH 1 BODY[]<0.0>"), "Invalid BODY[..] partial");
  assert.equal(bad("a FETCH 1 BODY.PEK[]"), "Unknown parameter: BODY.PEK");
  assert.equal(bad("a FETCH 1 FOO"), "Unknown parameter: FOO");
  assert.equal(bad("a FETCH 1 ()"), "FETCH list is empty");
  assert.equal(bad("a FETCH 1 (FLAGS"), "Missing ')'");
  assert.equal(bad("a FETCH 1 (FLAGS))"), "Unexpected ')'");
  assert.equal(bad("a FETCH 0 FLAGS"), "Invalid messageset");
  assert.equal(bad("a FETCH 1"), "Missing arguments");
});

test("FETCH CHANGEDSINCE (CONDSTORE)", () => {
  assert.equal(fetch("(FLAGS) (CHANGEDSINCE 12345678901234)").changedSince, 12345678901234n);
  assert.equal(bad("a FETCH 1 (FLAGS) (CHANGEDSINCE x)"), "Invalid CHANGEDSINCE modseq");
  assert.equal(bad("a FETCH 1 (FLAGS) (CHANGEDSINCE 0)"), "Invalid CHANGEDSINCE modseq");
  assert.equal(bad("a FETCH 1 (FLAGS) (CHANGEDSINCE 9223372036854775808)"), "Invalid CHANGEDSINCE modseq");
  assert.equal(bad("a FETCH 1 (FLAGS) (VANISHED)"), "Unknown FETCH modifier");
});

const D = (year: number, month: number, day: number) => ({ year, month, day });

test("every RFC 3501 search key", () => {
  const cases: Array<[string, SearchKey]> = [
    ["ALL", { key: "ALL" }],
    ["ANSWERED", { key: "FLAG", flag: "\\Answered", set: true }],
    ["DELETED", { key: "FLAG", flag: "\\Deleted", set: true }],
    ["DRAFT", { key: "FLAG", flag: "\\Draft", set: true }],
    ["FLAGGED", { key: "FLAG", flag: "\\Flagged", set: true }],
    ["RECENT", { key: "FLAG", flag: "\\Recent", set: true }],
    ["SEEN", { key: "FLAG", flag: "\\Seen", set: true }],
    ["UNANSWERED", { key: "FLAG", flag: "\\Answered", set: false }],
    ["UNDELETED", { key: "FLAG", flag: "\\Deleted", set: false }],
    ["UNDRAFT", { key: "FLAG", flag: "\\Draft", set: false }],
    ["UNFLAGGED", { key: "FLAG", flag: "\\Flagged", set: false }],
    ["UNSEEN", { key: "FLAG", flag: "\\Seen", set: false }],
    ["KEYWORD $Junk", { key: "FLAG", flag: "$Junk", set: true }],
    ["UNKEYWORD foo", { key: "FLAG", flag: "foo", set: false }],
    [
      "NEW",
      {
        key: "AND",
        keys: [
          { key: "FLAG", flag: "\\Recent", set: true },
          { key: "FLAG", flag: "\\Seen", set: false },
        ],
      },
    ],
    ["OLD", { key: "FLAG", flag: "\\Recent", set: false }],
    ["BCC bob", { key: "HEADER", field: "BCC", value: "bob" }],
    ["cc {3}\r\nann", { key: "HEADER", field: "CC", value: "ann" }],
    ['FROM "a b"', { key: "HEADER", field: "FROM", value: "a b" }],
    ["SUBJECT hi", { key: "HEADER", field: "SUBJECT", value: "hi" }],
    ["TO x", { key: "HEADER", field: "TO", value: "x" }],
    ['HEADER X-Spam ""', { key: "HEADER", field: "X-Spam", value: "" }],
    ["BODY word", { key: "BODY", value: "word" }],
    ["TEXT word", { key: "TEXT", value: "word" }],
    ["BEFORE 1-Feb-2020", { key: "DATE", field: "INTERNAL", op: "BEFORE", date: D(2020, 2, 1) }],
    ['ON "29-feb-2024"', { key: "DATE", field: "INTERNAL", op: "ON", date: D(2024, 2, 29) }],
    ["SINCE 01-Jan-2000", { key: "DATE", field: "INTERNAL", op: "SINCE", date: D(2000, 1, 1) }],
    ["SENTBEFORE 1-Dec-1999", { key: "DATE", field: "SENT", op: "BEFORE", date: D(1999, 12, 1) }],
    ["SENTON 1-Dec-1999", { key: "DATE", field: "SENT", op: "ON", date: D(1999, 12, 1) }],
    ["SENTSINCE 1-Dec-1999", { key: "DATE", field: "SENT", op: "SINCE", date: D(1999, 12, 1) }],
    ["LARGER 100", { key: "SIZE", op: "LARGER", size: 100 }],
    ["SMALLER 0", { key: "SIZE", op: "SMALLER", size: 0 }],
    ["UID 1:*", { key: "UID", set: { kind: "ranges", ranges: [{ from: 1, to: "*" }] } }],
    [
      "2,4:5",
      {
        key: "SEQUENCE",
        set: {
          kind: "ranges",
          ranges: [
            { from: 2, to: 2 },
            { from: 4, to: 5 },
          ],
        },
      },
    ],
    ["$", { key: "SEQUENCE", set: { kind: "saved" } }],
    ["NOT SEEN", { key: "NOT", inner: { key: "FLAG", flag: "\\Seen", set: true } }],
    [
      "OR SEEN (DRAFT)",
      {
        key: "OR",
        left: { key: "FLAG", flag: "\\Seen", set: true },
        right: { key: "FLAG", flag: "\\Draft", set: true },
      },
    ],
    ["MODSEQ 5", { key: "MODSEQ", modseq: 5n, entry: null }],
    [
      'MODSEQ "/flags/\\\\draft" priv 7',
      { key: "MODSEQ", modseq: 7n, entry: { name: "/flags/\\draft", type: "priv" } },
    ],
    ["OLDER 60", { key: "WITHIN", op: "OLDER", seconds: 60 }],
    ["YOUNGER 60", { key: "WITHIN", op: "YOUNGER", seconds: 60 }],
  ];
  for (const [args, expected] of cases) assert.deepEqual(key(args), expected, args);
});

test("several keys are ANDed; parentheses group; CHARSET and RETURN are read first", () => {
  const s = search('RETURN (MIN count) CHARSET utf-8 (SEEN OR FROM "x" 1:3) UNDELETED');
  assert.deepEqual(s.returnOptions, ["MIN", "COUNT"]);
  assert.equal(s.charset, "utf-8");
  assert.equal(s.uid, true);
  assert.deepEqual(s.criteria, {
    key: "AND",
    keys: [
      {
        key: "AND",
        keys: [
          { key: "FLAG", flag: "\\Seen", set: true },
          {
            key: "OR",
            left: { key: "HEADER", field: "FROM", value: "x" },
            right: { key: "SEQUENCE", set: { kind: "ranges", ranges: [{ from: 1, to: 3 }] } },
          },
        ],
      },
      { key: "FLAG", flag: "\\Deleted", set: false },
    ],
  });
  // RFC 4731 §3.1: RETURN () is RETURN (ALL)
  assert.deepEqual(search("RETURN () ALL").returnOptions, ["ALL"]);
  assert.deepEqual(search("RETURN (SAVE MAX ALL) ALL").returnOptions, ["SAVE", "MAX", "ALL"]);
  assert.equal(search("ALL").returnOptions, null);
  assert.equal(search("ALL").charset, null);
});

test("search strings keep their bytes (8-bit literal under CHARSET UTF-8)", () => {
  assert.deepEqual(key("CHARSET UTF-8 SUBJECT {4}\r\n\xc3\xa9t\xc3"), {
    key: "HEADER",
    field: "SUBJECT",
    value: "\xc3\xa9t\xc3",
  });
});

test("search errors, with Dovecot's texts", () => {
  assert.equal(bad("a SEARCH"), "Missing search parameters");
  assert.equal(bad("a SEARCH FOO"), "Unknown argument FOO");
  assert.equal(bad("a SEARCH (ALL"), "Missing ')'");
  assert.equal(bad("a SEARCH ()"), "No search parameters inside list");
  assert.equal(bad("a SEARCH OR ALL"), "Missing argument");
  assert.equal(bad("a SEARCH NOT"), "Missing argument");
  assert.equal(bad("a SEARCH (NOT)"), "Missing argument");
  assert.equal(bad("a SEARCH LARGER x"), "Invalid search size parameter");
  assert.equal(bad("a SEARCH UID x"), "Invalid UID messageset");
  assert.equal(bad("a SEARCH HEADER x"), "Missing parameter for search key (for search key: HEADER)");
  assert.equal(bad("a SEARCH SUBJECT"), "Missing parameter for search key (for search key: SUBJECT)");
  assert.equal(bad("a SEARCH SINCE 1-Foo-2020"), "Invalid search date parameter");
  // RFC wins: Dovecot 2.3 takes 32-Jan-2020
  assert.equal(bad("a SEARCH BEFORE 32-Jan-2020"), "Invalid search date parameter");
  assert.equal(bad("a SEARCH BEFORE 29-Feb-2023"), "Invalid search date parameter");
  assert.equal(bad("a SEARCH RETURN (FOO) ALL"), "Unknown SEARCH return option");
  assert.equal(bad("a SEARCH RETURN (MIN)"), "Missing search parameters");
  assert.equal(bad("a SEARCH CHARSET UTF-8"), "Missing search parameters");
  assert.equal(bad("a SEARCH MODSEQ x"), "Invalid MODSEQ value");
  assert.equal(bad('a SEARCH MODSEQ "/flags/x" foo 1'), "Invalid MODSEQ entry type");
  assert.equal(bad("a SEARCH 1:0"), "Invalid messageset");
  assert.equal(bad("a SEARCH ALL)"), "Unexpected ')'");
  assert.equal(bad("a SEARCH KEYWORD \\Foo"), "Invalid system flag \\FOO");
});
