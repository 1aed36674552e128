import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { countLf, crlfToLf, toCrlfRange } from "../../src/store/crlf-stream.js";

async function collect(chunks: string[], start?: number, end?: number): Promise<string> {
  async function* source() {
    for (const c of chunks) yield Buffer.from(c, "latin1");
  }
  let out = "";
  for await (const c of toCrlfRange(source(), start, end)) out += (c as Buffer).toString("latin1");
  return out;
}

describe("CRLF output stream", () => {
  it("turns bare LF into CRLF and keeps existing CRLF", async () => {
    assert.equal(await collect(["a\nb\r\nc\n"]), "a\r\nb\r\nc\r\n");
    assert.equal(await collect(["a\r", "\nb\n"]), "a\r\nb\r\n");
  });

  it("cuts any byte range of the converted text, across chunk borders", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.stringMatching(/^[ab\r\n]{0,6}$/), { maxLength: 6 }),
        fc.nat(40),
        fc.nat(40),
        async (chunks, a, len) => {
          const stored = chunks.join("");
          let converted = "";
          for (let i = 0; i < stored.length; i++) {
            converted += stored[i] === "\n" && stored[i - 1] !== "\r" ? "\r\n" : stored[i];
          }
          assert.equal(await collect(chunks, a, a + len), converted.slice(a, a + len + 1));
        },
      ),
    );
  });
});

describe("CRLF to LF on save", () => {
  it("turns every CRLF into LF however the bytes are cut, and keeps a lone CR", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.stringMatching(/^[ab\r\n]{0,6}$/), { maxLength: 6 }), async (chunks) => {
        async function* source() {
          for (const c of chunks) yield Buffer.from(c, "latin1");
        }
        let out = "";
        let lfs = 0;
        for await (const c of crlfToLf(source())) {
          out += c.toString("latin1");
          lfs += countLf(c);
        }
        const expected = chunks.join("").replace(/\r\n/g, "\n");
        assert.equal(out, expected);
        assert.equal(lfs, expected.split("\n").length - 1);
      }),
    );
    const whole = [];
    for await (const c of crlfToLf(Buffer.from("a\r\nb\rc\r"))) whole.push(c.toString("latin1"));
    assert.equal(whole.join(""), "a\nb\rc\r");
  });
});
