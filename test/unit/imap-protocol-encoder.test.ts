import assert from "node:assert/strict";
import { PassThrough, Writable } from "node:stream";
import { test } from "node:test";
import fc from "fast-check";
import {
  BodySizeMismatchError,
  type Command,
  CommandReader,
  continuationRequest,
  dateTimeToDate,
  encodeValue,
  errorResponse,
  esearchResponse,
  expandSequenceSet,
  fetchResponse,
  formatDate,
  formatDateTime,
  formatSequenceSet,
  highestExplicit,
  type ImapValue,
  parseCommand,
  resolveSequenceSet,
  type SequenceSet,
  StreamedBody,
  searchResponse,
  sequenceSetText,
  taggedResponse,
  untagged,
  untaggedStatus,
  writeResponse,
} from "../../src/imap/protocol/index.js";

function parseBytes(bytes: Buffer): Command {
  const reader = new CommandReader({ streamLiteral: () => false });
  reader.push(bytes);
  for (let ev = reader.next(); ev !== null; ev = reader.next()) {
    if (ev.type === "command") {
      const r = parseCommand(ev.command);
      if (!r.ok) assert.fail(r.error.text);
      return r.command;
    }
    if (ev.type === "error") assert.fail(ev.error.text);
  }
  return assert.fail("incomplete");
}

const enc = (v: ImapValue) => encodeValue(v).toString("latin1");
const set = (text: string): SequenceSet => {
  const cmd = parseBytes(Buffer.from(`a COPY ${text} x\r\n`));
  assert.equal(cmd.name, "COPY");
  return (cmd as Extract<Command, { name: "COPY" }>).set;
};

test("value encoder: NIL, numbers, quoted with escapes, literal when needed", () => {
  assert.equal(enc(null), "NIL");
  assert.equal(enc(42), "42");
  assert.equal(enc(18446744073709551615n), "18446744073709551615");
  assert.equal(enc(""), '""');
  assert.equal(enc('a "b" \\c'), '"a \\"b\\" \\\\c"');
  assert.equal(enc("l\xe9"), "{2}\r\nl\xe9");
  assert.equal(enc("a\r\nb"), "{4}\r\na\r\nb");
  assert.equal(enc("a\0b"), "{3}\r\na\0b");
  assert.equal(enc(Buffer.from("NIL")), '"NIL"');
  assert.equal(enc({ literal8: Buffer.from([0, 1]) }), "~{2}\r\n\0\x01");
  assert.equal(enc({ raw: '"01-Jan-2020 00:00:00 +0000"' }), '"01-Jan-2020 00:00:00 +0000"');
  assert.equal(enc([1, null, ["x", { atom: "\\Seen" }], []]), '(1 NIL ("x" \\Seen) ())');
});

test("atoms are written bare only when they are atoms; astrings fall back to strings", () => {
  assert.equal(enc({ atom: "$Label1" }), "$Label1");
  assert.equal(enc({ atom: "\\Answered" }), "\\Answered");
  assert.equal(enc({ atom: "bad word" }), '"bad word"');
  assert.equal(enc({ atom: "x]" }), '"x]"');
  assert.equal(enc({ atom: "" }), '""');
  assert.equal(enc({ astring: "INBOX" }), "INBOX");
  assert.equal(enc({ astring: "nil" }), '"nil"');
  assert.equal(enc({ astring: "Sent Items" }), '"Sent Items"');
  assert.equal(enc({ astring: "a%b" }), '"a%b"');
  assert.equal(enc({ astring: "&AOk-t\xe9" }), "{7}\r\n&AOk-t\xe9");
});

test("round trip: any string the encoder writes, the parser reads back the same", () => {
  const byteString = fc
    .uint8Array({ maxLength: 60 })
    .map((b) => Buffer.from(b.filter((x) => x !== 0)).toString("latin1"));
  fc.assert(
    fc.property(byteString, fc.option(byteString), byteString, (k, v, mailbox) => {
      const id = Buffer.concat([Buffer.from("a ID "), encodeValue([[k, v]].flat()), Buffer.from("\r\n")]);
      assert.deepEqual(parseBytes(id), { name: "ID", params: [[k, v]] });
      const sel = Buffer.concat([
        Buffer.from("a SELECT "),
        encodeValue({ astring: mailbox }),
        Buffer.from("\r\n"),
      ]);
      assert.deepEqual(parseBytes(sel), { name: "SELECT", mailbox, condstore: false });
    }),
    { numRuns: 400 },
  );
});

test("round trip: literal8 carries NULs (APPEND's message)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 50 }), (bytes) => {
      const b = Buffer.from(bytes);
      const cmd = parseBytes(
        Buffer.concat([Buffer.from("a APPEND x "), encodeValue({ literal8: b }), Buffer.from("\r\n")]),
      );
      assert.equal(cmd.name, "APPEND");
      assert.deepEqual((cmd as Extract<Command, { name: "APPEND" }>).message.bytes, b);
    }),
    { numRuns: 100 },
  );
});

test("response lines: tagged, untagged, codes, continuation, CR/LF kept out of texts", () => {
  assert.equal(
    taggedResponse("a1", "OK", "Append completed.", {
      name: "APPENDUID",
      args: [1795868333, { atom: "3:5" }],
    }).toString(),
    "a1 OK [APPENDUID 1795868333 3:5] Append completed.\r\n",
  );
  assert.equal(
    untaggedStatus("OK", "Flags permitted.", {
      name: "PERMANENTFLAGS",
      args: [[{ atom: "\\Seen" }, { atom: "\\*" }]],
    }).toString(),
    "* OK [PERMANENTFLAGS (\\Seen \\*)] Flags permitted.\r\n",
  );
  assert.equal(
    taggedResponse("b", "NO", "Mailbox doesn't exist: a\r\nb OK x").toString(),
    "b NO Mailbox doesn't exist: a  b OK x\r\n",
  );
  assert.equal(untagged(5, { atom: "EXISTS" }).toString(), "* 5 EXISTS\r\n");
  assert.equal(
    untagged({ atom: "LIST" }, [{ atom: "\\HasNoChildren" }], "/", { astring: "Sent Items" }).toString(),
    '* LIST (\\HasNoChildren) "/" "Sent Items"\r\n',
  );
  assert.equal(
    untagged({ atom: "STATUS" }, { astring: "INBOX" }, [{ atom: "MESSAGES" }, 2]).toString(),
    "* STATUS INBOX (MESSAGES 2)\r\n",
  );
  assert.equal(continuationRequest().toString(), "+ OK\r\n");
  assert.equal(continuationRequest("idling").toString(), "+ idling\r\n");
});

test("errorResponse answers a reader or grammar error with the tag or `*`", () => {
  const reader = new CommandReader({ limits: { maxLineLength: 20 } });
  reader.push(Buffer.from(`* NOOP\r\na SELECT {99999}\r\nb SELECT ${"x".repeat(30)}\r\nc FETCH 0 FLAGS\r\n`));
  const out: string[] = [];
  for (let ev = reader.next(); ev !== null; ev = reader.next()) {
    if (ev.type === "error") out.push(errorResponse(ev.error).toString());
    if (ev.type === "command") {
      const r = parseCommand(ev.command);
      if (!r.ok) out.push(errorResponse(r.error).toString());
    }
  }
  assert.deepEqual(out, [
    "* BAD Error in IMAP tag: Invalid tag\r\n",
    "a BAD [TOOBIG] Error in IMAP command SELECT: Literal size too large\r\n",
    "b BAD Error in IMAP command SELECT: Too long argument\r\n",
    "c BAD Error in IMAP command FETCH: Invalid messageset\r\n",
  ]);
});

async function* chunks(pieces: string[]): AsyncGenerator<Buffer> {
  for (const p of pieces) yield Buffer.from(p, "latin1");
}

async function collect(parts: Parameters<typeof writeResponse>[1]): Promise<string> {
  const sink = new PassThrough();
  const got: Buffer[] = [];
  sink.on("data", (b: Buffer) => got.push(b));
  await writeResponse(sink, parts);
  return Buffer.concat(got).toString("latin1");
}

test("FETCH responses splice streamed bodies in as literals", async () => {
  const parts = fetchResponse(3, [
    { name: "UID", value: 7 },
    { name: "FLAGS", value: [{ atom: "\\Seen" }] },
    { name: "BODY[]", value: new StreamedBody(11, chunks(["Hello", " ", "World"])) },
    { name: "BINARY[1]", value: new StreamedBody(2, chunks(["\0\x01"]), true) },
    { name: "BODY[HEADER]<0>", value: null },
  ]);
  assert.equal(parts.filter((p) => p instanceof StreamedBody).length, 2);
  assert.equal(
    await collect(parts),
    "* 3 FETCH (UID 7 FLAGS (\\Seen) BODY[] {11}\r\nHello World BINARY[1] ~{2}\r\n\0\x01 BODY[HEADER]<0> NIL)\r\n",
  );
});

test("a streamed body is written chunk by chunk with back-pressure, not gathered", async () => {
  const chunkSize = 64 * 1024;
  const count = 80; // 5 MiB
  let produced = 0;
  let maxAhead = 0;
  let consumed = 0;
  async function* source(): AsyncGenerator<Buffer> {
    for (let i = 0; i < count; i++) {
      produced += chunkSize;
      maxAhead = Math.max(maxAhead, produced - consumed);
      yield Buffer.alloc(chunkSize, 0x61);
    }
  }
  const sink = new Writable({
    highWaterMark: chunkSize,
    write(chunk: Buffer, _enc, cb) {
      consumed += chunk.length;
      setImmediate(cb);
    },
  });
  await writeResponse(
    sink,
    fetchResponse(1, [{ name: "BODY[]", value: new StreamedBody(chunkSize * count, source()) }]),
  );
  assert.ok(consumed > chunkSize * count);
  assert.ok(maxAhead <= 4 * chunkSize, `producer ran ${maxAhead} bytes ahead of the socket`);
});

test("a body shorter or longer than announced is an error; extra bytes are cut off", async () => {
  await assert.rejects(
    collect(fetchResponse(1, [{ name: "BODY[]", value: new StreamedBody(10, chunks(["short"])) }])),
    BodySizeMismatchError,
  );
  const sink = new PassThrough();
  const got: Buffer[] = [];
  sink.on("data", (b: Buffer) => got.push(b));
  await assert.rejects(
    writeResponse(
      sink,
      fetchResponse(1, [{ name: "BODY[]", value: new StreamedBody(3, chunks(["toolong"])) }]),
    ),
    (e: unknown) => e instanceof BodySizeMismatchError && e.actual === 7,
  );
  assert.equal(Buffer.concat(got).toString(), "* 1 FETCH (BODY[] {3}\r\ntoo");
});

test("writing to a closed connection fails instead of hanging", async () => {
  const sink = new Writable({ highWaterMark: 1, write: () => {} });
  const pending = writeResponse(sink, [Buffer.from("xx"), Buffer.from("yy")]);
  sink.destroy();
  await assert.rejects(pending, /connection closed/);
});

test("sequence sets: resolve, expand, `*` and `$`, formatting", () => {
  assert.deepEqual(resolveSequenceSet(set("5:3,1,7:*,2"), 9), [
    [1, 5],
    [7, 9],
  ]);
  assert.deepEqual(
    resolveSequenceSet(set("*:4"), 2),
    [[2, 4]],
    "* below the start still names the last message",
  );
  assert.deepEqual(resolveSequenceSet(set("1:*"), 0), [], "* names nothing in an empty mailbox");
  assert.deepEqual(resolveSequenceSet(set("$"), 9, [4, 2, 3]), [[2, 4]]);
  assert.deepEqual([...expandSequenceSet(set("3,1:2,9:*"), 10)], [1, 2, 3, 9, 10]);
  assert.deepEqual([...expandSequenceSet(set("8:12"), 10)], [8, 9, 10]);
  assert.equal(highestExplicit(set("3:*,17,2")), 17);
  assert.equal(sequenceSetText(set("3:*,17")), "3:*,17");
  assert.equal(formatSequenceSet([1, 2, 3, 5, [6, 8], 10]), "1:3,5:8,10");
  assert.equal(formatSequenceSet([]), "");
  assert.equal(set("4294967295").kind, "ranges");
});

test("dates and date-times: formatting, the instant named, round trip through APPEND", () => {
  const instant = new Date(Date.UTC(2020, 0, 2, 3, 4, 5));
  assert.equal(formatDateTime(instant), '"02-Jan-2020 03:04:05 +0000"');
  assert.equal(formatDateTime(instant, -150), '"02-Jan-2020 00:34:05 -0230"');
  assert.equal(formatDate({ year: 2020, month: 3, day: 1 }), "1-Mar-2020");
  fc.assert(
    fc.property(
      fc.date({
        min: new Date(Date.UTC(1970, 0, 1)),
        max: new Date(Date.UTC(2999, 11, 31)),
        noInvalidDate: true,
      }),
      fc.integer({ min: -720, max: 840 }),
      (d, zone) => {
        const whole = new Date(Math.floor(d.getTime() / 1000) * 1000);
        const cmd = parseBytes(Buffer.from(`a APPEND x ${formatDateTime(whole, zone)} {1}\r\nm\r\n`));
        const date = (cmd as Extract<Command, { name: "APPEND" }>).date!;
        assert.equal(date.zone, zone);
        assert.equal(dateTimeToDate(date).getTime(), whole.getTime());
      },
    ),
    { numRuns: 200 },
  );
});

test("SEARCH and ESEARCH answers in Dovecot's form", () => {
  assert.equal(searchResponse([]).toString(), "* SEARCH\r\n");
  assert.equal(searchResponse([1, 2, 3], 4n).toString(), "* SEARCH 1 2 3 (MODSEQ 4)\r\n");
  assert.equal(
    esearchResponse("b", false, { min: 1, max: 3, all: [1, 2, 3], count: 3 }).toString(),
    '* ESEARCH (TAG "b") MIN 1 MAX 3 ALL 1:3 COUNT 3\r\n',
  );
  assert.equal(
    esearchResponse("c", true, { all: [[1, 3]] }).toString(),
    '* ESEARCH (TAG "c") UID ALL 1:3\r\n',
  );
  assert.equal(
    esearchResponse("d", false, { count: 0, all: [] }).toString(),
    '* ESEARCH (TAG "d") COUNT 0\r\n',
  );
  assert.equal(
    esearchResponse("f", false, { min: 1, modseq: 4n }).toString(),
    '* ESEARCH (TAG "f") MIN 1 MODSEQ 4\r\n',
  );
});
