// Postfix end to end: a private Postfix instance (its own config directory, loopback only)
// hands mail to Loft through lmtp:unix, lmtp:inet and mailbox_command = loft-lda.
import assert from "node:assert/strict";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { maildirMessages } from "../fixtures/delivery/setup.js";
import { REPO, run, tempDir } from "../helpers/cli.js";
import { freePort, type RunningLoft, startLoft } from "../helpers/server.js";

const MAIL_UID = 8; // Debian's `mail`: a local account for Postfix's local(8) and mailbox_command.
const usable = process.getuid?.() === 0 && existsSync("/usr/sbin/postfix");
const tmp = tempDir("loft-postfix-");
const P = tmp.dir;
const conf = join(P, "postfix");
let server: RunningLoft | undefined;
let postfixStarted = false;

const MASTER_CF = [
  "pickup unix n - n 60 1 pickup",
  "cleanup unix n - n - 0 cleanup",
  "qmgr unix n - n 300 1 qmgr",
  "rewrite unix - - n - - trivial-rewrite",
  "bounce unix - - n - 0 bounce",
  "defer unix - - n - 0 bounce",
  "trace unix - - n - 0 bounce",
  "verify unix - - n - 1 verify",
  "flush unix n - n 1000? 0 flush",
  "proxymap unix - - n - - proxymap",
  "showq unix n - n - - showq",
  "error unix - - n - - error",
  "retry unix - - n - - error",
  "discard unix - - n - - discard",
  "local unix - n n - - local",
  "lmtp unix - - n - - lmtp",
  "anvil unix - - n - 1 anvil",
  "scache unix - - n - 1 scache",
  "postlog unix-dgram n - n - 1 postlogd",
];

function postfix(...args: string[]) {
  return run("/usr/sbin/postfix", ["-c", conf, ...args]);
}

function sendmail(from: string, to: string, text: string) {
  return run("/usr/sbin/sendmail", ["-C", conf, "-f", from, to], { input: text });
}

async function until(what: string, check: () => boolean, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) {
      const log = existsSync(join(P, "maillog")) ? readFileSync(join(P, "maillog"), "utf8").slice(-3000) : "";
      throw new Error(`timed out waiting for ${what}\n${log}\n${server?.output().slice(-2000) ?? ""}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  if (!usable) return;
  chmodSync(P, 0o755);
  const port = await freePort();
  const home = (u: string) => join(P, "home", u);
  for (const u of ["ann", "bob", "mail"]) mkdirSync(home(u), { recursive: true });
  chownSync(home("mail"), MAIL_UID, MAIL_UID);
  mkdirSync(join(home("ann"), "sieve"));
  writeFileSync(
    join(home("ann"), "sieve", "main.sieve"),
    'require "reject";\nif header :contains "subject" "reject me" { reject "Ann does not take this."; }\n',
  );
  symlinkSync("sieve/main.sieve", join(home("ann"), ".dovecot.sieve"));
  writeFileSync(
    join(P, "users"),
    `ann@u.test:{PLAIN}x:::,:${home("ann")}::\nbob@i.test:{PLAIN}x:::,:${home("bob")}::\nmail:{PLAIN}x:::,:${home("mail")}::\n`,
  );
  const loftConfig = join(P, "loft.toml");
  writeFileSync(
    loftConfig,
    [
      `[auth]\npasswd_file = "${join(P, "users")}"`,
      '[log]\nformat = "json"',
      "[managesieve]\nlisten = []\n[imap]\nlisten = []\n[pop3]\nlisten = []",
      `[lmtp]\nlisten = ["127.0.0.1:${port}", "unix:${join(P, "lmtp.sock")}"]`,
      `[delivery]\nhostname = "mx.loft.test"\nsendmail_path = "/usr/sbin/sendmail -C ${conf}"`,
    ].join("\n"),
  );
  chmodSync(loftConfig, 0o644);
  chmodSync(join(P, "users"), 0o644);

  mkdirSync(conf);
  mkdirSync(join(P, "queue"));
  mkdirSync(join(P, "data"));
  chownSync(join(P, "data"), Number((await run("id", ["-u", "postfix"])).stdout), 0);
  writeFileSync(join(conf, "master.cf"), `${MASTER_CF.join("\n")}\n`);
  const lda = `${process.execPath} ${join(REPO, "bin", "loft-lda")} -c ${loftConfig} -d "$USER" -f "$SENDER"`;
  writeFileSync(
    join(conf, "main.cf"),
    [
      "compatibility_level = 3.6",
      `queue_directory = ${join(P, "queue")}`,
      `data_directory = ${join(P, "data")}`,
      `maillog_file = ${join(P, "maillog")}`,
      `maillog_file_prefixes = ${P}`,
      "mail_owner = postfix",
      "myhostname = mx.loft.test",
      "mydomain = loft.test",
      "myorigin = loft.test",
      "mydestination = loft.test",
      "inet_interfaces = loopback-only",
      "inet_protocols = ipv4",
      "alias_maps =",
      "alias_database =",
      "local_recipient_maps =",
      "relay_domains = u.test i.test",
      `transport_maps = inline:{ u.test=lmtp:unix:${join(P, "lmtp.sock")}, i.test=lmtp:inet:127.0.0.1:${port} }`,
      `mailbox_command = ${lda}`,
      "smtputf8_enable = no",
      "biff = no",
      "",
    ].join("\n"),
  );

  server = startLoft(P, ["-c", loftConfig]);
  await server.waitFor(/loft started/);
  const started = await postfix("start");
  assert.equal(started.code, 0, started.stderr);
  postfixStarted = true;
});

after(async () => {
  if (postfixStarted) await postfix("stop");
  await server?.stop();
  tmp.remove();
});

describe("Postfix end to end", { skip: usable ? false : "needs root and Debian's postfix" }, () => {
  const home = (u: string) => join(P, "home", u);

  test("100 messages through lmtp:unix, lmtp:inet and mailbox_command are all stored once", async () => {
    // loft-lda starts a process per message: a tenth of them take that route.
    for (let i = 0; i < 100; i++) {
      const to = i % 10 === 9 ? "mail@loft.test" : i % 2 === 0 ? "ann@u.test" : "bob@i.test";
      const r = await sendmail(
        "sender@loft.test",
        to,
        `From: <sender@loft.test>\nTo: <${to}>\nSubject: msg ${i}\nMessage-ID: <m${i}@loft.test>\n\nMessage ${i}.\n`,
      );
      assert.equal(r.code, 0, r.stderr);
    }
    const count = (u: string) => maildirMessages(home(u)).length;
    await until("100 deliveries", () => count("ann") + count("bob") + count("mail") >= 100);
    await new Promise((r) => setTimeout(r, 500));
    const seen = new Map<number, number>();
    for (const u of ["ann", "bob", "mail"]) {
      for (const m of maildirMessages(home(u))) {
        const n = Number(/^Subject: msg (\d+)$/m.exec(m.text)?.[1]);
        seen.set(n, (seen.get(n) ?? 0) + 1);
      }
    }
    assert.equal(seen.size, 100);
    assert.ok(
      [...seen.values()].every((c) => c === 1),
      "each message stored exactly once",
    );
    assert.equal(count("ann"), 50);
    assert.equal(count("bob"), 40);
    assert.equal(count("mail"), 10);
    const viaLmtp = maildirMessages(home("bob"))[0]!.text;
    assert.match(
      viaLmtp,
      /^Return-Path: <sender@loft\.test>\nDelivered-To: bob@i\.test\nReceived: from mx\.loft\.test/,
    );
  });

  test("a Sieve reject makes Postfix bounce to the sender", async () => {
    const before = maildirMessages(home("mail")).length;
    const r = await sendmail(
      "mail@loft.test",
      "ann@u.test",
      "From: <mail@loft.test>\nTo: <ann@u.test>\nSubject: reject me\n\nPlease.\n",
    );
    assert.equal(r.code, 0, r.stderr);
    await until("the bounce", () => maildirMessages(home("mail")).length > before);
    const bounce = maildirMessages(home("mail")).at(-1)!.text;
    assert.match(bounce, /^Subject: Undelivered Mail Returned to Sender$/m);
    assert.match(bounce, /552 5\.2\.0 <ann@u\.test> Ann does not take this\./);
    assert.ok(!maildirMessages(home("ann")).some((m) => m.text.includes("Subject: reject me")));
  });
});
