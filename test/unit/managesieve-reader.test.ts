import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { CommandReader, type ReaderEvent } from "../../src/managesieve/reader.js";

const limits = { maxLineLength: 200, maxLiteralSize: 100 };

function readAll(chunks: Buffer[], response = false): ReaderEvent[] {
  const r = new CommandReader(limits);
  r.expectResponse = response;
  return chunks.flatMap((c) => r.push(c));
}

const simplify = (events: ReaderEvent[]) =>
  events.map((e) =>
    e.kind === "command"
      ? `${e.command.name}(${e.command.args.map((a) => (a.kind === "number" ? a.value : JSON.stringify(a.value.toString()))).join(",")})`
      : `error:${e.command ?? ""}:${e.message}`,
  );

const INPUT = Buffer.from(
  'putscript "a\\"b" {5+}\r\nkeep;\r\nHAVESPACE "x" 123\r\nBAD "unterminated\r\nNOOP\r\nCHECKSCRIPT {3}\r\nx;y\r\nPUTSCRIPT "big" {101+}\r\n' +
    `${"z".repeat(101)}\r\nNOOP "after"\r\n`,
);

test("commands, quoted strings with escapes, literals, numbers, errors and resync", () => {
  assert.deepEqual(simplify(readAll([INPUT])), [
    'PUTSCRIPT("a\\"b","keep;")',
    'HAVESPACE("x",123)',
    "error:BAD:Unterminated or invalid quoted string.",
    "NOOP()",
    'CHECKSCRIPT("x;y")',
    "error:PUTSCRIPT:Literal too large.",
    'NOOP("after")',
  ]);
});

test("any split of the input into chunks reads the same", () => {
  const whole = simplify(readAll([INPUT]));
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: INPUT.length - 1 }), { maxLength: 12 }), (cuts) => {
      const points = [0, ...cuts.sort((a, b) => a - b), INPUT.length];
      const chunks = points.slice(1).map((end, i) => INPUT.subarray(points[i], end));
      assert.deepEqual(simplify(readAll(chunks)), whole);
    }),
  );
});

test("an over-long line is refused once and the next line is read", () => {
  const events = simplify(readAll([Buffer.from(`NOOP "${"a".repeat(300)}"\r\nNOOP\r\n`)]));
  assert.deepEqual(events, ["error:NOOP:Command line too long.", "NOOP()"]);
});

test("SASL responses are bare strings", () => {
  assert.deepEqual(simplify(readAll([Buffer.from('"AGpv"\r\n')], true)), ['("AGpv")']);
});

test("random bytes never throw", () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 8 }), (chunks) => {
      readAll(chunks.map((c) => Buffer.from(c)));
    }),
  );
});
