import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pop3Body } from "../../src/pop3/dot-stuffing.js";
import { LineReader } from "../../src/pop3/line-reader.js";
import { lockPop3Session } from "../../src/pop3/session-lock.js";
import { UidlFormat } from "../../src/pop3/uidl-format.js";
import { tempDir } from "../helpers/cli.js";

describe("pop3_uidl_format", () => {
  const values = {
    uidValidity: 1795875076,
    uid: 2,
    filename: "1700000001.M2P1.host,S=33",
    guid: "1700000001.M2P1.host,S=33",
  };
  // Every expected value was printed by Dovecot 2.3.19's pop3 (UIDL 2) for the same message.
  const observed: [string, string][] = [
    ["%08Xu%08Xv", "000000026b0ae104"],
    ["%f", "1700000001.M2P1.host,S=33"],
    ["%g", "1700000001.M2P1.host,S=33"],
    ["%u-%v", "2-1795875076"],
    ["%Uf", "1700000001.M2P1.HOST,S=33"],
    ["%Lg", "1700000001.m2p1.host,s=33"],
    ["%3f", "170"],
    ["%.3f", "170"],
    ["%-3f", "170"],
    ["%2.3f", "000"],
    ["%-3.2f", "=3"],
    ["%-3.f", "=33"],
    ["%3.-2f", "0000001.M2P1.host,S="],
    ["%Mf", "98df8098e48c2c3c85b90acee7b40a09"],
    ["%Xv", "6b0ae104"],
    ["%XUv", "6B0AE104"],
    ["%UXv", "6b0ae104"],
    ["%LUf", "1700000001.M2P1.HOST,S=33"],
    ["%Ru", "2"],
    ["%05u", "00002"],
    ["%20u", "2"],
    ["%08Xg", "00000000"],
    ["%Tf", "1700000001.M2P1.host,S=33"],
    ["a%%b%u", "a%b2"],
  ];
  for (const [format, expected] of observed) {
    test(format, () => assert.equal(UidlFormat.parse(format).expand(values), expected));
  }

  test("formats Dovecot's pop3 refuses are refused", () => {
    for (const format of ["%x", "%u%x", "%{uid}", "plain", "%m", "%Hu"]) {
      assert.throws(() => UidlFormat.parse(format), undefined, format);
    }
  });
});

async function body(chunks: string[], lines?: number): Promise<string> {
  let out = "";
  const source = (async function* () {
    for (const c of chunks) yield Buffer.from(c, "latin1");
  })();
  for await (const b of pop3Body(source, lines)) out += b.toString("latin1");
  return out;
}

describe("message bodies on the wire", () => {
  test("dot-stuffing, bare LF to CRLF, a final CRLF", async () => {
    assert.equal(await body(["A: b\n\n.x\nline2\n..y\nz"]), "A: b\r\n\r\n..x\r\nline2\r\n...y\r\nz\r\n");
  });

  test("a dot and line ends split across chunks", async () => {
    assert.equal(await body(["A: b\r", "\n\r", "\n.", "x\r\n", "."]), "A: b\r\n\r\n..x\r\n..\r\n");
    assert.equal(await body(["A: b\n", "\n", ".", "\n"]), "A: b\r\n\r\n..\r\n");
  });

  test("TOP sends the header, the empty line and n body lines", async () => {
    const message = ["From: a\r\nSubject: s\r\n\r\n", ".one\r\ntwo\r\nthree\r\n"];
    assert.equal(await body(message, 0), "From: a\r\nSubject: s\r\n\r\n");
    assert.equal(await body(message, 1), "From: a\r\nSubject: s\r\n\r\n..one\r\n");
    assert.equal(await body(message, 2), "From: a\r\nSubject: s\r\n\r\n..one\r\ntwo\r\n");
    assert.equal(await body(message, 99), "From: a\r\nSubject: s\r\n\r\n..one\r\ntwo\r\nthree\r\n");
    assert.equal(await body(["A: b\nC: d"], 1), "A: b\r\nC: d\r\n");
  });

  test("an empty message is one empty line", async () => {
    assert.equal(await body([]), "\r\n");
  });
});

describe("command lines", () => {
  test("CRLF and LF end lines; pipelined lines come out in order", () => {
    const reader = new LineReader(20);
    assert.deepEqual(reader.push(Buffer.from("STAT\r\nLIST 1\nUI")), [
      { kind: "line", text: "STAT" },
      { kind: "line", text: "LIST 1" },
    ]);
    assert.deepEqual(reader.push(Buffer.from("DL\r\n")), [{ kind: "line", text: "UIDL" }]);
  });

  test("a NUL byte makes the whole line an error, never a shorter command", () => {
    const reader = new LineReader(100);
    assert.deepEqual(reader.push(Buffer.from("PASS right\0wrong\r\nNOOP\r\n")), [
      { kind: "nul" },
      { kind: "line", text: "NOOP" },
    ]);
  });

  test("a line over the limit ends reading, with or without its line end", () => {
    assert.deepEqual(new LineReader(8).push(Buffer.from("123456789\r\n")), [{ kind: "too-long" }]);
    const reader = new LineReader(8);
    assert.deepEqual(reader.push(Buffer.from("1234")), []);
    assert.deepEqual(reader.push(Buffer.from("56789")), [{ kind: "too-long" }]);
    assert.deepEqual(reader.push(Buffer.from("\r\nNOOP\r\n")), []);
  });
});

describe("POP3 session lock", () => {
  test("one holder at a time; released locks and dead holders' locks can be taken", async () => {
    const tmp = tempDir("loft-pop3-lock-");
    try {
      const first = await lockPop3Session(tmp.dir);
      assert.ok(first);
      const path = join(tmp.dir, "dovecot-pop3-session.lock");
      assert.match(readFileSync(path, "latin1"), new RegExp(`^${process.pid}:`));
      assert.equal(await lockPop3Session(tmp.dir), null);
      await first.release();
      assert.equal(existsSync(path), false);

      // A lock left by a process that is gone is stale at once, as in Dovecot's file_dotlock.
      const child = spawn(process.execPath, ["-e", ""]);
      await new Promise((r) => child.on("exit", r));
      const host = hostname();
      writeFileSync(path, `${child.pid}:${host}`);
      const second = await lockPop3Session(tmp.dir);
      assert.ok(second);
      await second.release();
    } finally {
      tmp.remove();
    }
  });
});
