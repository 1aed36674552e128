import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  type Command,
  CommandReader,
  isKnownCommand,
  type ParseResult,
  parseCommand,
} from "../../src/imap/protocol/index.js";

/** One command line (literals included) through the reader and the grammar. */
function parse(text: string, stream = false): ParseResult {
  const reader = new CommandReader(stream ? {} : { streamLiteral: () => false });
  reader.push(Buffer.from(`${text}\r\n`, "latin1"));
  for (let ev = reader.next(); ev !== null; ev = reader.next()) {
    if (ev.type === "command") return parseCommand(ev.command);
    if (ev.type === "error") return { ok: false, error: ev.error };
  }
  throw new Error(`incomplete command: ${text}`);
}

function ok(text: string): Command {
  const r = parse(text);
  if (!r.ok) assert.fail(`${text}: ${r.error.text}`);
  return r.command;
}

/** The BAD reason. */
function bad(text: string): string {
  const r = parse(text);
  if (r.ok) assert.fail(`${text} parsed as ${JSON.stringify(r.command)}`);
  assert.equal(r.error.status, "BAD");
  return r.error.reason;
}

test("commands without arguments, and their extra-argument errors", () => {
  for (const name of [
    "CAPABILITY",
    "NOOP",
    "LOGOUT",
    "STARTTLS",
    "NAMESPACE",
    "IDLE",
    "CHECK",
    "CLOSE",
    "UNSELECT",
  ]) {
    assert.deepEqual(ok(`a ${name.toLowerCase()}`), { name });
    assert.deepEqual(ok(`a ${name} `), { name }, "a trailing space is accepted, as by Dovecot");
    assert.equal(bad(`a ${name} x`), "Invalid arguments");
  }
});

test("unknown commands and UID on commands that have no UID form", () => {
  const r = parse("a FOO");
  assert.ok(!r.ok);
  assert.equal(r.error.text, "Error in IMAP command FOO: Unknown command");
  const u = parse("a UID NOOP");
  assert.ok(!u.ok);
  assert.equal(u.error.text, "Error in IMAP command UID NOOP: Unknown command");
  assert.equal(isKnownCommand({ name: "FETCH", uid: true }), true);
  assert.equal(isKnownCommand({ name: "SELECT", uid: true }), false);
});

test("LOGIN with atoms, quoted strings (escapes) and literals; raw bytes kept", () => {
  assert.deepEqual(ok('a LOGIN bob "p\\"w\\\\d"'), { name: "LOGIN", username: "bob", password: 'p"w\\d' });
  assert.deepEqual(ok("a LOGIN {3}\r\nbob {3}\r\np\xc3\xa9"), {
    name: "LOGIN",
    username: "bob",
    password: "p\xc3\xa9",
  });
  assert.equal(bad("a LOGIN bob"), "Missing arguments");
  assert.equal(bad('a LOGIN bob "pw'), "Missing '\"'");
  assert.equal(bad('a LOGIN bob "p\\w"'), "Invalid escape in string");
  assert.equal(bad('a LOGIN bob "p\0w"'), "NULs not allowed in strings");
  assert.equal(bad("a LOGIN bob {2}\r\np\0"), "NULs not allowed in strings");
  assert.equal(bad("a LOGIN bob ~{2}\r\npw"), "literal8 not allowed here");
  assert.equal(bad("a LOGIN bob pw extra"), "Invalid arguments");
});

test("AUTHENTICATE with and without a SASL-IR initial response", () => {
  assert.deepEqual(ok("a AUTHENTICATE plain"), {
    name: "AUTHENTICATE",
    mechanism: "PLAIN",
    initialResponse: null,
  });
  assert.deepEqual(ok("a AUTHENTICATE PLAIN AGJvYgBwdw=="), {
    name: "AUTHENTICATE",
    mechanism: "PLAIN",
    initialResponse: "AGJvYgBwdw==",
  });
  assert.deepEqual(ok("a AUTHENTICATE PLAIN ="), {
    name: "AUTHENTICATE",
    mechanism: "PLAIN",
    initialResponse: "",
  });
  assert.equal(bad("a AUTHENTICATE PLAIN abc"), "Invalid base64 in initial response");
  assert.equal(bad("a AUTHENTICATE"), "Missing arguments");
});

test("ID with a parameter list or NIL", () => {
  assert.deepEqual(ok('a ID ("name" "imaplib" "version" NIL)'), {
    name: "ID",
    params: [
      ["name", "imaplib"],
      ["version", null],
    ],
  });
  assert.deepEqual(ok("a ID NIL"), { name: "ID", params: null });
  assert.deepEqual(ok("a ID ()"), { name: "ID", params: [] });
  assert.equal(bad('a ID ("name")'), "Unexpected ')'");
  assert.equal(bad('a ID ("name" "x"'), "Missing ')'");
  assert.equal(bad("a ID"), "Missing arguments");
});

test("ENABLE takes one or more capability names", () => {
  assert.deepEqual(ok("a ENABLE condstore UTF8=ACCEPT"), {
    name: "ENABLE",
    capabilities: ["CONDSTORE", "UTF8=ACCEPT"],
  });
  assert.equal(bad("a ENABLE"), "Missing arguments");
});

test("SELECT and EXAMINE, with the CONDSTORE parameter", () => {
  assert.deepEqual(ok("a SELECT inbox"), { name: "SELECT", mailbox: "inbox", condstore: false });
  assert.deepEqual(ok('a EXAMINE "Sent Items" (CONDSTORE)'), {
    name: "EXAMINE",
    mailbox: "Sent Items",
    condstore: true,
  });
  assert.deepEqual(ok("a SELECT &ANw-ber"), { name: "SELECT", mailbox: "&ANw-ber", condstore: false });
  assert.deepEqual(ok("a SELECT [Gmail]/Sent"), {
    name: "SELECT",
    mailbox: "[Gmail]/Sent",
    condstore: false,
  });
  assert.equal(bad("a SELECT"), "Invalid arguments");
  assert.equal(bad('a SELECT "INBOX'), "Missing '\"'");
  assert.equal(bad("a SELECT INBOX (FOO)"), "Unknown SELECT parameter FOO");
  assert.equal(bad("a SELECT INBOX ()"), "Invalid arguments");
  assert.equal(bad("a SELECT INBOX (CONDSTORE"), "Missing ')'");
  assert.equal(bad("a SELECT IN%BOX"), "Invalid arguments");
});

test("CREATE, DELETE, SUBSCRIBE, UNSUBSCRIBE and RENAME", () => {
  for (const name of ["CREATE", "DELETE", "SUBSCRIBE", "UNSUBSCRIBE"] as const) {
    assert.deepEqual(ok(`a ${name} "a/b"`), { name, mailbox: "a/b" });
    assert.equal(bad(`a ${name}`), "Missing arguments");
  }
  assert.deepEqual(ok("a RENAME old {3}\r\nnew"), { name: "RENAME", mailbox: "old", newName: "new" });
  assert.equal(bad("a RENAME a"), "Missing arguments");
});

test("LIST, plain and LIST-EXTENDED with selection and return options, LIST-STATUS", () => {
  assert.deepEqual(ok('a LIST "" *'), {
    name: "LIST",
    reference: "",
    patterns: ["*"],
    selection: { subscribed: false, remote: false, recursiveMatch: false, specialUse: false },
    returns: { subscribed: false, children: false, specialUse: false, status: null },
    extended: false,
  });
  assert.deepEqual(ok("a LIST ~/Mail %/]x"), {
    ...(ok('a LIST "" *') as object),
    reference: "~/Mail",
    patterns: ["%/]x"],
  });
  const ext = ok(
    'a LIST (SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" Sent/%) RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN SIZE))',
  );
  assert.deepEqual(ext, {
    name: "LIST",
    reference: "",
    patterns: ["INBOX", "Sent/%"],
    selection: { subscribed: true, remote: false, recursiveMatch: true, specialUse: false },
    returns: { subscribed: false, children: true, specialUse: true, status: ["MESSAGES", "UNSEEN", "SIZE"] },
    extended: true,
  });
  assert.equal((ok('a LIST () "" % RETURN ()') as { extended: boolean }).extended, true);
  assert.equal(bad('a LIST ""'), "Invalid pattern");
  assert.equal(bad('a LIST (FOO) "" *'), "Unknown select options");
  assert.equal(bad('a LIST "" * RETURN (FOO)'), "Unknown return options");
  assert.equal(bad('a LIST "" * RETURN (STATUS (FOO))'), "Invalid status item FOO");
  assert.equal(bad('a LIST (RECURSIVEMATCH) "" *'), "RECURSIVEMATCH must not be alone");
  assert.equal(bad('a LIST "" * FOO'), "Invalid arguments");
  assert.equal(bad('a LIST "" ()'), "Invalid pattern");
});

test("LSUB", () => {
  assert.deepEqual(ok('a LSUB "" %'), { name: "LSUB", reference: "", pattern: "%" });
  assert.equal(bad('a LSUB ""'), "Missing arguments");
});

test("STATUS items including HIGHESTMODSEQ and SIZE; Dovecot's error texts", () => {
  assert.deepEqual(ok("a STATUS INBOX (messages RECENT UIDNEXT UIDVALIDITY UNSEEN HIGHESTMODSEQ SIZE)"), {
    name: "STATUS",
    mailbox: "INBOX",
    items: ["MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "HIGHESTMODSEQ", "SIZE"],
  });
  assert.equal(bad("a STATUS INBOX (FOO)"), "Invalid status item FOO");
  assert.equal(bad("a STATUS INBOX ()"), "Empty status list");
  assert.equal(bad("a STATUS INBOX"), "Missing arguments");
});

test("APPEND with flags and date-time; buffered or streamed message; literal8", () => {
  assert.deepEqual(ok('a APPEND INBOX (\\Seen $Label1) " 7-Feb-1994 21:52:25 -0800" {5}\r\nHello'), {
    name: "APPEND",
    mailbox: "INBOX",
    flags: ["\\Seen", "$Label1"],
    date: { year: 1994, month: 2, day: 7, hour: 21, minute: 52, second: 25, zone: -480 },
    message: { size: 5, binary: false, bytes: Buffer.from("Hello") },
  });
  assert.deepEqual(ok("a APPEND INBOX () ~{2}\r\n\0\0"), {
    name: "APPEND",
    mailbox: "INBOX",
    flags: [],
    date: null,
    message: { size: 2, binary: true, bytes: Buffer.from([0, 0]) },
  });
  const streamed = parse("a APPEND Drafts {3}\r\nabc", true);
  assert.ok(streamed.ok);
  assert.deepEqual(streamed.command, {
    name: "APPEND",
    mailbox: "Drafts",
    flags: null,
    date: null,
    message: { size: 3, binary: false, bytes: null },
  });
  assert.equal(bad("a APPEND INBOX"), "Missing arguments");
  assert.equal(bad("a APPEND INBOX (\\Recent) {1}\r\nx"), "Invalid system flag \\RECENT");
  assert.equal(bad('a APPEND INBOX "31-Feb-2020 00:00:00 +0000" {1}\r\nx'), "Invalid date-time");
  assert.equal(bad('a APPEND INBOX "1-Feb-2020 00:00:00 +0000" {1}\r\nx'), "Invalid date-time");
  assert.equal(bad('a APPEND INBOX "01-Feb-2020 24:00:00 +0000" {1}\r\nx'), "Invalid date-time");
  assert.equal(bad("a APPEND INBOX {1}\r\nx y"), "Invalid arguments");
  assert.equal(bad("a APPEND INBOX hello"), "Invalid arguments");
});

test("STORE: every operation, .SILENT, flag list or bare flags, UNCHANGEDSINCE", () => {
  assert.deepEqual(ok("a STORE 1:3 +FLAGS.SILENT (\\seen \\DELETED foo)"), {
    name: "STORE",
    uid: false,
    set: { kind: "ranges", ranges: [{ from: 1, to: 3 }] },
    unchangedSince: null,
    action: "add",
    silent: true,
    flags: ["\\Seen", "\\Deleted", "foo"],
  });
  const r = ok("a UID STORE * (UNCHANGEDSINCE 0) -flags \\Answered \\Draft") as Extract<
    Command,
    { name: "STORE" }
  >;
  assert.equal(r.uid, true);
  assert.equal(r.action, "remove");
  assert.equal(r.silent, false);
  assert.equal(r.unchangedSince, 0n);
  assert.deepEqual(r.flags, ["\\Answered", "\\Draft"]);
  assert.equal((ok("a STORE 1 FLAGS ()") as { action: string }).action, "replace");
  assert.equal(bad("a STORE 1 FOOFLAGS \\Seen"), "Invalid arguments");
  assert.equal(bad("a STORE 1 +FLAGS (\\Foo)"), "Invalid system flag \\FOO");
  assert.equal(bad("a STORE 1 +FLAGS (\\Seen"), "Missing ')'");
  assert.equal(bad("a STORE 1 +FLAGS (\\Seen\\Draft)"), "Invalid arguments");
  assert.equal(bad("a STORE 0 FLAGS ()"), "Invalid messageset");
  assert.equal(bad("a STORE 1 (UNCHANGEDSINCE x) FLAGS ()"), "Invalid UNCHANGEDSINCE modseq");
  assert.equal(bad("a STORE 1 (FOO 1) FLAGS ()"), "Unknown STORE modifier");
});

test("COPY, MOVE and their UID forms", () => {
  assert.deepEqual(ok("a UID MOVE 4:2,9 Trash"), {
    name: "MOVE",
    uid: true,
    set: {
      kind: "ranges",
      ranges: [
        { from: 4, to: 2 },
        { from: 9, to: 9 },
      ],
    },
    mailbox: "Trash",
  });
  assert.deepEqual(ok("a COPY $ Archive"), {
    name: "COPY",
    uid: false,
    set: { kind: "saved" },
    mailbox: "Archive",
  });
  assert.equal(bad("a COPY 1"), "Missing arguments");
  assert.equal(bad("a COPY 1:x Trash"), "Invalid messageset");
  assert.equal(bad("a COPY 1,,2 Trash"), "Invalid messageset");
  assert.equal(bad("a COPY 4294967296 Trash"), "Invalid messageset");
});

test("EXPUNGE and UID EXPUNGE (UIDPLUS)", () => {
  assert.deepEqual(ok("a EXPUNGE"), { name: "EXPUNGE", uid: false, uids: null });
  assert.deepEqual(ok("a UID EXPUNGE 3:5"), {
    name: "EXPUNGE",
    uid: true,
    uids: { kind: "ranges", ranges: [{ from: 3, to: 5 }] },
  });
  assert.equal(bad("a UID EXPUNGE"), "Missing arguments");
  assert.equal(bad("a EXPUNGE 1"), "Invalid arguments");
});

test("lists nested deeper than the limit are refused, not recursed into", () => {
  const deep = `a SEARCH ${"(".repeat(100)}ALL${")".repeat(100)}`;
  assert.equal(bad(deep), "Too deep nesting");
  const nots = `a SEARCH ${"NOT ".repeat(5000)}ALL`;
  assert.equal(bad(nots), "Too deep nesting");
  assert.equal(ok(`a SEARCH ${"(".repeat(60)}ALL${")".repeat(60)}`).name, "SEARCH");
});

test("fuzz: random arguments after every command name give a result or a BAD, never a throw", () => {
  const names = [
    "CAPABILITY",
    "LOGIN",
    "AUTHENTICATE",
    "ID",
    "ENABLE",
    "SELECT",
    "EXAMINE",
    "CREATE",
    "RENAME",
    "LIST",
    "LSUB",
    "STATUS",
    "APPEND",
    "EXPUNGE",
    "UID EXPUNGE",
    "SEARCH",
    "UID SEARCH",
    "FETCH",
    "UID FETCH",
    "STORE",
    "COPY",
    "MOVE",
  ];
  const token = fc.constantFrom(
    " ",
    "(",
    ")",
    "[",
    "]",
    "<",
    ">",
    ".",
    ":",
    ",",
    "*",
    "$",
    "%",
    '"',
    "\\",
    "+",
    "-",
    "~",
    "0",
    "1",
    "4294967296",
    "99999999999999999999",
    "NIL",
    "ALL",
    "BODY",
    "BODY.PEEK[",
    "HEADER.FIELDS",
    "MIME",
    "BINARY[",
    "FLAGS",
    "+FLAGS.SILENT",
    "\\Seen",
    "OR",
    "NOT",
    "MODSEQ",
    "CHANGEDSINCE",
    "RETURN",
    "CHARSET",
    "STATUS",
    "1-Jan-2020",
    '" 1-Jan-2020 10:00:00 +0000"',
    "{2}\r\nab",
    "~{1}\r\n\0",
    "\0",
    "\xe9",
  );
  fc.assert(
    fc.property(fc.constantFrom(...names), fc.array(token, { maxLength: 25 }), (name, tokens) => {
      const reader = new CommandReader({ streamLiteral: () => false });
      reader.push(Buffer.from(`t ${name}${tokens.join("")}\r\n`, "latin1"));
      for (let ev = reader.next(); ev !== null; ev = reader.next()) {
        if (ev.type !== "command") continue;
        const r = parseCommand(ev.command);
        if (!r.ok) assert.match(r.error.text, /^Error in IMAP command /);
      }
    }),
    { numRuns: 3000 },
  );
});
