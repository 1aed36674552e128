// ssl = required, side by side: a real Dovecot 2.3 and `loft serve` with tls.mode = "required"
// get the same commands before TLS from an address that is not the server's own, and must
// refuse them with the same replies.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { tempDir } from "../helpers/cli.js";
import { writeConfig } from "../helpers/config.js";
import { LineClient } from "../helpers/line-client.js";
import { freePort, type RunningLoft, startLoft } from "../helpers/server.js";

const canRun = existsSync("/usr/sbin/dovecot") && process.getuid?.() === 0;
const tmp = tempDir("loft-ssl-required-");
const ports = { dovecot: { imap: 0, pop3: 0, sieve: 0 }, loft: { imap: 0, pop3: 0, sieve: 0 } };
let loft: RunningLoft | undefined;
let dovecotStarted = false;

async function allocate(target: { imap: number; pop3: number; sieve: number }): Promise<void> {
  target.imap = await freePort();
  target.pop3 = await freePort();
  target.sieve = await freePort();
}

before(async () => {
  if (!canRun) return;
  const d = tmp.dir;
  chmodSync(d, 0o755);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "2",
    ].concat(["-subj", "/CN=loft.test", "-keyout", join(d, "key.pem"), "-out", join(d, "cert.pem")]),
    { stdio: "ignore" },
  );
  writeFileSync(join(d, "users"), `kim:{PLAIN}secret:8:8::${d}/home::\n`);
  await allocate(ports.dovecot);
  await allocate(ports.loft);
  const listener = (service: string, port: number) =>
    `service ${service}-login {\n  inet_listener ${service} {\n    address = 127.0.0.1\n    port = ${port}\n  }\n}\n`;
  writeFileSync(
    join(d, "dovecot.conf"),
    `base_dir = ${d}/run
state_dir = ${d}/state
log_path = ${d}/dovecot.log
instance_name = loft-ssl-required-${process.pid}
protocols = imap pop3 sieve
ssl = required
ssl_cert = <${d}/cert.pem
ssl_key = <${d}/key.pem
auth_mechanisms = plain login cram-md5
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = ${d}/users
}
userdb {
  driver = passwd-file
  args = ${d}/users
}
${listener("imap", ports.dovecot.imap)}${listener("pop3", ports.dovecot.pop3)}${listener("managesieve", ports.dovecot.sieve).replace("inet_listener managesieve", "inet_listener sieve")}`,
  );
  // Dovecot daemonizes: its children must not hold our pipes open.
  execFileSync("dovecot", ["-c", join(d, "dovecot.conf")], { stdio: "ignore" });
  dovecotStarted = true;
  writeConfig(join(d, "loft.toml"), {
    auth: { passwd_file: "users" },
    tls: { cert: "cert.pem", key: "key.pem", mode: "required" },
    imap: { listen: [`127.0.0.1:${ports.loft.imap}`] },
    pop3: { listen: [`127.0.0.1:${ports.loft.pop3}`] },
    managesieve: { listen: [`127.0.0.1:${ports.loft.sieve}`] },
  });
  loft = startLoft(d, ["-c", "loft.toml"]);
  await loft.waitFor(/loft started/);
});

after(async () => {
  await loft?.stop();
  const pidFile = join(tmp.dir, "run", "master.pid");
  if (dovecotStarted && existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, "utf8"));
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + 10_000;
    while (existsSync(pidFile) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }
  tmp.remove();
});

/** Connects from 127.0.0.2 (not the server's own address), retrying while the server starts. */
async function fromElsewhere(port: number): Promise<LineClient> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const socket = connect({ host: "127.0.0.1", port, localAddress: "127.0.0.2" });
      await new Promise<void>((resolve, reject) => {
        socket.once("connect", () => resolve());
        socket.once("error", reject);
      });
      return LineClient.over(socket);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Sends each command and keeps the line that ends its reply (`end` picks it). */
async function replies(port: number, greetingEnd: RegExp, steps: [string, RegExp][]): Promise<string[]> {
  const c = await fromElsewhere(port);
  const out = [await c.readUntil(greetingEnd)];
  for (const [command, end] of steps) {
    c.send(`${command}\r\n`);
    const text = await c.readUntil(end);
    out.push(text.split("\r\n").filter((l) => end.test(l))[0] ?? text);
  }
  c.close();
  return out;
}

const plain = Buffer.from("\0kim\0secret").toString("base64");
const run = { skip: !canRun && "needs root and Dovecot" };

test("IMAP: the same refusals; LOGINDISABLED and no AUTH= in both greetings", run, async () => {
  const steps: [string, RegExp][] = [
    ["a LOGIN kim secret", /^a /],
    [`b AUTHENTICATE PLAIN ${plain}`, /^b /],
    ["c AUTHENTICATE CRAM-MD5", /^c /],
  ];
  const [dGreeting, ...dovecot] = await replies(ports.dovecot.imap, /^\* OK /, steps);
  const [lGreeting, ...ours] = await replies(ports.loft.imap, /^\* OK /, steps);
  assert.deepEqual(ours, dovecot);
  for (const greeting of [dGreeting!, lGreeting!]) {
    assert.match(greeting, /STARTTLS LOGINDISABLED\]/);
    assert.doesNotMatch(greeting, /AUTH=/);
  }
});

test("POP3: the same refusals for USER, PASS and AUTH, and the same empty AUTH list", run, async () => {
  const steps: [string, RegExp][] = [
    ["USER kim", /^[-+]/],
    ["PASS secret", /^[-+]/],
    [`AUTH PLAIN ${plain}`, /^[-+]/],
    ["AUTH CRAM-MD5", /^[-+]/],
    ["AUTH", /^\.\r\n/],
  ];
  const [, ...dovecot] = await replies(ports.dovecot.pop3, /^\+OK /, steps);
  const [, ...ours] = await replies(ports.loft.pop3, /^\+OK /, steps);
  assert.deepEqual(ours, dovecot);
});

test('ManageSieve: the same NO (ENCRYPT-NEEDED) and "SASL" ""', run, async () => {
  const steps: [string, RegExp][] = [
    [`AUTHENTICATE "PLAIN" "${plain}"`, /^(OK|NO|BYE)/],
    ['AUTHENTICATE "CRAM-MD5"', /^(OK|NO|BYE)/],
  ];
  const [dGreeting, ...dovecot] = await replies(ports.dovecot.sieve, /^OK /, steps);
  const [lGreeting, ...ours] = await replies(ports.loft.sieve, /^OK /, steps);
  assert.deepEqual(ours, dovecot);
  for (const greeting of [dGreeting!, lGreeting!]) assert.match(greeting, /^"SASL" ""\r$/m);
});
