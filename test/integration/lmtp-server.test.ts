import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { converse, maildirMessages, makeWorld } from "../fixtures/delivery/setup.js";
import { run } from "../helpers/cli.js";
import { freePort, type RunningLoft, startLoft } from "../helpers/server.js";

const world = makeWorld([
  { name: "good@loft.test" },
  { name: "small@loft.test", extra: "userdb_quota_rule=*:storage=1K" },
  { name: "full@loft.test", extra: "userdb_quota_rule=*:messages=1" },
  { name: "plain" },
  { name: 'o"k@loft.test' },
]);
let port: number;
let server: RunningLoft;

before(async () => {
  port = await freePort();
  // A quoted local part can name a user whose name holds a '"' (Dovecot: auth_username_chars =).
  const config = readFileSync(world.configFile, "utf8").replace("[auth]\n", '[auth]\nusername_chars = ""\n');
  writeFileSync(
    world.configFile,
    `${config}\n[lmtp]\nlisten = ["127.0.0.1:${port}", "unix:${join(world.dir, "lmtp.sock")}"]\nmax_message_size = "10K"\nmax_recipients = 100\n[imap]\nlisten = []\n[pop3]\nlisten = []\n`,
  );
  server = startLoft(world.dir, ["-c", world.configFile]);
  await server.waitFor(/loft started/);
});

after(async () => {
  await server?.stop();
  world.remove();
});

const good = () => maildirMessages(world.home("good@loft.test"));

function body(subject: string, size = 0): string {
  return `From: <s@far.test>\r\nSubject: ${subject}\r\n\r\n${"x".repeat(size)}\r\nend of ${subject}\r\n`;
}

describe("LMTP", () => {
  test("greets at once and refuses MAIL before LHLO", async () => {
    const start = Date.now();
    const replies = await converse(port, "MAIL FROM:<s@far.test>\r\nLHLO mta.far.test\r\nQUIT\r\n", 4);
    assert.ok(Date.now() - start < 1000);
    assert.match(replies[0]!, /^220 mx\.loft\.test /);
    assert.match(replies[1]!, /^503 5\.5\.1 /, "MAIL before LHLO");
    assert.match(replies[2]!, /^250 ENHANCEDSTATUSCODES$|^250 /);
    assert.match(replies[3]!, /^221 /);
  });

  test("LHLO lists PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES and SIZE", async () => {
    const lines = await new Promise<string>((resolve) => {
      const s = connect(port, "127.0.0.1");
      let buf = "";
      s.on("data", (d) => {
        buf += d;
        if (/\r\n250 [^\r]*\r\n/.test(buf)) {
          s.destroy();
          resolve(buf);
        }
      });
      s.write("LHLO mta\r\n");
    });
    for (const ext of ["PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES", "SIZE 10240"]) {
      assert.match(lines, new RegExp(`^250[- ]${ext}\\r$`, "m"), ext);
    }
  });

  test("unknown user at RCPT, over quota at DATA, good: one DATA reply per accepted recipient", async () => {
    // small@ has room for nothing of this size: RCPT passes (not yet full), the save fails.
    const replies = await converse(
      port,
      [
        "LHLO mta.far.test",
        "MAIL FROM:<s@far.test>",
        "RCPT TO:<nobody@loft.test>",
        "RCPT TO:<small@loft.test>",
        "RCPT TO:<good@loft.test>",
        "DATA",
        `${body("three", 2000)}.`,
        "QUIT",
        "",
      ].join("\r\n"),
      10,
    );
    assert.match(replies[3]!, /^550 5\.1\.1 <nobody@loft\.test> User doesn't exist/);
    assert.match(replies[4]!, /^250 2\.1\.5 /);
    assert.match(replies[5]!, /^250 2\.1\.5 /);
    assert.match(replies[6]!, /^354 /);
    assert.match(replies[7]!, /^552 5\.2\.2 <small@loft\.test> Quota exceeded/);
    assert.match(replies[8]!, /^250 2\.0\.0 <good@loft\.test> \S+:R2 Saved$/);
    assert.match(replies[9]!, /^221 /);
    assert.equal(maildirMessages(world.home("small@loft.test")).length, 0);
    assert.equal(good().filter((m) => m.text.includes("Subject: three")).length, 1);
  });

  test("an over-quota user is refused at RCPT with 552 5.2.2", async () => {
    await converse(
      port,
      `LHLO m\r\nMAIL FROM:<s@far.test>\r\nRCPT TO:<full@loft.test>\r\nDATA\r\n${body("fill")}.\r\n`,
      6,
    );
    const replies = await converse(
      port,
      "LHLO m\r\nMAIL FROM:<s@far.test>\r\nRCPT TO:<full@loft.test>\r\nQUIT\r\n",
      5,
    );
    assert.match(replies[3]!, /^552 5\.2\.2 <full@loft\.test> Quota exceeded \(mailbox for user is full\)$/);
  });

  test("a repeated RCPT gets a reply per RCPT and one stored copy", async () => {
    const before = good().length;
    const replies = await converse(
      port,
      `LHLO m\r\nMAIL FROM:<s@far.test>\r\nRCPT TO:<good@loft.test>\r\nRCPT TO:<Good@loft.test>\r\nDATA\r\n${body("twice")}.\r\nQUIT\r\n`,
      9,
    );
    assert.deepEqual(
      replies.slice(3).map((r) => r.slice(0, 3)),
      ["250", "250", "354", "250", "250", "221"],
    );
    assert.equal(good().length, before + 1);
  });

  test("a message over the size limit is refused for every recipient and nothing is stored", async () => {
    const before = good().length;
    const replies = await converse(
      port,
      `LHLO m\r\nMAIL FROM:<s@far.test>\r\nRCPT TO:<good@loft.test>\r\nRCPT TO:<full@loft.test>\r\nDATA\r\n${body("huge", 20_000)}.\r\nNOOP\r\n`,
      8,
    );
    assert.match(replies[5]!, /^354 /);
    assert.match(replies[6]!, /^552 5\.3\.4 /);
    assert.match(replies[7]!, /^250 2\.0\.0 /, "the session goes on");
    assert.equal(good().length, before);
  });

  test("DATA ends only at CRLF.CRLF: bare LF.LF and CR.CR smuggle nothing", async () => {
    const before = good().length;
    const smuggled =
      "From: <s@far.test>\r\nSubject: smuggle\r\n\r\nfirst\n.\nMAIL FROM:<evil@far.test>\nRCPT TO:<good@loft.test>\nDATA\nSubject: injected\n\nevil\n.\n" +
      "and\r.\rMAIL FROM:<evil@far.test>\rRCPT TO:<good@loft.test>\rDATA\rSubject: injected\r\revil\r.\rlast line\r\n";
    const replies = await converse(
      port,
      `LHLO m\r\nMAIL FROM:<s@far.test>\r\nRCPT TO:<good@loft.test>\r\nDATA\r\n${smuggled}.\r\nQUIT\r\n`,
      7,
    );
    assert.deepEqual(
      replies.slice(2).map((r) => r.slice(0, 3)),
      ["250", "250", "354", "250", "221"],
    );
    const stored = good().slice(before);
    assert.equal(stored.length, 1, "exactly one message");
    assert.match(stored[0]!.text, /Subject: smuggle/);
    // The store keeps Dovecot's LF line ends; everything else is byte for byte what was sent.
    const sentBody = smuggled.replace(/\r\n/g, "\n");
    assert.ok(stored[0]!.text.endsWith(sentBody.slice(sentBody.indexOf("From:"))), stored[0]!.text);
  });

  test("10,000 RCPTs: the limit holds, every RCPT is answered, and the session goes on", async () => {
    const rcpts = Array.from({ length: 10_000 }, (_, i) => `RCPT TO:<good+${i}@loft.test>`).join("\r\n");
    const replies = await converse(
      port,
      `LHLO m\r\nMAIL FROM:<s@far.test>\r\n${rcpts}\r\nRSET\r\nNOOP\r\n`,
      10_005,
      60_000,
    );
    const rcptReplies = replies.slice(3, 10_003);
    assert.equal(rcptReplies.filter((r) => r.startsWith("250 2.1.5")).length, 100);
    assert.equal(rcptReplies.filter((r) => r.startsWith("452 4.5.3")).length, 9_900);
    assert.match(replies[10_004]!, /^250 /);
  });

  test("a client resetting the connection in the middle of DATA stores nothing and harms no one", async () => {
    const before = good().length;
    const s = connect(port, "127.0.0.1");
    await new Promise<void>((resolve) => {
      let buf = "";
      s.on("data", (d) => {
        buf += d;
        if (buf.includes("354 ")) resolve();
      });
      s.write("LHLO m\r\nMAIL FROM:<s@far.test>\r\nRCPT TO:<good@loft.test>\r\nDATA\r\n");
    });
    s.write("Subject: cut\r\n\r\nhalf a mess");
    s.resetAndDestroy();
    const replies = await converse(port, "NOOP\r\n", 2);
    assert.match(replies[1]!, /^250 /);
    assert.equal(good().length, before);
    assert.equal(server.child.exitCode, null);
  });

  test("the unix socket has Dovecot's LMTP socket mode, 0666", async () => {
    assert.equal(statSync(join(world.dir, "lmtp.sock")).mode & 0o777, 0o666);
  });

  test("swaks delivers over TCP and over the unix socket", async () => {
    const before = good().length;
    for (const target of [
      ["--server", `127.0.0.1:${port}`],
      ["--socket", join(world.dir, "lmtp.sock")],
    ]) {
      const r = await run("swaks", [
        "--protocol",
        "LMTP",
        ...target,
        "--from",
        "s@far.test",
        "--to",
        "good@loft.test",
        "--helo",
        "mta.far.test",
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /<- {2}250 2\.0\.0 <good@loft\.test> \S+ Saved/);
    }
    const stored = good().slice(before);
    assert.equal(stored.length, 2);
    assert.match(
      stored[0]!.text,
      /^Return-Path: <s@far\.test>\nDelivered-To: good@loft\.test\nReceived: from mta\.far\.test \(\[127\.0\.0\.1\]\)\n/,
    );
  });

  test("a recipient without a domain is a user name, as Dovecot's LMTP takes it", async () => {
    const before = maildirMessages(world.home("plain")).length;
    const r = await run("swaks", ["--protocol", "LMTP", "--server", `127.0.0.1:${port}`, "--to", "plain"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /<- {2}250 2\.0\.0 <plain> \S+ Saved/);
    const replies = await converse(
      port,
      "LHLO m\r\nMAIL FROM:<s@far.test>\r\nRCPT TO:<Plain>\r\nRCPT TO:<nobody>\r\nRCPT TO:<a..b>\r\nQUIT\r\n",
      7,
    );
    assert.match(replies[3]!, /^250 2\.1\.5 /);
    assert.match(replies[4]!, /^550 5\.1\.1 <nobody> User doesn't exist/);
    assert.match(replies[5]!, /^501 /, "a malformed local part is still a syntax error");
    assert.equal(maildirMessages(world.home("plain")).length, before + 1);
  });

  test('a quoted local part names the same user as the unquoted one: "good"@d is good@d', async () => {
    const before = good().length;
    const replies = await converse(
      port,
      `LHLO m\r\nMAIL FROM:<"s"@far.test>\r\nRCPT TO:<"good"@loft.test>\r\nRCPT TO:<"go\\od"@loft.test>\r\nDATA\r\n${body("quoted")}.\r\nQUIT\r\n`,
      8,
    );
    assert.match(replies[2]!, /^250 2\.1\.0 /);
    assert.match(replies[3]!, /^250 2\.1\.5 /);
    assert.match(replies[4]!, /^250 2\.1\.5 /, "a quoted pair is the character itself");
    assert.match(replies[6]!, /^250 2\.0\.0 <good@loft\.test> \S+ Saved$/);
    assert.match(replies[7]!, /^250 2\.0\.0 <good@loft\.test> \S+:R2 Saved$/);
    const stored = good().slice(before);
    assert.equal(stored.length, 1, "one copy: both recipients are one address");
    assert.match(stored[0]!.text, /^Return-Path: <s@far\.test>\nDelivered-To: good@loft\.test\n/);
  });

  test("a quoted local part is unquoted for the lookup and +detail, and stays quoted where it must", async () => {
    const before = good().length;
    const quoted = () => maildirMessages(world.home('o"k@loft.test'));
    const replies = await converse(
      port,
      [
        "LHLO m",
        'MAIL FROM:<"s x"@far.test>',
        'RCPT TO:<"o\\"k"@loft.test>',
        "DATA",
        `${body("escaped")}.`,
        "MAIL FROM:<s@far.test>",
        'RCPT TO:<"good+box"@loft.test>',
        'RCPT TO:<"o\\"k+box"@loft.test>',
        'RCPT TO:<"plain">',
        'RCPT TO:<"b ob+box"@loft.test>',
        "DATA",
        `${body("detail")}.`,
        "QUIT",
        "",
      ].join("\r\n"),
      15,
    );
    assert.match(replies[2]!, /^250 2\.1\.0 /, 'MAIL FROM:<"s x"@far.test>');
    assert.match(replies[3]!, /^250 2\.1\.5 /, 'o\\"k is the user o"k');
    assert.match(replies[5]!, /^250 2\.0\.0 <"o\\"k"@loft\.test> \S+ Saved$/);
    assert.match(replies[6]!, /^250 2\.1\.0 /);
    assert.match(replies[7]!, /^250 2\.1\.5 /, "good+box is good");
    assert.match(replies[8]!, /^250 2\.1\.5 /, 'o"k+box is o"k');
    assert.match(replies[9]!, /^250 2\.1\.5 /, "a quoted bare user name");
    // As Dovecot: the reply names the user looked up, unquoted and without the +detail.
    assert.match(replies[10]!, /^550 5\.1\.1 <"b ob\+box"@loft\.test> User doesn't exist: b ob@loft\.test$/);
    assert.match(replies[12]!, /^250 2\.0\.0 <good\+box@loft\.test> \S+ Saved$/);
    assert.match(replies[13]!, /^250 2\.0\.0 <"o\\"k\+box"@loft\.test> \S+:R2 Saved$/);
    assert.match(replies[14]!, /^250 2\.0\.0 <plain> \S+:R3 Saved$/);
    const mine = quoted();
    assert.equal(mine.length, 2);
    assert.match(mine[0]!.text, /^Return-Path: <"s x"@far\.test>\nDelivered-To: "o\\"k"@loft\.test\n/);
    assert.equal(good().length, before + 1);
  });

  test("a quoted local part that cannot be an address is 501 5.1.3, and the session goes on", async () => {
    const bad = [
      '<"good@loft.test>',
      '<"go\0od"@loft.test>',
      '<"go\\\0od"@loft.test>',
      '<good"@loft.test>',
      '<"go"od@loft.test>',
      '<"good"loft.test>',
      '<"">',
      '<"good\\>',
      // Over the 253 octets of a path (RFC 5321 §4.5.3.1.3) once unquoted.
      `<"${"a".repeat(250)}"@loft.test>`,
    ];
    const replies = await converse(
      port,
      `LHLO m\r\nMAIL FROM:<s@far.test>\r\n${bad.map((a) => `RCPT TO:${a}\r\n`).join("")}RCPT TO:<"good"@loft.test>\r\nQUIT\r\n`,
      bad.length + 5,
    );
    bad.forEach((a, i) => {
      assert.match(replies[3 + i]!, /^501 5\.1\.3 /, a);
    });
    assert.match(replies[3 + bad.length]!, /^250 2\.1\.5 /);
    const sender = await converse(port, 'LHLO m\r\nMAIL FROM:<"s@far.test>\r\nQUIT\r\n', 4);
    assert.match(sender[2]!, /^501 5\.1\.7 /, "an unterminated quote in MAIL FROM");
  });

  test("a pipelined batch gets its replies in order, and the message is saved", async () => {
    const before = good().length;
    const socket = connect(port, "127.0.0.1");
    const chunks: string[] = [];
    let all = "";
    const waitFor = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in: ${all}`)), 10_000);
        const check = () => {
          if (!pattern.test(all)) return;
          clearTimeout(timer);
          socket.off("data", check);
          resolve();
        };
        socket.on("data", check);
        check();
      });
    socket.on("data", (d: Buffer) => {
      chunks.push(d.toString("latin1"));
      all += d.toString("latin1");
    });
    try {
      await waitFor(/^220 .*\r\n/);
      socket.write("LHLO m\r\n");
      await waitFor(/\r\n250 [^\r]*\r\n$/);
      chunks.length = 0;
      socket.write(
        "MAIL FROM:<s@far.test>\r\nRCPT TO:<good@loft.test>\r\nRCPT TO:<nobody@loft.test>\r\nRCPT TO:<plain>\r\nDATA\r\n",
      );
      await waitFor(/\r\n354 [^\r]*\r\n$/);
      assert.match(
        chunks.join(""),
        /^250 2\.1\.0 [^\r]*\r\n250 2\.1\.5 [^\r]*\r\n550 5\.1\.1 <nobody@loft\.test> [^\r]*\r\n250 2\.1\.5 [^\r]*\r\n354 [^\r]*\r\n$/,
      );
      chunks.length = 0;
      socket.write(`${body("batched")}.\r\nQUIT\r\n`);
      await waitFor(/\r\n221 [^\r]*\r\n$/);
      const tail = chunks.join("");
      assert.match(
        tail,
        /^250 2\.0\.0 <good@loft\.test> \S+ Saved\r\n250 2\.0\.0 <plain> \S+:R2 Saved\r\n221 [^\r]*\r\n$/,
      );
    } finally {
      socket.destroy();
    }
    assert.equal(good().length, before + 1);
  });
});
