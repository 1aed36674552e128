import assert from "node:assert/strict";
import { readdirSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type ImapServer, PASSWORD, startImapServer } from "../fixtures/imap/setup.js";
import { LineClient } from "../helpers/line-client.js";

let imap: ImapServer;

before(async () => {
  imap = await startImapServer(["ann", "ben", "cy", "dee", "eve"], ["idle_keepalive = 1"]);
});

after(async () => {
  await imap?.stop();
});

/** A raw session, logged in (and with INBOX selected when asked). */
async function session(user: string, select = true): Promise<LineClient> {
  const c = await LineClient.open(imap.port);
  await c.readUntil(/^\* OK /);
  c.send(`l LOGIN ${user} ${PASSWORD}\r\n`);
  await c.readUntil(/^l OK /);
  if (select) {
    c.send("s SELECT INBOX\r\n");
    await c.readUntil(/^s OK /);
  }
  return c;
}

async function command(c: LineClient, tag: string, text: string): Promise<string> {
  c.send(`${tag} ${text}\r\n`);
  return c.readUntil(new RegExp(`^${tag} (OK|NO|BAD) `));
}

function append(c: LineClient, tag: string, body: string, flags = ""): Promise<string> {
  return command(c, tag, `APPEND INBOX ${flags}{${Buffer.byteLength(body)}+}\r\n${body}`);
}

describe("two sessions on one mailbox", () => {
  test("NOOP tells EXISTS/RECENT, FETCH FLAGS and EXPUNGE; FETCH does not tell EXPUNGE", async () => {
    const a = await session("ann");
    const b = await session("ann");
    try {
      // b has INBOX selected: it is told of its own appends before the tagged OK.
      const first = await append(b, "b1", "Subject: one\r\n\r\n1\r\n");
      assert.match(first, /^\* 1 EXISTS\r\n\* 1 RECENT\r\nb1 OK \[APPENDUID \d+ 1\]/m);
      assert.match(await append(b, "b2", "Subject: two\r\n\r\n2\r\n"), /^\* 2 EXISTS\r\n.*\r\nb2 OK/m);
      assert.match(await command(b, "b3", "NOOP"), /^b3 OK/);
      const noopA = await command(a, "a1", "NOOP");
      assert.match(noopA, /^\* 2 EXISTS\r\n\* \d RECENT\r\na1 OK/m);

      const stored = await command(b, "b4", "STORE 1 +FLAGS (\\Seen)");
      assert.match(stored, /^\* 1 FETCH \(FLAGS \(\\Seen( \\Recent)?\)\)\r\nb4 OK/m);
      // b's own STORE answer is not repeated by the update step
      assert.equal((stored.match(/FETCH/g) ?? []).length, 1, stored);
      assert.match(await command(a, "a2", "NOOP"), /^\* 1 FETCH \(FLAGS \(\\Seen( \\Recent)?\)\)\r\na2 OK/m);

      assert.match(await command(b, "b5", "STORE 1 +FLAGS.SILENT (\\Deleted)"), /^b5 OK/m);
      assert.match(await command(b, "b6", "EXPUNGE"), /^\* 1 EXPUNGE\r\nb6 OK/m);
      // RFC 3501 §7.4.1: no EXPUNGE while answering FETCH; the message keeps its number.
      const fetched = await command(a, "a3", "FETCH 1:* (UID)");
      assert.doesNotMatch(fetched, /EXPUNGE/);
      assert.match(fetched, /^\* 2 FETCH \(UID 2\)/m);
      assert.match(await command(a, "a4", "NOOP"), /^\* 1 EXPUNGE\r\n/m);
      assert.match(await command(a, "a5", "FETCH 1 (UID)"), /^\* 1 FETCH \(UID 2\)\r\na5 OK/m);
      // UID FETCH may tell it at once
      await command(b, "b7", "STORE 1 +FLAGS.SILENT (\\Deleted)");
      await command(b, "b8", "EXPUNGE");
      assert.match(await command(a, "a6", "UID FETCH 1:* (UID)"), /^\* 1 EXPUNGE\r\na6 OK/m);
    } finally {
      a.close();
      b.close();
    }
  });

  test("a FETCH that may not tell an EXPUNGE still tells new mail, numbered after the kept message", async () => {
    const a = await session("eve");
    const b = await session("eve");
    try {
      await append(b, "b1", "Subject: one\r\n\r\n1\r\n");
      await append(b, "b2", "Subject: two\r\n\r\n2\r\n");
      assert.match(await command(a, "a1", "NOOP"), /^\* 2 EXISTS\r\n/m);
      await command(b, "b3", "STORE 1 +FLAGS.SILENT (\\Deleted)");
      await command(b, "b4", "EXPUNGE");
      await append(b, "b5", "Subject: three\r\n\r\n3\r\n");
      // The expunged message keeps number 1 in a's view, so the new one is number 3.
      const fetched = await command(a, "a2", "FETCH 2 (UID)");
      assert.doesNotMatch(fetched, /EXPUNGE/);
      assert.match(fetched, /^\* 3 EXISTS\r\n/m);
      assert.match(fetched, /^\* 2 FETCH \(UID 2\)\r\n/m);
      assert.match(await command(a, "a3", "FETCH 3 (UID)"), /^\* 3 FETCH \(UID 3\)\r\na3 OK/m);
      assert.match(await command(a, "a4", "NOOP"), /^\* 1 EXPUNGE\r\na4 OK/m);
      assert.match(
        await command(a, "a5", "FETCH 1:* (UID)"),
        /^\* 1 FETCH \(UID 2\)\r\n\* 2 FETCH \(UID 3\)\r\na5 OK/m,
      );
    } finally {
      a.close();
      b.close();
    }
  });

  test("IDLE is told of appends, flag changes and expunges as they happen, with keepalives", async () => {
    const a = await session("ben");
    const b = await session("ben");
    try {
      a.send("i IDLE\r\n");
      await a.readUntil(/^\+ idling/);
      await append(b, "b1", "Subject: idle\r\n\r\nx\r\n");
      assert.match(await a.readUntil(/RECENT/, 2000), /^\* 1 EXISTS\r\n\* 1 RECENT/m);
      await command(b, "b2", "STORE 1 +FLAGS (\\Flagged)");
      assert.match(await a.readUntil(/FETCH/, 2000), /^\* 1 FETCH \(FLAGS \(\\Flagged \\Recent\)\)/m);
      await command(b, "b3", "STORE 1 +FLAGS (\\Deleted)");
      await command(b, "b4", "EXPUNGE");
      assert.match(await a.readUntil(/EXPUNGE/, 2000), /^\* 1 EXPUNGE/m);
      // idle_keepalive = 1 in this server's config
      await a.readUntil(/^\* OK Still here/, 2500);
      a.send("DONE\r\n");
      await a.readUntil(/^i OK Idle completed/);
      a.send("j IDLE\r\n");
      await a.readUntil(/^\+ idling/);
      a.send("NOT DONE\r\n");
      await a.readUntil(/^j BAD /);
    } finally {
      a.close();
      b.close();
    }
  });
});

describe("malformed input", () => {
  test("each bad command gets BAD or NO, over-limit input a clean answer, and the server goes on", async () => {
    const c = await LineClient.open(imap.port);
    await c.readUntil(/^\* OK /);
    // wrong state before login
    assert.match(await command(c, "a1", "SELECT INBOX"), /^a1 BAD /m);
    assert.match(await command(c, "a2", "FETCH 1 FLAGS"), /^a2 BAD /m);
    assert.match(await command(c, "a3", "FOO"), /^a3 BAD Error in IMAP command FOO: Unknown command/m);
    c.send(`a4 LOGIN cy ${PASSWORD}\r\n`);
    await c.readUntil(/^a4 OK /);
    assert.match(await command(c, "b1", "FETCH 1 FLAGS"), /^b1 BAD No mailbox selected/m);
    assert.match(await command(c, "b2", "LOGIN cy x"), /^b2 BAD /m);
    await command(c, "b3", "SELECT INBOX");
    await append(c, "b4", "Subject: x\r\n\r\nx\r\n");
    await command(c, "b5", "NOOP");
    // unbalanced parentheses, bad sequence sets, NUL bytes
    assert.match(await command(c, "c1", "FETCH 1 (FLAGS UID"), /^c1 BAD /m);
    assert.match(await command(c, "c2", "FETCH 1 FLAGS)"), /^c2 BAD /m);
    assert.match(await command(c, "c3", "FETCH 0 FLAGS"), /^c3 BAD .*Invalid messageset/m);
    assert.match(await command(c, "c4", "FETCH 1:x FLAGS"), /^c4 BAD /m);
    assert.match(await command(c, "c5", "FETCH 5 FLAGS"), /^c5 BAD .*Invalid messageset/m);
    assert.match(await command(c, "c6", "SEARCH SUBJECT a\0b"), /^c6 BAD /m);
    assert.match(await command(c, "c7", "STORE 1 +FLAGS (\\Bogus)"), /^c7 BAD /m);
    assert.match(await command(c, "c8", "SELECT"), /^c8 BAD /m);
    // a 1 MB line: BAD, and the rest of the line is skipped
    c.send(`d1 SEARCH SUBJECT ${"x".repeat(1024 * 1024)}\r\n`);
    assert.match(await c.readUntil(/^d1 BAD /, 10_000), /Too long argument/);
    // a literal over the limit is refused before its bytes are sent
    c.send("d2 SEARCH SUBJECT {100000000}\r\n");
    assert.match(await c.readUntil(/^d2 /), /^d2 BAD \[TOOBIG\]/m);
    // an APPEND larger than the server takes: NO [TOOBIG], no continuation
    c.send("d3 APPEND INBOX {900000000}\r\n");
    const refused = await c.readUntil(/^d3 /);
    assert.match(refused, /^d3 NO \[TOOBIG\]/m);
    assert.doesNotMatch(refused, /^\+/m);
    assert.match(await command(c, "d4", "NOOP"), /^d4 OK/m);
    // the APPEND literal is read and the command then fails: nothing is saved
    assert.match(await command(c, "d5", "APPEND INBOX {5+}\r\nhello BOGUS"), /^d5 BAD /m);
    // an empty message is refused before it is read, as Dovecot's imap does
    assert.match(
      await command(c, "d7", "APPEND INBOX {0+}\r\n"),
      /^d7 NO Can't save a zero byte message\.\r\n/m,
    );
    c.send("d8 APPEND INBOX {0}\r\n");
    assert.match(await c.readUntil(/^d8 /), /^d8 NO Can't save a zero byte message\./m);
    assert.match(await command(c, "d6", "STATUS INBOX (MESSAGES)"), /MESSAGES 1\)/);
    // a non-synchronising literal too large to follow ends the connection cleanly
    c.send("e1 SEARCH SUBJECT {200000000+}\r\n");
    assert.match(await c.readUntil(/^\* BYE /), /TOOBIG/);
    await c.closed;

    // another session is served as before
    const d = await session("cy");
    assert.match(await command(d, "f1", "FETCH 1 (FLAGS)"), /^\* 1 FETCH/m);
    d.close();
  });

  test("too many bad commands in a row end the session", async () => {
    const c = await LineClient.open(imap.port);
    await c.readUntil(/^\* OK /);
    for (let i = 0; i < 20; i++) c.send(`x${i} BOGUS\r\n`);
    assert.match(await c.readUntil(/^\* BYE /), /Too many invalid/);
    await c.closed;
  });
});

test("a message that shrank on disk while being sent ends that connection, not the server", async () => {
  const c = await session("dee");
  const body = `Subject: shrinking\r\n\r\n${"x".repeat(5000)}\r\n`;
  assert.match(await append(c, "a", body), /^a OK/m);
  const cur = join(imap.home("dee"), "Maildir", "cur");
  const news = join(imap.home("dee"), "Maildir", "new");
  const [file] = [
    ...readdirSync(cur).map((f) => join(cur, f)),
    ...readdirSync(news).map((f) => join(news, f)),
  ];
  truncateSync(file!, 100);
  c.send("b FETCH 1 (BODY.PEEK[])\r\n");
  await c.closed;
  const d = await session("dee");
  assert.match(await command(d, "c", "FETCH 1 (RFC822.SIZE)"), /^c OK/m);
  d.close();
});
