import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import {
  bodystructure,
  envelope,
  MimeParser,
  type MimePart,
  PartFlag,
  parseMime,
  parseMimeStream,
} from "../../src/mime/index.js";

const FIXTURES = new URL("../fixtures/mime/", import.meta.url).pathname;
const fixtures = readdirSync(FIXTURES)
  .filter((f) => f.endsWith(".eml"))
  .sort()
  .map((f) => ({ name: f, bytes: readFileSync(`${FIXTURES}${f}`) }));

function lineStats(bytes: Buffer): { lines: number; bare: number } {
  let lines = 0;
  let bare = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0x0a) continue;
    lines++;
    if (i === 0 || bytes[i - 1] !== 0x0d) bare++;
  }
  return { lines, bare };
}

/** Every size must be what slicing the message at the part's offsets gives. */
function checkOffsets(msg: Buffer, part: MimePart, where: string): void {
  assert.ok(
    part.headerStart <= part.bodyStart && part.bodyStart <= part.bodyEnd,
    `${where}: ordered offsets`,
  );
  const header = msg.subarray(part.headerStart, part.bodyStart);
  const body = msg.subarray(part.bodyStart, part.bodyEnd);
  const h = lineStats(header);
  const b = lineStats(body);
  assert.deepEqual(
    part.header,
    { physical: header.length, virtual: header.length + h.bare, lines: h.lines },
    where,
  );
  assert.deepEqual(
    part.body,
    { physical: body.length, virtual: body.length + b.bare, lines: b.lines },
    where,
  );
  let prevEnd = part.bodyStart;
  part.children.forEach((child, i) => {
    assert.ok(child.headerStart >= prevEnd, `${where}.${i + 1} starts after its previous sibling`);
    assert.ok(child.bodyEnd <= part.bodyEnd, `${where}.${i + 1} ends inside its parent`);
    prevEnd = child.bodyEnd;
    checkOffsets(msg, child, `${where}.${i + 1}`);
  });
}

function parseInChunks(bytes: Buffer, cuts: number[]): MimePart {
  const parser = new MimeParser();
  let pos = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    parser.push(bytes.subarray(pos, cut));
    pos = cut;
  }
  parser.push(bytes.subarray(pos));
  return parser.end();
}

test("sizes and line counts equal what slicing the message at the offsets gives", () => {
  for (const { name, bytes } of fixtures) {
    const root = parseMime(bytes);
    assert.equal(root.headerStart, 0, name);
    assert.equal(root.bodyEnd, bytes.length, `${name}: the root spans the whole message`);
    checkOffsets(bytes, root, name);
  }
});

test("the CRLF before a boundary belongs to the boundary, not to the part", () => {
  const msg = Buffer.from(
    "Content-Type: multipart/mixed; boundary=b\r\n\r\npreamble\r\n--b\r\n\r\none\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>two</p>\r\n\r\n--b--\r\nepilogue\r\n",
  );
  const root = parseMime(msg);
  assert.equal(root.children.length, 2);
  const [one, two] = root.children as [MimePart, MimePart];
  assert.equal(msg.toString("latin1", one.bodyStart, one.bodyEnd), "one");
  assert.equal(msg.toString("latin1", one.headerStart, one.bodyStart), "\r\n");
  assert.equal(msg.toString("latin1", two.headerStart, two.bodyStart), "Content-Type: text/html\r\n\r\n");
  assert.equal(msg.toString("latin1", two.bodyStart, two.bodyEnd), "<p>two</p>\r\n");
  assert.equal(two.body.lines, 1);
  assert.ok(one.flags & PartFlag.Text && two.flags & PartFlag.IsMime);
});

test("LF-only messages count IMAP sizes as if every line end were CRLF", () => {
  const lf = Buffer.from("Subject: x\n\nline 1\nline 2\n");
  const crlf = Buffer.from(lf.toString().replaceAll("\n", "\r\n"));
  const a = parseMime(lf);
  const b = parseMime(crlf);
  assert.equal(a.header.virtual + a.body.virtual, crlf.length);
  assert.equal(a.body.physical, 14);
  assert.deepEqual(
    [a.header.virtual, a.body.virtual, a.body.lines],
    [b.header.virtual, b.body.virtual, b.body.lines],
  );
  assert.equal(bodystructure(a), bodystructure(b));
});

test("a header without blank line runs to the end; a boundary can cut a part's header", () => {
  const noEoh = parseMime(Buffer.from("Subject: a\nno colon here\nmore"));
  assert.equal(noEoh.bodyStart, noEoh.bodyEnd);
  const cut = Buffer.from("Content-Type: multipart/mixed; boundary=c\n\n--c\nX-A: 1\n--c\n\nz\n--c--\n");
  const root = parseMime(cut);
  const first = root.children[0]!;
  assert.equal(cut.toString("latin1", first.headerStart, first.bodyEnd), "X-A: 1");
  assert.equal(root.children.length, 2);
});

test("nesting is bounded: containers past the limit stay opaque", () => {
  let msg = "";
  for (let i = 0; i < 250; i++) msg += `Content-Type: multipart/mixed; boundary=x${i}y\n\n--x${i}y\n`;
  const root = parseMime(Buffer.from(msg), { maxNesting: 100 });
  let depth = 1;
  let p = root;
  while (p.children.length > 0) {
    p = p.children[0]!;
    depth++;
  }
  assert.equal(depth, 100);
  assert.ok(p.flags & PartFlag.Overflow);
  assert.match(bodystructure(root), /"application" "octet-stream"/);
});

test("the part-count limit gives the rest of the message to the last part", () => {
  let msg = "Content-Type: multipart/mixed; boundary=a\n\n";
  for (let i = 0; i < 20; i++) msg += "--a\nContent-Type: text/plain\n\nx\n";
  const root = parseMime(Buffer.from(`${msg}--a--\n`), { maxParts: 5 });
  assert.equal(root.children.length, 4);
  const last = root.children[3]!;
  assert.ok(last.flags & PartFlag.Overflow);
  assert.equal(last.bodyEnd, Buffer.byteLength(msg) + 6);
});

test("parsing in chunks gives the same tree as parsing the whole message", () => {
  for (const { name, bytes } of fixtures) {
    const whole = parseMime(bytes);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 12 }), (cuts) => {
        assert.deepEqual(parseInChunks(bytes, cuts), whole, name);
      }),
      { numRuns: 25 },
    );
    // one byte at a time is the worst case for line assembly
    if (bytes.length < 5000) {
      assert.deepEqual(
        parseInChunks(
          bytes,
          Array.from({ length: bytes.length }, (_, i) => i),
        ),
        whole,
        name,
      );
    }
  }
});

/** Fragments that make random input look like (broken) MIME often enough to matter. */
const mimeish = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "\n",
        "\r\n",
        "\r",
        "\0",
        "--b",
        "--b--",
        "--c",
        "Content-Type: multipart/mixed; boundary=b\n",
        "Content-Type: multipart/digest; boundary=c\n",
        "Content-Type: message/rfc822\n",
        "Content-Type: text/plain; charset*0*=utf-8''%41; charset*1=x\n",
        'Content-Disposition: attachment; filename="a\\"b"\n',
        "Content-Transfer-Encoding: base64\n",
        "MIME-Version: 1.0\n",
        'From: "a" <b@c>, g: d@e;\n',
        "To: <@r:x@y>, (c) z\n",
        "Subject: =?utf-8?q?x?= \t y\n",
        " folded\n",
        ": no name\n",
        "\xe9\xff",
      ),
      fc.string({ maxLength: 12 }),
    ),
    { maxLength: 60 },
  )
  .map((parts) => Buffer.from(parts.join(""), "latin1"));

test("random input never throws, keeps the offset invariants and chunking does not matter", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        mimeish,
        fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
      ),
      fc.array(fc.nat(), { maxLength: 6 }),
      (msg, cuts) => {
        const root = parseMime(msg);
        assert.equal(root.bodyEnd, msg.length);
        checkOffsets(msg, root, "root");
        assert.equal(typeof bodystructure(root, true), "string");
        assert.equal(typeof bodystructure(root, false), "string");
        assert.equal(typeof envelope(root), "string");
        assert.deepEqual(
          parseInChunks(
            msg,
            cuts.map((c) => c % (msg.length + 1)),
          ),
          root,
        );
      },
    ),
    { numRuns: 1500 },
  );
});

test("big and hostile input stays cheap: a 20 MB line, a million short lines, endless headers", async () => {
  const oneLine = Buffer.alloc(20_000_000, 0x78);
  const start = performance.now();
  const a = parseMime(
    Buffer.concat([
      Buffer.from("Content-Type: multipart/mixed; boundary=q\n\n--q\n\n"),
      oneLine,
      Buffer.from("\n--q--\n"),
    ]),
  );
  assert.equal(a.children[0]!.body.physical, oneLine.length);
  const b = parseMime(Buffer.concat([Buffer.from("Subject: s\n\n"), Buffer.alloc(4_000_000, "ab\n")]));
  assert.equal(b.body.lines, 1_333_333);
  const many = parseMime(Buffer.from(`${"To: someone@example.com\n".repeat(300_000)}\nbody\n`), {
    maxFieldBytes: 4096,
  });
  assert.ok(many.envelope!.to!.length < 4096, "repeated fields are not all kept");
  assert.equal(many.header.lines, 300_001);
  assert.ok(performance.now() - start < 10_000, "well under the time budget");
  const streamed = await parseMimeStream(
    (async function* () {
      yield Buffer.from("Subject: s\r\n\r\nbo");
      yield Buffer.from("dy\r\n");
    })(),
  );
  assert.deepEqual(streamed, parseMime(Buffer.from("Subject: s\r\n\r\nbody\r\n")));
});
