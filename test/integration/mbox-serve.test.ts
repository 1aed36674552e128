/**
 * With mail_location = mbox, LMTP delivery and IMAP run unchanged over the mbox backend: a message
 * delivered by LMTP is fetched over IMAP, and flags set over IMAP land in the mbox file's headers.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loft, run, tempDir } from "../helpers/cli.js";
import { LineClient } from "../helpers/line-client.js";
import { freePort, type RunningLoft, startLoft } from "../helpers/server.js";

const PASSWORD = "mbox-Secret-1";
const USER = "mo@loft.test";
let server: RunningLoft;
let tmp: ReturnType<typeof tempDir>;
let imapPort: number;
let lmtpPort: number;

before(async () => {
  tmp = tempDir("loft-mbox-serve-");
  imapPort = await freePort();
  lmtpPort = await freePort();
  const config = join(tmp.dir, "loft.toml");
  writeFileSync(
    config,
    [
      'mail_location = "mbox:~/mail:INBOX=~/spool/%n"',
      'state_dir = "state"',
      "[auth]",
      'passwd_file = "users"',
      "[imap]",
      `listen = ["127.0.0.1:${imapPort}"]`,
      "[lmtp]",
      `listen = ["127.0.0.1:${lmtpPort}"]`,
      "[pop3]",
      "listen = []",
      "[managesieve]",
      "listen = []",
      "[log]",
      'format = "json"',
    ].join("\n"),
  );
  mkdirSync(join(tmp.dir, "home", "mo"), { recursive: true });
  const add = await loft(["user", "add", USER, "-p", PASSWORD, "--home", join(tmp.dir, "home", "mo")], {
    cwd: tmp.dir,
  });
  assert.equal(add.code, 0, add.stderr);
  server = startLoft(tmp.dir, ["-c", config]);
  await server.waitFor(/loft started/);
});

after(async () => {
  await server?.stop();
  tmp?.remove();
});

test("LMTP delivery into an mbox INBOX, fetched and flagged over IMAP", async () => {
  const r = await run("swaks", [
    "--protocol",
    "LMTP",
    "--server",
    `127.0.0.1:${lmtpPort}`,
    "--from",
    "s@far.test",
    "--to",
    USER,
    "--helo",
    "mta.far.test",
    "--header",
    "Subject: over lmtp",
    "--body",
    "line one\nFrom here on a body line\n",
  ]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const spool = join(tmp.dir, "home", "mo", "spool", "mo");
  const file = readFileSync(spool, "latin1");
  assert.match(file, /^From s@far\.test {2}\w{3} \w{3} \d\d \d\d:\d\d:\d\d \d{4}\n/);
  assert.match(
    file,
    /^X-IMAPbase: \d+ 0000000001\nX-UID: 1\nStatus: \nX-Keywords: +\nContent-Length: \d+\n\n/m,
  );

  const c = await LineClient.open(imapPort);
  await c.readUntil(/^\* OK /);
  c.send(`l LOGIN ${USER} ${PASSWORD}\r\ns SELECT INBOX\r\n`);
  assert.match(await c.readUntil(/^s OK/), /^\* 1 EXISTS/m);
  c.send("f UID FETCH 1 (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[TEXT])\r\n");
  const fetched = await c.readUntil(/^f OK/);
  assert.match(fetched, /Subject: over lmtp\r\n/);
  assert.match(fetched, /line one\r\n>From here on a body line\r\n/);
  assert.doesNotMatch(fetched, /X-UID|X-Keywords|Content-Length|X-IMAPbase/);
  c.send("t UID STORE 1 +FLAGS (\\Flagged Important)\r\n");
  assert.match(await c.readUntil(/^t OK/), /FLAGS \(.*\\Flagged/);
  c.send("o LOGOUT\r\n");
  await c.readUntil(/^o OK/);
  c.close();
  const after = readFileSync(spool, "latin1");
  assert.match(after, /^X-IMAPbase: \d+ 0000000001 Important\n/m);
  assert.match(after, /^Status: O\nX-Status: F\nX-Keywords: Important +\n/m);
  assert.equal(after.length, file.length, "flags were written in place, in the padding");
});
