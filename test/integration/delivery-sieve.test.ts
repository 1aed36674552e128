import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import pino from "pino";
import type { UserInfo } from "../../src/auth/index.js";
import { Authenticator, PasswdFile } from "../../src/auth/index.js";
import { loadConfig } from "../../src/config/index.js";
import { Delivery, type DeliveryEnvelope, lazySieveEngine } from "../../src/delivery/index.js";
import { openUserMail } from "../../src/user-mail/index.js";
import { makeWorld } from "../fixtures/delivery/setup.js";

const world = makeWorld(
  [
    { name: "plain@loft.test" },
    {
      name: "sorter@loft.test",
      script: [
        'require ["fileinto", "imap4flags", "mailbox", "reject", "vacation"];',
        'if header :contains "subject" "report" { fileinto :create :flags ["\\\\Flagged", "$Work"] "Reports"; stop; }',
        'if header :contains "subject" "spam" { discard; stop; }',
        'if header :contains "subject" "go away" { reject "Not wanted here."; stop; }',
        'if header :contains "subject" "forward" { redirect "elsewhere@other.test"; stop; }',
        'vacation :days 3 :subject "Away" "I am away.";',
      ].join("\n"),
    },
    { name: "full@loft.test", extra: "userdb_quota_rule=*:messages=1" },
    {
      name: "copier@loft.test",
      script: 'require ["fileinto", "mailbox", "copy"];\nfileinto :copy :create "Archive";',
      extra: "userdb_quota_rule=*:messages=2",
    },
    {
      name: "editor@loft.test",
      script: 'require ["editheader"];\ndeleteheader "X-Spam-Flag";\naddheader "X-Sorted" "by Sieve";',
    },
  ],
  '[sieve]\nextensions = ["+editheader"]',
);
after(() => world.remove());

const log = pino({ level: "silent" });
const { config } = loadConfig(world.configFile);
const auth = new Authenticator(PasswdFile.load(`${world.dir}/users`, log), {
  usernameChars: "",
  mailLocation: config.mail_location,
  defaultScheme: "PLAIN",
});
const delivery = new Delivery({ config, userdb: auth, log, engine: lazySieveEngine(config) });

const lmtpEnvelope = (from: string): DeliveryEnvelope => ({
  from,
  trace: { helo: "mta.loft.test", remoteIp: "127.0.0.1", sessionId: "SESSIONID", addReceived: true },
  rejectBy: "reply",
  remoteIp: "127.0.0.1",
});

function message(subject: string, extra = ""): Buffer {
  return Buffer.from(
    `From: Sender <sender@far.test>\r\nTo: sorter@loft.test, plain@loft.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, "")}-${Math.random()}@far.test>\r\n${extra}\r\nBody of ${subject}.\r\n`,
  );
}

async function mailbox(user: string, name: string) {
  const store = await openUserMail((await auth.lookup(user)) as UserInfo, config);
  try {
    const box = await store.openMailbox(name);
    await box.sync();
    const out = [];
    for (const m of box.messages()) {
      const chunks: Buffer[] = [];
      for await (const c of await box.read(m.uid, { crlf: false })) chunks.push(c as Buffer);
      out.push({ info: m, text: Buffer.concat(chunks).toString("utf8") });
    }
    return out;
  } finally {
    store.close();
  }
}

describe("deliver()", () => {
  test("keeps into INBOX with Return-Path, Delivered-To and Received for a single recipient", async () => {
    const [r] = await delivery.deliver(message("hello"), lmtpEnvelope("sender@far.test"), [
      { address: "plain@loft.test" },
    ]);
    assert.deepEqual(r, { status: "delivered", mailboxes: ["INBOX"] });
    const inbox = await mailbox("plain@loft.test", "INBOX");
    assert.equal(inbox.length, 1);
    const text = inbox[0]!.text.replace(/\r\n/g, "\n");
    assert.match(
      text,
      /^Return-Path: <sender@far\.test>\nDelivered-To: plain@loft\.test\nReceived: from mta\.loft\.test \(\[127\.0\.0\.1\]\)\n\tby mx\.loft\.test with LMTP\n\tid SESSIONID\n\t\(envelope-from <sender@far\.test>\)\n\tfor <plain@loft\.test>; \w{3}, \d+ \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\nFrom: Sender/,
    );
    assert.match(text, /\n\nBody of hello\.\n$/);
  });

  test("several recipients share one header block without Delivered-To; a repeated one gets the same outcome", async () => {
    const rs = await delivery.deliver(message("shared"), lmtpEnvelope("sender@far.test"), [
      { address: "plain@loft.test" },
      { address: "nobody@loft.test" },
      { address: "PLAIN@loft.test" },
    ]);
    assert.deepEqual(
      rs.map((r) => r.status),
      ["delivered", "unknown-user", "delivered"],
    );
    const inbox = await mailbox("plain@loft.test", "INBOX");
    const shared = inbox.filter((m) => m.text.includes("Subject: shared"));
    assert.equal(shared.length, 1, "a repeated recipient is delivered once");
    assert.doesNotMatch(shared[0]!.text, /Delivered-To|for </);
    assert.match(shared[0]!.text, /\(envelope-from <sender@far\.test>\); /);
  });

  test("fileinto :create with flags stores into the new mailbox, flagged", async () => {
    const [r] = await delivery.deliver(message("weekly report"), lmtpEnvelope("sender@far.test"), [
      { address: "sorter@loft.test" },
    ]);
    assert.deepEqual(r, { status: "delivered", mailboxes: ["Reports"] });
    const reports = await mailbox("sorter@loft.test", "Reports");
    assert.equal(reports.length, 1);
    assert.deepEqual(reports[0]!.info.flags, ["\\Flagged"]);
    assert.deepEqual(reports[0]!.info.keywords, ["$Work"]);
  });

  test("editheader, enabled by sieve.extensions, changes the stored copy", async () => {
    const [r] = await delivery.deliver(
      message("edited", "X-Spam-Flag: YES\r\n"),
      lmtpEnvelope("sender@far.test"),
      [{ address: "editor@loft.test" }],
    );
    assert.deepEqual(r, { status: "delivered", mailboxes: ["INBOX"] });
    const [stored] = await mailbox("editor@loft.test", "INBOX");
    const text = stored!.text.replace(/\r\n/g, "\n");
    assert.match(text, /^X-Sorted: by Sieve\nReturn-Path: <sender@far\.test>\n/);
    assert.doesNotMatch(text, /X-Spam-Flag/);
    assert.match(text, /\nSubject: edited\n/);
  });

  test("discard stores nothing; reject is refused in the reply", async () => {
    const before = (await mailbox("sorter@loft.test", "INBOX")).length;
    const [d] = await delivery.deliver(message("spam offer"), lmtpEnvelope("sender@far.test"), [
      { address: "sorter@loft.test" },
    ]);
    assert.deepEqual(d, { status: "delivered", mailboxes: [] });
    const [j] = await delivery.deliver(message("go away"), lmtpEnvelope("sender@far.test"), [
      { address: "sorter@loft.test" },
    ]);
    assert.deepEqual(j, { status: "rejected", reason: "Not wanted here.", mailed: false });
    assert.equal((await mailbox("sorter@loft.test", "INBOX")).length, before);
  });

  test("reject by mail sends a rejection to the envelope sender through sendmail", async () => {
    const start = world.sent().length;
    const [j] = await delivery.deliver(
      message("go away"),
      { ...lmtpEnvelope("sender@far.test"), trace: null, rejectBy: "mail" },
      [{ address: "sorter@loft.test" }],
    );
    assert.deepEqual(j, { status: "rejected", reason: "Not wanted here.", mailed: true });
    const sent = world.sent().slice(start);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]!.args, ["-i", "-f", "<>", "--", "sender@far.test"]);
    assert.match(sent[0]!.data, /^Subject: Rejected: go away\r$/m);
    assert.match(
      sent[0]!.data,
      /Your message to <sorter@loft\.test> was automatically rejected:\r\nNot wanted here\./,
    );
    assert.match(
      sent[0]!.data,
      /Content-Type: message\/rfc822-headers\r\n\r\nFrom: Sender <sender@far\.test>/,
    );
  });

  test("vacation answers once within :days, not a list message, and keeps the message", async () => {
    const start = world.sent().length;
    const [a] = await delivery.deliver(message("question"), lmtpEnvelope("sender@far.test"), [
      { address: "sorter@loft.test" },
    ]);
    assert.deepEqual(a, { status: "delivered", mailboxes: ["INBOX"] });
    await delivery.deliver(message("another question"), lmtpEnvelope("sender@far.test"), [
      { address: "sorter@loft.test" },
    ]);
    await delivery.deliver(
      message("list post", "List-Id: <list.far.test>\r\n"),
      lmtpEnvelope("other@far.test"),
      [{ address: "sorter@loft.test" }],
    );
    const sent = world.sent().slice(start);
    assert.equal(sent.length, 1, "one reply for two messages from one sender, none to a list");
    assert.deepEqual(sent[0]!.args, ["-i", "-f", "<>", "--", "sender@far.test"]);
    assert.match(sent[0]!.data, /^Subject: Away\r$/m);
    assert.match(sent[0]!.data, /^Auto-Submitted: auto-replied \(vacation\)\r$/m);
    assert.match(sent[0]!.data, /^In-Reply-To: <question-/m);
    assert.match(sent[0]!.data, /\r\n\r\nI am away\.\r\n$/);
    const tracking = join(world.home("sorter@loft.test"), ".loft", "sieve-tracking.sqlite");
    assert.equal(statSync(tracking).mode & 0o777, 0o600, "the record of replies sent is the user's alone");
  });

  test("redirect resends the message with the original sender; a failed one keeps a copy", async () => {
    const start = world.sent().length;
    const [r] = await delivery.deliver(message("forward this"), lmtpEnvelope("sender@far.test"), [
      { address: "sorter@loft.test" },
    ]);
    assert.deepEqual(r, { status: "delivered", mailboxes: [] });
    const sent = world.sent().slice(start);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]!.args, ["-i", "-f", "sender@far.test", "--", "elsewhere@other.test"]);
    assert.match(sent[0]!.data, /^From: Sender <sender@far\.test>\r\n/);

    process.env.FAKE_SENDMAIL_STATUS = "75";
    try {
      const [f] = await delivery.deliver(message("forward that"), lmtpEnvelope("sender@far.test"), [
        { address: "sorter@loft.test" },
      ]);
      assert.deepEqual(f, { status: "delivered", mailboxes: ["INBOX"] });
    } finally {
      delete process.env.FAKE_SENDMAIL_STATUS;
    }
  });

  test("over quota is reported per recipient and stores nothing", async () => {
    const [first] = await delivery.deliver(message("fits"), lmtpEnvelope("sender@far.test"), [
      { address: "full@loft.test" },
    ]);
    assert.equal(first!.status, "delivered");
    assert.equal(await delivery.check("full@loft.test", true), "over-quota");
    const [second] = await delivery.deliver(message("does not fit"), lmtpEnvelope("sender@far.test"), [
      { address: "full@loft.test" },
    ]);
    assert.equal(second!.status, "over-quota");
    assert.equal((await mailbox("full@loft.test", "INBOX")).length, 1);
  });

  test("a delivery that failed after its first copy stores only the missing copy when retried", async () => {
    const to = [{ address: "copier@loft.test" }];
    const user = (await auth.lookup("copier@loft.test")) as UserInfo;
    const filled = await openUserMail(user, config);
    await (await filled.openMailbox("INBOX")).append(message("filler"));
    filled.close();
    // Archive takes the last free message; the keep into INBOX is then over quota.
    const sent = message("two copies");
    const [first] = await delivery.deliver(sent, lmtpEnvelope("sender@far.test"), to);
    assert.equal(first!.status, "over-quota");
    assert.equal((await mailbox("copier@loft.test", "Archive")).length, 1);
    const emptyInbox = async () => {
      const store = await openUserMail(user, config);
      try {
        const inbox = await store.openMailbox("INBOX");
        await inbox.storeFlags(inbox.uids(), "add", ["\\Deleted"], []);
        await inbox.expunge();
      } finally {
        store.close();
      }
    };
    // Room again (the filler goes), and the MTA sends the same message once more.
    await emptyInbox();
    const [retry] = await delivery.deliver(sent, lmtpEnvelope("sender@far.test"), to);
    assert.deepEqual(retry, { status: "delivered", mailboxes: ["Archive", "INBOX"] });
    assert.equal((await mailbox("copier@loft.test", "Archive")).length, 1);
    assert.deepEqual(
      (await mailbox("copier@loft.test", "INBOX")).map((m) => /Subject: (.*)/.exec(m.text)?.[1]),
      ["two copies"],
    );
    // Done: the records are forgotten, so the same bytes later are a new delivery with two copies.
    await emptyInbox();
    const [again] = await delivery.deliver(sent, lmtpEnvelope("sender@far.test"), to);
    assert.equal(again!.status, "over-quota");
    assert.equal((await mailbox("copier@loft.test", "Archive")).length, 2);
  });
});
