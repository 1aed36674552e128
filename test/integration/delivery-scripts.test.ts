import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import pino from "pino";
import { Authenticator, PasswdFile } from "../../src/auth/index.js";
import { loadConfig } from "../../src/config/index.js";
import { Delivery, type DeliveryEnvelope, lazySieveEngine } from "../../src/delivery/index.js";
import { maildirMessages, makeWorld } from "../fixtures/delivery/setup.js";

const world = makeWorld(
  [
    { name: "dana@loft.test" },
    {
      name: "eve@loft.test",
      script: [
        'require ["fileinto", "mailbox", "duplicate", "enotify"];',
        'if header :contains "subject" "dup" { if duplicate { discard; stop; } }',
        'if header :contains "subject" "alert" { notify :message "New alert" "mailto:pager@far.test"; }',
        'if header :contains "subject" "misfiled" { fileinto "Does Not Exist"; }',
        'if header :contains "subject" "stop here" { fileinto :create "Personal"; }',
      ].join("\n"),
    },
  ],
  "",
);
after(() => world.remove());

// Global scripts: before files a copy of everything into "Archive"; after flags what reached it.
const globalDir = join(world.dir, "global");
mkdirSync(globalDir);
writeFileSync(
  join(globalDir, "10-archive.sieve"),
  'require ["fileinto", "copy", "mailbox"];\nfileinto :copy :create "Archive";\n',
);
writeFileSync(join(world.dir, "after.sieve"), 'require ["imap4flags"];\naddflag "\\\\Flagged";\n');
writeFileSync(
  world.configFile,
  `${readFileSync(world.configFile, "utf8")}\n[sieve]\nbefore = ["${globalDir}"]\nafter = ["${join(world.dir, "after.sieve")}"]\n[lmtp]\nsave_to_detail_mailbox = true\n`,
);

const log = pino({ level: "silent" });
const { config } = loadConfig(world.configFile);
const auth = new Authenticator(PasswdFile.load(join(world.dir, "users"), log), {
  usernameChars: "",
  mailLocation: config.mail_location,
  defaultScheme: "PLAIN",
});
const delivery = new Delivery({ config, userdb: auth, log, engine: lazySieveEngine(config) });
const lmtp: DeliveryEnvelope = {
  from: "s@far.test",
  trace: { helo: "mta", remoteIp: null, sessionId: "ID", addReceived: true },
  rejectBy: "reply",
  remoteIp: null,
};
const msg = (subject: string, id = `${subject.replace(/\W/g, "")}-${Math.random()}`) =>
  Buffer.from(`From: <s@far.test>\r\nSubject: ${subject}\r\nMessage-ID: <${id}@far.test>\r\n\r\nHi.\r\n`);

describe("delivery with global and personal scripts", () => {
  test("sieve_before runs first, the user's script next, sieve_after only while the keep stands", async () => {
    const [kept] = await delivery.deliver(msg("plain"), lmtp, [{ address: "eve@loft.test" }]);
    assert.deepEqual(kept, { status: "delivered", mailboxes: ["Archive", "INBOX"] });
    const inbox = maildirMessages(world.home("eve@loft.test"));
    assert.match(inbox.at(-1)!.name, /:2,F$/, "sieve_after's flag on the kept copy");

    const [filed] = await delivery.deliver(msg("stop here"), lmtp, [{ address: "eve@loft.test" }]);
    assert.deepEqual(filed, { status: "delivered", mailboxes: ["Archive", "Personal"] });
    assert.ok(
      !maildirMessages(world.home("eve@loft.test"), "Personal").at(-1)!.name.endsWith("F"),
      "sieve_after did not run: the user's script cancelled the keep",
    );
  });

  test("fileinto a mailbox that does not exist (no :create) delivers to INBOX", async () => {
    const [r] = await delivery.deliver(msg("misfiled"), lmtp, [{ address: "eve@loft.test" }]);
    assert.deepEqual(r, { status: "delivered", mailboxes: ["Archive", "INBOX"] });
  });

  test("duplicate: the second copy of a Message-ID is discarded", async () => {
    const first = await delivery.deliver(msg("dup", "same-id"), lmtp, [{ address: "eve@loft.test" }]);
    const second = await delivery.deliver(msg("dup", "same-id"), lmtp, [{ address: "eve@loft.test" }]);
    assert.deepEqual(first[0], { status: "delivered", mailboxes: ["Archive", "INBOX"] });
    assert.deepEqual(second[0], { status: "delivered", mailboxes: ["Archive"] });
  });

  test("notify mailto sends a notification through sendmail", async () => {
    const before = world.sent().length;
    await delivery.deliver(msg("alert"), lmtp, [{ address: "eve@loft.test" }]);
    const sent = world.sent().slice(before);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]!.args, ["-i", "-f", "<>", "--", "pager@far.test"]);
    assert.match(sent[0]!.data, /^Subject: New alert\r$/m);
    assert.match(sent[0]!.data, /^Auto-Submitted: auto-notified; owner-email="eve@loft\.test"\r$/m);
  });

  test("user+detail is the user; with save_to_detail_mailbox the detail names the mailbox", async () => {
    // Junk exists (an auto-created special-use mailbox); a detail naming no mailbox means INBOX.
    const [r] = await delivery.deliver(msg("detail"), lmtp, [{ address: "dana+Junk@loft.test" }]);
    assert.deepEqual(r, { status: "delivered", mailboxes: ["Archive", "Junk"] });
    assert.equal(maildirMessages(world.home("dana@loft.test"), "Junk").length, 1);
    const [other] = await delivery.deliver(msg("detail"), lmtp, [{ address: "dana+nothing@loft.test" }]);
    assert.deepEqual(other, { status: "delivered", mailboxes: ["Archive", "INBOX"] });
    const [plain] = await delivery.deliver(msg("no detail"), lmtp, [{ address: "dana@loft.test" }]);
    assert.deepEqual(plain, { status: "delivered", mailboxes: ["Archive", "INBOX"] });
  });
});
