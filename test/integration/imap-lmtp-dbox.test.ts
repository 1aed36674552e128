/**
 * Above the store nothing knows the format: with mail_location sdbox (and mdbox), a message
 * delivered over LMTP is served over IMAP like any other, and lands in a dbox file.
 */
import assert from "node:assert/strict";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { loft, run, tempDir } from "../helpers/cli.js";
import { LineClient } from "../helpers/line-client.js";
import { freePort, type RunningLoft, startLoft } from "../helpers/server.js";

const PASSWORD = "dbox-Secret-1";
const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of stops) await stop();
});

async function startServer(mailLocation: string) {
  const tmp = tempDir("loft-dbox-");
  const [imapPort, lmtpPort] = [await freePort(), await freePort()];
  const config = join(tmp.dir, "loft.toml");
  writeFileSync(
    config,
    [
      `mail_location = "${mailLocation}"`,
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
  const home = join(tmp.dir, "home");
  mkdirSync(home);
  const add = await loft(["user", "add", "dee@loft.test", "-p", PASSWORD, "--home", home], { cwd: tmp.dir });
  assert.equal(add.code, 0, add.stderr);
  const server: RunningLoft = startLoft(tmp.dir, ["-c", config]);
  stops.push(async () => {
    await server.stop();
    tmp.remove();
  });
  await server.waitFor(/loft started/);
  return { home, imapPort, lmtpPort };
}

for (const [format, mailDir] of [
  ["sdbox", join("sdbox", "mailboxes", "INBOX", "dbox-Mails")],
  ["mdbox", join("mdbox", "storage")],
] as const) {
  test(`${format}: a message delivered over LMTP is fetched over IMAP`, async () => {
    const { home, imapPort, lmtpPort } = await startServer(`${format}:~/${format}`);
    const body = `dbox body line for ${format}`;
    const r = await run("swaks", [
      "--protocol",
      "LMTP",
      "--server",
      `127.0.0.1:${lmtpPort}`,
      "--from",
      "s@far.test",
      "--to",
      "dee@loft.test",
      "--helo",
      "mta.far.test",
      "--header",
      `Subject: via ${format}`,
      "--body",
      body,
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const c = await LineClient.open(imapPort);
    await c.readUntil(/^\* OK /);
    c.send(`l LOGIN dee@loft.test ${PASSWORD}\r\ns SELECT INBOX\r\n`);
    assert.match(await c.readUntil(/^s OK/), /^\* 1 EXISTS/m);
    c.send("f UID FETCH 1 (FLAGS RFC822.SIZE BODY.PEEK[])\r\n");
    const fetched = await c.readUntil(/^f OK/);
    assert.match(fetched, /Subject: via /);
    assert.ok(fetched.includes(`${body}\r\n`), fetched);
    c.send("t UID STORE 1 +FLAGS (\\Seen)\r\n");
    assert.match(await c.readUntil(/^t OK/), /FLAGS \(\\Seen( \\Recent)?\)/);
    c.send("o LOGOUT\r\n");
    await c.readUntil(/^o OK/);
    c.close();
    const dir = join(home, mailDir);
    const file = readdirSync(dir).find((n) => /^[um]\.1$/.test(n));
    assert.ok(file, `a dbox file in ${dir}`);
    const bytes = readFileSync(join(dir, file));
    assert.match(bytes.toString("latin1"), /^2 M1e C[0-9a-f]+\n\x01\x02N {10}[0-9A-F]{16}\n/);
    assert.ok(bytes.includes(`${body}\n`), "stored with LF line ends");
  });
}
