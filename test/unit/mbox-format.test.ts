import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { describe, it } from "node:test";
import { formatFromLine, parseFromLine } from "../../src/store/formats/mbox/from-line.js";
import { readIncoming } from "../../src/store/formats/mbox/incoming-message.js";
import { parseMbox } from "../../src/store/formats/mbox/mbox-parser.js";
import { parseMailLocation } from "../../src/store/mail-location.js";
import { tempDir } from "../helpers/cli.js";

describe("mbox From_ lines", () => {
  it("writes Dovecot's form: two spaces, zero-padded day, local time", () => {
    assert.equal(
      formatFromLine("a@b", new Date(2026, 10, 1, 9, 5, 7)),
      "From a@b  Sun Nov 01 09:05:07 2026\n",
    );
  });

  it("accepts the date forms Dovecot accepts and refuses a line without a date", () => {
    const local = new Date(2024, 0, 1, 10, 0, 0).getTime();
    assert.equal(parseFromLine("From bob@example.com Mon Jan  1 10:00:00 2024"), local);
    assert.equal(parseFromLine("From bob  Mon Jan 01 10:00:00 2024"), local);
    assert.equal(parseFromLine("From bob Mon jan 1 10:00 2024"), local);
    assert.equal(parseFromLine("From bob Mon Jan 1 10:00:00 CET 2024"), local);
    assert.equal(parseFromLine("From bob Mon Jan 1 10:00:00 2024 +0100"), Date.UTC(2024, 0, 1, 9));
    assert.equal(parseFromLine('From "a b"@c Mon Jan 1 10:00:00 2024'), local);
    assert.equal(parseFromLine("From bob Mon, 1 Jan 2024 10:00:00"), local);
    assert.equal(parseFromLine("From bob Mon Jan 1 10:00:00 2024 remote from uucp"), local);
    for (const bad of [
      "From the other side",
      "From bob Mon Foo 1 10:00:00 2024",
      "From bob Mon Jan 1 25:00:00 2024",
      "from bob Mon Jan 1 10:00:00 2024",
    ]) {
      assert.equal(parseFromLine(bad), undefined, bad);
    }
  });
});

describe("mbox mail_location", () => {
  const vars = { user: "alice@example.org", home: "/home/alice" };
  it("parses Dovecot's mbox forms", () => {
    const a = parseMailLocation("mbox:~/mail:INBOX=/var/mail/%n", vars);
    assert.deepEqual([a.format, a.root, a.inbox], ["mbox", "/home/alice/mail", "/var/mail/alice"]);
    const b = parseMailLocation("mbox:~/mail", vars);
    assert.deepEqual([b.format, b.root, b.inbox], ["mbox", "/home/alice/mail", undefined]);
  });
});

async function parseText(text: string) {
  const tmp = tempDir("loft-mbox-unit-");
  const file = join(tmp.dir, "box");
  writeFileSync(file, text, "latin1");
  const handle = await open(file, "r");
  try {
    return await parseMbox(handle);
  } finally {
    await handle.close();
    tmp.remove();
  }
}

describe("mbox parsing", () => {
  it("splits foreign files without blank lines or Content-Length at valid From_ lines only", async () => {
    const text =
      "From a Mon Jan  1 10:00:00 2024\nSubject: 1\n\nbody\nFrom the other side\n" +
      "From b Tue Jan  2 10:00:00 2024\r\nSubject: 2\r\n\r\nx\r\n\r\nFrom c Wed Jan  3 10:00:00 2024\nSubject: 3\n";
    const parsed = await parseText(text);
    assert.equal(parsed.messages.length, 3);
    const [m1, m2, m3] = parsed.messages;
    assert.equal(text.slice(m1!.bodyStart, m1!.bodyEnd), "body\nFrom the other side");
    assert.equal(text.slice(m2!.bodyStart, m2!.bodyEnd), "x\r\n");
    assert.equal(m3!.bodyStart, text.length);
    assert.deepEqual(
      parsed.messages.map((m) => m.uid),
      [1, 2, 3],
    );
    assert.ok(parsed.dirty, "no X-IMAPbase: UIDs must be written");
  });

  it("trusts a Content-Length that points at a From_ line, ignores a wrong one, and refuses a stray X-UID", async () => {
    const text =
      "From a Mon Jan  1 10:00:00 2024\nX-IMAPbase: 7 0000000002\nX-UID: 1\nContent-Length: 39\n\n" +
      "From b Mon Jan  1 10:00:00 2024\nhidden\n\n" +
      "From c Mon Jan  1 10:00:00 2024\nX-UID: 2\nContent-Length: 999\n\nshort\n\n" +
      "From d Mon Jan  1 10:00:00 2024\nX-UID: 4000000000\n\nlast\n";
    const parsed = await parseText(text);
    assert.equal(parsed.base?.uidValidity, 7);
    assert.deepEqual(
      parsed.messages.map((m) => [m.uid, m.stale]),
      [
        [1, false],
        [2, false],
        [3, true],
      ],
    );
    assert.equal(
      text.slice(parsed.messages[0]!.bodyStart, parsed.messages[0]!.bodyEnd),
      "From b Mon Jan  1 10:00:00 2024\nhidden\n",
    );
    assert.equal(parsed.nextUid, 4);
  });
});

describe("mbox saving", () => {
  it("quotes body lines beginning with From even across chunk boundaries, and ends the body with LF", async () => {
    async function* chunks() {
      for (const c of [
        "Subject: s\r\nStatus: RO\r\nX-UID: 9\r\n\r\nFr",
        "om one\r\nok\r\nF",
        "rom two\r\nFro",
        "zen\r\nend",
      ]) {
        yield Buffer.from(c);
      }
    }
    const incoming = await readIncoming(chunks());
    assert.equal(incoming.header.toString(), "Subject: s\n");
    let body = "";
    for await (const chunk of incoming.body) body += chunk.toString();
    assert.equal(body, ">From one\nok\n>From two\nFrozen\nend\n");
  });
});
