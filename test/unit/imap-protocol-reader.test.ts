import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  CommandReader,
  type ReaderEvent,
  type ReaderLimits,
  type ReaderOptions,
} from "../../src/imap/protocol/index.js";

/** Everything a session would see, in a comparable form. */
function describe(ev: ReaderEvent): string {
  switch (ev.type) {
    case "command":
      return `command ${ev.command.tag} ${ev.command.uid ? "UID " : ""}${ev.command.name} ${JSON.stringify(
        ev.command.parts.map((p) =>
          p.kind === "streamed"
            ? `<stream ${p.size}>`
            : p.kind === "literal"
              ? `{${p.bytes.toString("latin1")}}`
              : p.bytes.toString("latin1"),
        ),
      )}`;
    case "continue":
      return `continue ${ev.tag}`;
    case "literal-start":
      return `literal-start ${ev.command.tag} ${ev.literal.size}${ev.literal.sync ? "" : "+"}`;
    case "literal-data":
      return `data ${ev.chunk.toString("latin1")}`;
    case "literal-end":
      return "literal-end";
    case "line":
      return `line ${ev.bytes.toString("latin1")}`;
    case "error":
      return `error ${ev.error.tag ?? "*"} ${ev.error.status}${ev.error.code ? ` [${ev.error.code}]` : ""} ${ev.error.text}${ev.error.fatal ? " FATAL" : ""}`;
  }
}

/** Feeds the chunks one by one, pulling events after each; literal data is merged. */
function run(chunks: Array<string | Buffer>, options: ReaderOptions = {}): string[] {
  const reader = new CommandReader(options);
  const out: string[] = [];
  for (const chunk of chunks) {
    reader.push(typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk);
    for (let ev = reader.next(); ev !== null; ev = reader.next()) {
      const d = describe(ev);
      const last = out[out.length - 1];
      if (d.startsWith("data ") && last?.startsWith("data ")) out[out.length - 1] = last + d.slice(5);
      else out.push(d);
    }
  }
  return out;
}

function limits(l: Partial<ReaderLimits>): ReaderOptions {
  return { limits: l };
}

test("frames simple commands, upper-cases names, takes the UID prefix, accepts a bare LF", () => {
  assert.deepEqual(run(["a1 noop\r\na2 uid fetch 1 FLAGS\r\na3 CAPABILITY\n"]), [
    'command a1 NOOP [""]',
    'command a2 UID FETCH [" 1 FLAGS"]',
    'command a3 CAPABILITY [""]',
  ]);
});

test("a synchronising literal asks for a continuation; {n+} does not", () => {
  assert.deepEqual(run(["a1 LOGIN {3}\r\n", "bob {4+}\r\npass\r\n"]), [
    "continue a1",
    'command a1 LOGIN [" ","{bob}"," ","{pass}",""]',
  ]);
});

test("literal8 ~{n} is framed as a binary literal", () => {
  const reader = new CommandReader({ streamLiteral: () => false });
  reader.push(Buffer.from("a1 APPEND INBOX ~{3}\r\na\0b\r\n", "latin1"));
  assert.equal(reader.next()?.type, "continue");
  const ev = reader.next();
  assert.equal(ev?.type, "command");
  if (ev?.type !== "command") return;
  assert.deepEqual(ev.command.parts[1], {
    kind: "literal",
    bytes: Buffer.from("a\0b", "latin1"),
    binary: true,
  });
  assert.deepEqual(ev.command.parts[0], { kind: "line", bytes: Buffer.from(" INBOX ") });
});

test("a literal of zero bytes and a literal holding CRLF", () => {
  assert.deepEqual(run(["a SELECT {0}\r\n\r\nb SELECT {4}\r\n\r\n\r\n\r\n"]), [
    "continue a",
    'command a SELECT [" ","{}",""]',
    "continue b",
    'command b SELECT [" ","{\\r\\n\\r\\n}",""]',
  ]);
});

test("APPEND's message literal is streamed in chunks, never buffered as an argument", () => {
  const events = run(["a APPEND INBOX (\\Seen) {10}\r\n", "01234", "56789", "\r\nb NOOP\r\n"]);
  assert.deepEqual(events, [
    "literal-start a 10",
    "data 0123456789",
    "literal-end",
    'command a APPEND [" INBOX (\\\\Seen) ","<stream 10>",""]',
    'command b NOOP [""]',
  ]);
});

test("a mailbox name sent as a literal in APPEND is buffered, the message streamed", () => {
  assert.deepEqual(run(["a APPEND {5+}\r\nINBOX {3+}\r\nabc\r\n"]), [
    "literal-start a 3+",
    "data abc",
    "literal-end",
    'command a APPEND [" ","{INBOX}"," ","<stream 3>",""]',
  ]);
});

test("literal-data chunks are slices of what was pushed, bounded by the literal", () => {
  const reader = new CommandReader();
  reader.push(Buffer.from("a APPEND INBOX {6+}\r\nabc"));
  assert.equal(reader.next()?.type, "literal-start");
  const first = reader.next();
  assert.equal(first?.type === "literal-data" && first.chunk.toString(), "abc");
  assert.equal(reader.next(), null);
  reader.push(Buffer.from("defb NOOP\r\n"));
  const second = reader.next();
  assert.equal(second?.type === "literal-data" && second.chunk.toString(), "def");
  assert.equal(reader.next()?.type, "literal-end");
  // what follows a literal continues its command's line: "b NOOP" is APPEND's tail here
  const rest = reader.next();
  assert.equal(rest?.type === "command" && rest.command.parts.at(-1)?.kind === "line", true);
});

test("refusing a synchronising APPEND literal: the client never sends it, the next line is a command", () => {
  const reader = new CommandReader();
  reader.push(Buffer.from("a APPEND nosuch {100}\r\nb NOOP\r\n"));
  assert.equal(reader.next()?.type, "literal-start");
  reader.refuseLiteral();
  const ev = reader.next();
  assert.equal(ev?.type === "command" && ev.command.tag, "b");
});

test("refusing a non-synchronising APPEND literal drains its bytes", () => {
  const reader = new CommandReader();
  reader.push(Buffer.from("a APPEND nosuch {8+}\r\nc NOOP\r\n\r\nb NOOP\r\n"));
  assert.equal(reader.next()?.type, "literal-start");
  reader.refuseLiteral();
  const ev = reader.next();
  assert.equal(ev?.type === "command" && ev.command.tag, "b");
  assert.throws(() => reader.refuseLiteral(), /without a pending literal/);
});

test("expectLine() returns the next bare line (IDLE's DONE, a SASL response)", () => {
  const reader = new CommandReader();
  reader.push(Buffer.from("a IDLE\r\nDONE\r\nb NOOP\r\n"));
  assert.equal(reader.next()?.type, "command");
  reader.expectLine();
  const line = reader.next();
  assert.equal(line?.type === "line" && line.bytes.toString(), "DONE");
  const next = reader.next();
  assert.equal(next?.type === "command" && next.command.name, "NOOP");
});

test("bad tags and command names get Dovecot's texts and the reader moves on", () => {
  assert.deepEqual(run(["\r\n* NOOP\r\na+ NOOP\r\na2\r\na3  NOOP\r\na4 UID\r\na5 NO\0OP\r\na6 NOOP\r\n"]), [
    "error * BAD Error in IMAP tag: Invalid tag",
    "error * BAD Error in IMAP tag: Invalid tag",
    "error * BAD Error in IMAP tag: Invalid tag",
    "error a2 BAD Error in IMAP command: Invalid command name",
    "error a3 BAD Error in IMAP command: Invalid command name",
    "error a4 BAD Error in IMAP command: Invalid command name",
    "error a5 BAD Error in IMAP command: Invalid command name",
    'command a6 NOOP [""]',
  ]);
});

test("a tag may hold ']' (an ASTRING-CHAR) but no CTL, 8-bit byte or '+'", () => {
  assert.deepEqual(run(["a] NOOP\r\na\x7f NOOP\r\na\xe9 NOOP\r\n"]), [
    'command a] NOOP [""]',
    "error * BAD Error in IMAP tag: Invalid tag",
    "error * BAD Error in IMAP tag: Invalid tag",
  ]);
});

test("an over-long line: BAD with the tag, the rest of the line skipped, the next command read", () => {
  const long = "x".repeat(200);
  assert.deepEqual(run([`a1 SELECT ${long}\r\na2 NOOP\r\n`], limits({ maxLineLength: 100 })), [
    "error a1 BAD Error in IMAP command SELECT: Too long argument",
    'command a2 NOOP [""]',
  ]);
  // reported as soon as the limit is passed, before the line ends
  const reader = new CommandReader(limits({ maxLineLength: 100 }));
  reader.push(Buffer.from(`a1 SELECT ${long}`));
  assert.equal(reader.next()?.type, "error");
  reader.push(Buffer.from(long));
  assert.equal(reader.next(), null);
  assert.ok(reader.bufferedBytes < 200, "the skipped line is not kept");
  reader.push(Buffer.from("\r\na2 NOOP\r\n"));
  assert.equal(reader.next()?.type, "command");
});

test("an over-long line without a readable tag gets `* BAD`; a long command name none", () => {
  assert.deepEqual(
    run([`${"x".repeat(2000)}\r\n`, `a ${"y".repeat(2000)}\r\nb NOOP\r\n`], limits({ maxLineLength: 1500 })),
    [
      "error * BAD Error in IMAP tag: Too long argument",
      "error a BAD Error in IMAP command: Too long argument",
      'command b NOOP [""]',
    ],
  );
});

test("a line of exactly the limit passes, one byte more does not (CR split from LF too)", () => {
  const line = `a NOOP${" ".repeat(94)}`;
  assert.equal(line.length, 100);
  assert.deepEqual(run([`${line}\r`, "\n"], limits({ maxLineLength: 100 })), [
    `command a NOOP ["${" ".repeat(94)}"]`,
  ]);
  assert.deepEqual(run([`${line} \r`, "\n"], limits({ maxLineLength: 100 })), [
    "error a BAD Error in IMAP command NOOP: Too long argument",
  ]);
});

test("a synchronising literal over the limit is refused before its bytes are sent", () => {
  assert.deepEqual(run(["a1 SELECT {70000}\r\na2 NOOP\r\n"]), [
    "error a1 BAD [TOOBIG] Error in IMAP command SELECT: Literal size too large",
    'command a2 NOOP [""]',
  ]);
});

test("a non-synchronising literal over the limit is drained, or ends the connection when huge", () => {
  const body = "z".repeat(70000);
  assert.deepEqual(run([`a1 SELECT {70000+}\r\n${body}\r\na2 NOOP\r\n`]), [
    "error a1 BAD [TOOBIG] Error in IMAP command SELECT: Literal size too large",
    'command a2 NOOP [""]',
  ]);
  assert.deepEqual(run(["a1 SELECT {99999999999+}\r\nxxxx\r\na2 NOOP\r\n"]), [
    "error a1 BAD [TOOBIG] Error in IMAP command SELECT: Literal size too large FATAL",
  ]);
});

test("APPEND over the streaming limit: NO [TOOBIG] for {n}, nothing of it read", () => {
  assert.deepEqual(run(["a APPEND INBOX {2000}\r\nb NOOP\r\n"], limits({ maxStreamedLiteralSize: 1000 })), [
    "error a NO [TOOBIG] Error in IMAP command APPEND: Literal size too large",
    'command b NOOP [""]',
  ]);
});

test("LITERAL-: {n+} up to 4096 bytes, larger ones refused with BAD [TOOBIG] and drained", () => {
  const opts = limits({ nonSynchronizing: "LITERAL-" });
  assert.deepEqual(run([`a SELECT {4096+}\r\n${"m".repeat(4096)}\r\n`], opts), [
    `command a SELECT [" ","{${"m".repeat(4096)}}",""]`,
  ]);
  assert.deepEqual(run([`a SELECT {4097+}\r\n${"m".repeat(4097)}\r\nb NOOP\r\n`], opts), [
    "error a BAD [TOOBIG] Error in IMAP command SELECT: Literal size too large",
    'command b NOOP [""]',
  ]);
});

test("without LITERAL+ or LITERAL-, {n+} is refused and its bytes drained", () => {
  assert.deepEqual(run(["a SELECT {3+}\r\nabc\r\nb NOOP\r\n"], limits({ nonSynchronizing: "off" })), [
    "error a BAD Error in IMAP command SELECT: Non-synchronizing literals not supported",
    'command b NOOP [""]',
  ]);
});

test("the whole command's buffered bytes are bounded too", () => {
  const opts = limits({ maxCommandSize: 100 });
  assert.deepEqual(run(["a LOGIN {60+}\r\n", `${"u".repeat(60)} {60}\r\nb NOOP\r\n`], opts), [
    "error a BAD [TOOBIG] Error in IMAP command LOGIN: Literal size too large",
    'command b NOOP [""]',
  ]);
});

test("an over-long line ending in {n+} has its literal drained, not read as commands", () => {
  assert.deepEqual(
    run([`a1 SELECT ${"x".repeat(200)} {9+}\r\nc2 NOOP\r\n\r\na3 NOOP\r\n`], limits({ maxLineLength: 100 })),
    ["error a1 BAD Error in IMAP command SELECT: Too long argument", 'command a3 NOOP [""]'],
  );
});

test("an untagged over-long line announcing a huge {n+}: both errors untagged, the second fatal", () => {
  assert.deepEqual(run([`${"x".repeat(200)}{99999999999+}\r\nmore`], limits({ maxLineLength: 100 })), [
    "error * BAD Error in IMAP tag: Too long argument",
    "error * BAD [TOOBIG] Error in IMAP tag: Literal size too large FATAL",
  ]);
});

test("after an error a later {n+} in the same command is drained", () => {
  assert.deepEqual(run(["a\x01 X {4+}\r\nb NO\r\nc NOOP\r\n"]), [
    "error * BAD Error in IMAP tag: Invalid tag",
    'command c NOOP [""]',
  ]);
});

test("an over-long line while a bare line is expected", () => {
  const reader = new CommandReader(limits({ maxLineLength: 10 }));
  reader.expectLine();
  reader.push(Buffer.from("AAAAAAAAAAAAAAAAAAAAAA\r\na NOOP\r\n"));
  const ev = reader.next();
  assert.equal(ev?.type === "error" && ev.error.text, "Error in IMAP tag: Too long argument");
  assert.equal(reader.next()?.type, "command");
});

const script = Buffer.from(
  [
    "a1 LOGIN {3}\r\nbob {4+}\r\npass\r\n",
    "a2 SELECT INBOX\r\n",
    "a3 APPEND INBOX (\\Seen) {12}\r\nHello\r\nWorld\r\n",
    "a4 FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject {4+}\r\nDate)])\r\n",
    "a5 APPEND INBOX ~{3+}\r\nx\0y\r\n",
    `a6 SELECT ${"q".repeat(80)}\r\n`,
    "a7 NOOP\n",
  ].join(""),
  "latin1",
);

test("random chunking gives the same events (literals split at every position)", () => {
  const opts = limits({ maxLineLength: 64 });
  const whole = run([script], opts);
  assert.equal(whole.filter((e) => e.startsWith("command")).length, 6);
  assert.ok(whole.some((e) => e.includes("Too long argument")));
  for (let i = 0; i <= script.length; i++) {
    assert.deepEqual(run([script.subarray(0, i), script.subarray(i)], opts), whole, `split at ${i}`);
  }
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: script.length }), { maxLength: 30 }), (cuts) => {
      const points = [...new Set([0, ...cuts, script.length])].sort((a, b) => a - b);
      const chunks = points.slice(1).map((p, i) => script.subarray(points[i]!, p));
      assert.deepEqual(run(chunks, opts), whole);
    }),
    { numRuns: 300 },
  );
});

test("fuzz: random bytes never throw out of the reader, and it keeps reading", () => {
  const opts = limits({ maxLineLength: 200, maxLiteralSize: 100, maxStreamedLiteralSize: 300 });
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.uint8Array({ maxLength: 40 }),
          fc.constantFrom(
            "{3}\r\n",
            "{2+}\r\n",
            "~{1}\r\n",
            "{999999999999+}\r\n",
            "a APPEND x {5}\r\n",
            "\r\n",
            "(",
            '"',
          ),
        ),
        { maxLength: 40 },
      ),
      (pieces) => {
        const reader = new CommandReader(opts);
        for (const p of pieces) {
          reader.push(typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p));
          for (let ev = reader.next(); ev !== null; ev = reader.next()) {
            if (ev.type === "literal-start" && ev.literal.size % 2 === 1) reader.refuseLiteral();
          }
        }
      },
    ),
    { numRuns: 500 },
  );
});
