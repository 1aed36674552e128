import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ImapFlow } from "imapflow";
import { type ImapServer, PASSWORD, startImapServer } from "../fixtures/imap/setup.js";
import { REPO, run } from "../helpers/cli.js";

let imap: ImapServer;

before(async () => {
  imap = await startImapServer(["py", "flow", "watcher"]);
});

after(async () => {
  await imap?.stop();
});

function client(user: string): ImapFlow {
  return new ImapFlow({
    host: "127.0.0.1",
    port: imap.port,
    secure: false,
    auth: { user, pass: PASSWORD },
    logger: false,
    // Loopback counts as secure: plaintext login is allowed without TLS.
    doSTARTTLS: false,
  });
}

const MESSAGE = [
  "From: Carol <carol@example.org>",
  "To: Dave <dave@example.org>",
  "Subject: Budget 2026",
  "Date: Tue, 3 Mar 2026 09:30:00 +0100",
  "Message-ID: <budget@example.org>",
  "MIME-Version: 1.0",
  'Content-Type: multipart/alternative; boundary="b1"',
  "",
  "--b1",
  "Content-Type: text/plain; charset=us-ascii",
  "",
  "Numbers attached.",
  "--b1",
  "Content-Type: text/html; charset=us-ascii",
  "",
  "<p>Numbers attached.</p>",
  "--b1--",
  "",
].join("\r\n");

describe("Python imaplib", () => {
  test("every RFC 3501 command, answers checked", async () => {
    const script = join(REPO, "test", "fixtures", "imap", "rfc3501.py");
    const r = await run("python3", [script, String(imap.port), "py", PASSWORD], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(r.stdout.trim(), "ok");
  });
});

describe("imapflow", () => {
  test("login, list, append, select, fetch every item, store, search, copy, move, expunge", async () => {
    const c = client("flow");
    await c.connect();
    try {
      const listed = await c.list();
      assert.deepEqual(listed.map((m) => m.path).sort(), [
        "Archive",
        "Drafts",
        "INBOX",
        "Junk",
        "Sent",
        "Trash",
      ]);
      assert.equal(listed.find((m) => m.path === "Sent")?.specialUse, "\\Sent");
      await c.mailboxCreate("Projects");

      const saved = await c.append(
        "INBOX",
        MESSAGE,
        ["\\Draft", "$Important"],
        new Date("2026-03-03T08:00:00Z"),
      );
      assert.equal(saved.uid, 1);
      const box = await c.mailboxOpen("INBOX");
      assert.equal(box.exists, 1);
      assert.equal(box.uidNext, 2);

      const msg = await c.fetchOne("1", {
        uid: true,
        flags: true,
        envelope: true,
        bodyStructure: true,
        internalDate: true,
        size: true,
        headers: ["subject"],
        bodyParts: ["1", "2.MIME"],
      });
      assert.ok(msg);
      assert.equal(msg.uid, 1);
      assert.deepEqual([...(msg.flags ?? [])].sort(), ["$Important", "\\Draft", "\\Recent"]);
      assert.equal(msg.envelope?.subject, "Budget 2026");
      assert.equal(msg.envelope?.messageId, "<budget@example.org>");
      assert.deepEqual(msg.envelope?.from, [{ name: "Carol", address: "carol@example.org" }]);
      assert.equal(msg.envelope?.date?.toISOString(), "2026-03-03T08:30:00.000Z");
      assert.equal(
        msg.internalDate instanceof Date && msg.internalDate.toISOString(),
        "2026-03-03T08:00:00.000Z",
      );
      assert.equal(msg.size, Buffer.byteLength(MESSAGE));
      assert.equal(msg.bodyStructure?.type, "multipart/alternative");
      assert.deepEqual(
        msg.bodyStructure?.childNodes?.map((n) => [n.part, n.type, n.size]),
        [
          ["1", "text/plain", 17],
          ["2", "text/html", 24],
        ],
      );
      assert.equal(msg.headers?.toString(), "Subject: Budget 2026\r\n\r\n");
      assert.equal(msg.bodyParts?.get("1")?.toString(), "Numbers attached.");
      assert.equal(
        msg.bodyParts?.get("2.mime")?.toString(),
        "Content-Type: text/html; charset=us-ascii\r\n\r\n",
      );
      const { content } = await c.download("1", undefined, { uid: true });
      const chunks: Buffer[] = [];
      for await (const chunk of content) chunks.push(chunk as Buffer);
      assert.equal(Buffer.concat(chunks).toString(), MESSAGE);

      assert.ok(await c.messageFlagsAdd("1", ["\\Flagged"]));
      const flagged = await c.fetchOne("1", { flags: true });
      assert.ok(flagged?.flags?.has("\\Flagged"));
      assert.deepEqual(await c.search({ subject: "budget" }), [1]);
      assert.deepEqual(await c.search({ flagged: true, keyword: "$Important" }), [1]);
      assert.deepEqual(await c.search({ body: "nothing like this" }), []);

      const copied = await c.messageCopy("1", "Projects");
      assert.ok(copied && copied.uidMap?.get(1) === 1);
      const moved = await c.messageMove("1", "Archive");
      assert.ok(moved && moved.uidMap?.get(1) === 1);
      assert.equal(c.mailbox === false ? -1 : c.mailbox.exists, 0);

      const status = await c.status("Projects", { messages: true, uidNext: true, unseen: true });
      assert.equal(status.messages, 1);
      assert.equal(status.uidNext, 2);
      await c.mailboxOpen("Projects");
      assert.ok(await c.messageDelete("1"));
      assert.equal(c.mailbox === false ? -1 : c.mailbox.exists, 0);
      const archive = await c.mailboxOpen("Archive");
      assert.equal(archive.exists, 1);
    } finally {
      await c.logout();
    }
  });

  test("IDLE is told of a message loft-lda delivers in another process within a second", async () => {
    const c = client("watcher");
    await c.connect();
    try {
      await c.mailboxOpen("INBOX");
      const told = new Promise<{ count: number; at: number }>((resolve) =>
        c.on("exists", (data: { count: number }) => resolve({ count: data.count, at: Date.now() })),
      );
      const idling = c.idle();
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      const delivered = await run(
        process.execPath,
        [join(REPO, "bin", "loft-lda"), "-c", imap.config, "-d", "watcher", "-f", "sender@example.org"],
        { cwd: imap.dir, input: "From: sender@example.org\r\nSubject: from outside\r\n\r\nhello\r\n" },
      );
      assert.equal(delivered.code, 0, delivered.stderr);
      const saved = Date.now();
      const { count, at } = await told;
      assert.equal(count, 1);
      assert.ok(
        at - saved < 1000,
        `told ${at - saved} ms after the save ended (${saved - started} ms to save)`,
      );
      void idling;
    } finally {
      await c.logout();
    }
  });
});
