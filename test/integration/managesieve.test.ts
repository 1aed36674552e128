import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { loft, run, tempDir } from "../helpers/cli.js";
import { writeConfig } from "../helpers/config.js";
import { LineClient } from "../helpers/line-client.js";
import { freePort, type RunningLoft, startLoft } from "../helpers/server.js";

const tmp = tempDir("loft-managesieve-");
const home = join(tmp.dir, "home", "jo");
const PASSWORD = "jo-Secret-1";
const MAIL_UID = 8; // Debian's `mail` user: Dovecot's tools refuse to run as root.
let port: number;
let lmtpPort: number;
let server: RunningLoft;

const SCRIPT =
  'require "fileinto";\r\nif header :contains "subject" "report" {\r\n  fileinto "Reports";\r\n}\r\n';

before(async () => {
  port = await freePort();
  lmtpPort = await freePort();
  chmodSync(tmp.dir, 0o755);
  mkdirSync(home, { recursive: true });
  chownSync(home, MAIL_UID, MAIL_UID);
  chownSync(join(tmp.dir, "home"), MAIL_UID, MAIL_UID);
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=localhost",
      "-keyout",
      join(tmp.dir, "key.pem"),
      "-out",
      join(tmp.dir, "cert.pem"),
    ],
    { stdio: "ignore" },
  );
  writeConfig(join(tmp.dir, "loft.toml"), {
    tls: { cert: "cert.pem", key: "key.pem" },
    state_dir: "state",
    auth: { passwd_file: "users", failure_delay: 0.2, penalty_max: 0.3, username_format: "%Ln" },
    sieve: { max_script_size: "2K", quota_max_scripts: 3 },
    managesieve: { listen: [`127.0.0.1:${port}`] },
    lmtp: { listen: [`127.0.0.1:${lmtpPort}`] },
    log: { level: "debug" },
  });
  const add = await loft(
    ["user", "add", "jo", "-p", PASSWORD, "-s", "SHA512-CRYPT", "--home", home, "--uid", "8", "--gid", "8"],
    { cwd: tmp.dir },
  );
  assert.equal(add.code, 0, add.stderr);
  server = startLoft(tmp.dir, ["-c", join(tmp.dir, "loft.toml")]);
  await server.waitFor(/loft started/);
});

after(async () => {
  await server?.stop();
  tmp.remove();
});

function sieveConnect(args: string[]) {
  return run(
    "sieve-connect",
    [
      "-s",
      "127.0.0.1",
      "-p",
      String(port),
      "-u",
      "jo",
      "--passwordfd",
      "0",
      "--clearchan",
      "--notlsverify",
      "--authmech",
      "PLAIN",
      ...args,
    ],
    { input: `${PASSWORD}\n`, timeoutMs: 20_000 },
  );
}

/** Messages in the user's Reports mailbox (Maildir++). */
function reportFiles(): string[] {
  const folder = join(home, "Maildir", ".Reports");
  return ["new", "cur"].flatMap((d) => (existsSync(join(folder, d)) ? readdirSync(join(folder, d)) : []));
}

async function loggedIn(): Promise<LineClient> {
  const c = await LineClient.open(port);
  await c.readUntil(/^OK /);
  c.send(`AUTHENTICATE "PLAIN" "${Buffer.from(`\0jo\0${PASSWORD}`).toString("base64")}"\r\n`);
  assert.match(await c.readUntil(/^(OK|NO|BYE)/), /^OK "Logged in\."/);
  return c;
}

describe("sieve-connect against Loft", () => {
  test("upload, list, activate, download, deactivate and delete a script", async () => {
    const local = join(tmp.dir, "filter.sieve");
    writeFileSync(local, SCRIPT);
    let r = await sieveConnect(["--upload", "--localsieve", local, "--remotesieve", "filter"]);
    assert.equal(r.code, 0, r.stderr);
    r = await sieveConnect(["--activate", "--remotesieve", "filter"]);
    assert.equal(r.code, 0, r.stderr);
    r = await sieveConnect(["--list"]);
    assert.match(r.stdout, /^"filter" ACTIVE$/m);
    assert.equal(readlinkSync(join(home, ".dovecot.sieve")), "sieve/filter.sieve");
    assert.equal(statSync(join(home, "sieve", "filter.sieve")).uid, MAIL_UID, "owned by the user's uid");

    // The next LMTP delivery follows the newly active script.
    assert.equal((await loft(["mailbox", "create", "-u", "jo", "Reports"], { cwd: tmp.dir })).code, 0);
    const before = reportFiles().length;
    const swaks = await run(
      "swaks",
      [
        "--protocol",
        "LMTP",
        "--server",
        `127.0.0.1:${lmtpPort}`,
        "--to",
        "Jo@example.org",
        "--from",
        "a@example.org",
      ].concat(["--header", "Subject: monthly report", "--body", "numbers"]),
      { timeoutMs: 20_000 },
    );
    assert.equal(swaks.code, 0, swaks.stdout);
    assert.equal(reportFiles().length, before + 1, "filed into Reports by the uploaded script");

    const copy = join(tmp.dir, "downloaded.sieve");
    r = await sieveConnect(["--download", "--remotesieve", "filter", "--localsieve", copy]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(copy, "utf8"), SCRIPT);

    r = await sieveConnect(["--delete", "--remotesieve", "filter"]);
    assert.notEqual(r.code, 0, "the active script cannot be deleted");
    assert.ok(existsSync(join(home, "sieve", "filter.sieve")));
    r = await sieveConnect(["--deactivate"]);
    assert.equal(r.code, 0, r.stderr);
    r = await sieveConnect(["--delete", "--remotesieve", "filter"]);
    assert.equal(r.code, 0, r.stderr);
    r = await sieveConnect(["--list"]);
    assert.doesNotMatch(r.stdout, /filter/);
    assert.ok(!existsSync(join(home, ".dovecot.sieve")));
  });
});

describe("ManageSieve over STARTTLS", () => {
  test("sieve-connect negotiates TLS, then authenticates and lists", async () => {
    const r = await run(
      "sieve-connect",
      [
        "-s",
        "127.0.0.1",
        "-p",
        String(port),
        "-u",
        "jo",
        "--passwordfd",
        "0",
        "--notlsverify",
        "--authmech",
        "PLAIN",
        "--list",
      ],
      { input: `${PASSWORD}\n`, timeoutMs: 20_000 },
    );
    assert.equal(r.code, 0, r.stderr);
  });

  test("after STARTTLS the capabilities come again, without STARTTLS", async () => {
    const c = await LineClient.open(port);
    await c.readUntil(/^OK /);
    c.send("STARTTLS\r\n");
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK "Begin TLS negotiation now\."/);
    const { connect } = await import("node:tls");
    const secure = connect({ socket: c.socket, rejectUnauthorized: false });
    let text = "";
    secure.on("data", (d) => {
      text += d;
    });
    const deadline = Date.now() + 5000;
    while (!/^OK /m.test(text)) {
      assert.ok(Date.now() < deadline, `no capabilities after the handshake: ${text}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.match(text, /^"SASL" "PLAIN LOGIN"\r\n/m);
    assert.doesNotMatch(text, /"STARTTLS"/);
    secure.destroy();
  });
});

describe("ManageSieve replies", () => {
  test("greeting and capabilities before and after login", async () => {
    const c = await LineClient.open(port);
    const greeting = await c.readUntil(/^OK /);
    assert.match(greeting, /^"IMPLEMENTATION" "Loft"\r\n"SIEVE" "[^"]*fileinto[^"]*"\r\n/);
    assert.match(greeting, /^"SASL" "PLAIN LOGIN"\r\n/m);
    assert.match(greeting, /^"VERSION" "1\.0"\r\n/m);
    assert.match(greeting, /^"STARTTLS"\r\n/m);
    c.send("LISTSCRIPTS\r\n");
    assert.match(await c.readUntil(/^(OK|NO)/), /^NO "Authenticate first\."/);
    c.send("CAPABILITY\r\n");
    c.close();
    const li = await loggedIn();
    li.send("CAPABILITY\r\n");
    const caps = await li.readUntil(/^OK /);
    assert.doesNotMatch(caps, /"SASL"/);
    assert.match(caps, /^"MAXREDIRECTS" "4"\r\n/m);
    li.send('NOOP "t1"\r\n');
    assert.equal(await li.readUntil(/^OK/), 'OK (TAG "t1") "Done"\r\n');
    li.send("LOGOUT\r\n");
    assert.match(await li.readUntil(/^OK/), /Logout completed/);
    await li.closed;
  });

  test("a script with errors is refused with its line number; warnings-free scripts are stored", async () => {
    const c = await loggedIn();
    const bad = 'require "fileinto";\r\n\r\nfileinto "x"\r\nkeep;\r\n';
    c.send(`PUTSCRIPT "bad" {${bad.length}+}\r\n${bad}\r\n`);
    const reply = await c.readUntil(/^(OK|NO)/);
    assert.match(reply, /^NO \{\d+\}\r\n/);
    assert.match(reply, /bad: line [34]: error: /);
    assert.ok(!existsSync(join(home, "sieve", "bad.sieve")), "nothing stored");
    c.send(`CHECKSCRIPT {${bad.length}+}\r\n${bad}\r\n`);
    assert.match(await c.readUntil(/^(OK|NO)/), /^NO [\s\S]*line [34]: error/);
    c.send(`CHECKSCRIPT "keep;"\r\n`);
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK/);
    // As Pigeonhole: each message ends with a full stop; bad syntax "parse failed", the rest "validation failed".
    const unknown = 'require "vacationx";\r\nkeep;\r\n';
    c.send(`CHECKSCRIPT {${unknown.length}+}\r\n${unknown}\r\n`);
    assert.match(
      await c.readUntil(/^(OK|NO)/),
      /^NO \{\d+\}\r\nline 1: error: require command: unknown Sieve capability .vacationx.\.\r\nerror: validation failed\.\r\n/,
    );
    const unclosed = "if true {\r\n  keep;\r\n";
    c.send(`PUTSCRIPT "unclosed" {${unclosed.length}+}\r\n${unclosed}\r\n`);
    assert.match(
      await c.readUntil(/^(OK|NO)/),
      /\r\nunclosed: line \d+: error: [^\r]+\.\r\nunclosed: error: parse failed\.\r\n/,
    );
    c.close();
  });

  test("quotas: script size and count, HAVESPACE agreeing with PUTSCRIPT", async () => {
    const c = await loggedIn();
    const big = `# ${"x".repeat(2100)}\r\nkeep;\r\n`;
    c.send(`HAVESPACE "big" ${big.length}\r\n`);
    assert.match(
      await c.readUntil(/^(OK|NO)/),
      /^NO \(QUOTA\/MAXSIZE\) "Script is too large \(max 2048 bytes\)\."/,
    );
    c.send(`PUTSCRIPT "big" {${big.length}+}\r\n${big}\r\n`);
    assert.match(await c.readUntil(/^(OK|NO)/), /^NO \(QUOTA\/MAXSIZE\)/);
    // Far over the limit: the literal is skipped unread and the session goes on.
    const huge = 5_000_000;
    c.send(`PUTSCRIPT "huge" {${huge}+}\r\n`);
    c.send(Buffer.alloc(huge, 0x61));
    c.send("\r\n");
    assert.match(await c.readUntil(/^(OK|NO)/, 15_000), /^NO \(QUOTA\/MAXSIZE\)/);
    c.send('HAVESPACE "small" 10\r\n');
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK/);
    for (const name of ["a", "b", "c"]) {
      c.send(`PUTSCRIPT "${name}" "keep;"\r\n`);
      assert.match(await c.readUntil(/^(OK|NO)/), /^OK "PUTSCRIPT completed\."/);
    }
    c.send('HAVESPACE "d" 5\r\n');
    assert.match(await c.readUntil(/^(OK|NO)/), /^NO \(QUOTA\/MAXSCRIPTS\)/);
    c.send('PUTSCRIPT "d" "keep;"\r\n');
    assert.match(await c.readUntil(/^(OK|NO)/), /^NO \(QUOTA\/MAXSCRIPTS\)/);
    c.send('PUTSCRIPT "a" "discard;"\r\n');
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK/, "replacing a script needs no new room");
    for (const name of ["a", "b", "c"]) {
      c.send(`DELETESCRIPT "${name}"\r\n`);
      assert.match(await c.readUntil(/^(OK|NO)/), /^OK/);
    }
    c.close();
  });

  test("active script rules, rename, GETSCRIPT literal, names", async () => {
    const c = await loggedIn();
    c.send('PUTSCRIPT "one" "keep;"\r\nSETACTIVE "one"\r\nDELETESCRIPT "one"\r\n');
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK/);
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK/);
    assert.equal(await c.readUntil(/^(OK|NO)/), 'NO (ACTIVE) "Cannot delete the active Sieve script."\r\n');
    c.send('RENAMESCRIPT "one" "two"\r\n');
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK/);
    assert.equal(
      readlinkSync(join(home, ".dovecot.sieve")),
      "sieve/two.sieve",
      "the active script follows its rename",
    );
    c.send('PUTSCRIPT "three" "keep;"\r\nRENAMESCRIPT "three" "two"\r\n');
    await c.readUntil(/^(OK|NO)/);
    assert.match(await c.readUntil(/^(OK|NO)/), /^NO \(ALREADYEXISTS\)/);
    c.send('GETSCRIPT "two"\r\n');
    assert.equal(await c.readUntil(/^OK/), '{5}\r\nkeep;\r\nOK "Getscript completed."\r\n');
    c.send('GETSCRIPT "nope"\r\n');
    assert.equal(await c.readUntil(/^(OK|NO)/), 'NO (NONEXISTENT) "Sieve script `nope\' not found"\r\n');
    // Pigeonhole's words, which differ by command.
    for (const bad of ["../evil", "a/b", ""]) {
      c.send(`PUTSCRIPT "${bad}" "keep;"\r\n`);
      assert.equal(await c.readUntil(/^(OK|NO)/), `NO "Invalid Sieve script name \`${bad}'."\r\n`, bad);
    }
    for (const [command, reply] of [
      ['SETACTIVE "a/b"', "Invalid script name `a/b'."],
      ['GETSCRIPT "../x"', "Invalid script name `../x'."],
      ['DELETESCRIPT "a/b"', "Invalid script name `a/b'."],
      ['RENAMESCRIPT "a/b" "x"', "Invalid script name `a/b'."],
      ['RENAMESCRIPT "two" "a/b"', "Invalid new Sieve script name `a/b'."],
      ['HAVESPACE "a/b" 10', "Invalid script name."],
    ]) {
      c.send(`${command}\r\n`);
      assert.equal(await c.readUntil(/^(OK|NO)/), `NO "${reply}"\r\n`, command);
    }
    c.send('CHECKSCRIPT "keep;"\r\n');
    assert.equal(await c.readUntil(/^(OK|NO)/), 'OK "Script checked successfully."\r\n');
    assert.deepEqual(readdirSync(join(home, "sieve")).sort(), ["three.sieve", "tmp", "two.sieve"]);
    c.send('SETACTIVE ""\r\nDELETESCRIPT "two"\r\nDELETESCRIPT "three"\r\n');
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK "Active script is now deactivated\."/);
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK/);
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK/);
    c.close();
  });

  test("SASL LOGIN with continuations, a wrong password, cancel and UNAUTHENTICATE", async () => {
    const c = await LineClient.open(port);
    await c.readUntil(/^OK /);
    c.send('AUTHENTICATE "LOGIN"\r\n');
    assert.equal(await c.readUntil(/./), `"${Buffer.from("Username:").toString("base64")}"\r\n`);
    c.send(`"${Buffer.from("jo").toString("base64")}"\r\n`);
    assert.equal(await c.readUntil(/./), `"${Buffer.from("Password:").toString("base64")}"\r\n`);
    c.send(
      `{${Buffer.from("wrong").toString("base64").length}+}\r\n${Buffer.from("wrong").toString("base64")}\r\n`,
    );
    assert.equal(await c.readUntil(/^(OK|NO)/), 'NO "Authentication failed."\r\n');
    c.send('AUTHENTICATE "PLAIN"\r\n');
    assert.equal(await c.readUntil(/./), '""\r\n');
    c.send('"*"\r\n');
    assert.match(await c.readUntil(/^(OK|NO)/), /^NO "Authentication aborted/);
    c.send('AUTHENTICATE "CRAM-MD5"\r\n');
    assert.match(await c.readUntil(/^(OK|NO)/), /^NO "Unsupported SASL mechanism\."/);
    c.send(`AUTHENTICATE "PLAIN" "${Buffer.from(`\0jo\0${PASSWORD}`).toString("base64")}"\r\n`);
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK/);
    c.send("UNAUTHENTICATE\r\nLISTSCRIPTS\r\n");
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK/);
    assert.match(await c.readUntil(/^(OK|NO)/), /^NO "Authenticate first\."/);
    c.close();
    assert.ok(!server.output().includes(PASSWORD), "the password is never logged");
    assert.match(server.output(), /"protocol":"managesieve".*"msg":"authentication failed"/);
  });

  test("a user added to the passwd-file while the server runs can log in (the file is re-read)", async () => {
    const add = await loft(
      ["user", "add", "late", "-p", "late-pw", "-s", "PLAIN", "--home", join(tmp.dir, "home", "late")],
      {
        cwd: tmp.dir,
      },
    );
    assert.equal(add.code, 0, add.stderr);
    const deadline = Date.now() + 5000;
    for (;;) {
      const c = await LineClient.open(port);
      await c.readUntil(/^OK /);
      c.send(`AUTHENTICATE "PLAIN" "${Buffer.from("\0late\0late-pw").toString("base64")}"\r\n`);
      const reply = await c.readUntil(/^(OK|NO)/);
      c.close();
      if (reply.startsWith("OK")) break;
      assert.ok(Date.now() < deadline, "the new user could not log in within 5 s");
    }
    assert.match(server.output(), /passwd-file reloaded/);
  });

  test("malformed input gets NO or BYE, never a crash", async () => {
    const c = await LineClient.open(port);
    await c.readUntil(/^OK /);
    c.send("FROBNICATE\r\n");
    assert.match(
      await c.readUntil(/^(OK|NO)/),
      /^NO "Error in MANAGESIEVE command FROBNICATE: Unknown command\."/,
    );
    c.send('PUTSCRIPT "x" "unterminated\r\n');
    assert.match(await c.readUntil(/^(OK|NO)/), /^NO /);
    c.send("NOOP {x}\r\n");
    assert.match(await c.readUntil(/^(OK|NO)/), /^NO /);
    c.send(`NOOP "${"a".repeat(70_000)}"\r\n`);
    assert.match(await c.readUntil(/^(OK|NO)/), /^NO .*too long/);
    c.send("NOOP\r\n");
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK/, "still in step after the errors");
    for (let i = 0; i < 10; i++) c.send("BOGUS\r\n");
    assert.match(await c.readUntil(/^BYE/), /BYE "Too many invalid commands\."/);
    await c.closed;
    // An unterminated literal, then a hang-up.
    const d = await LineClient.open(port);
    await d.readUntil(/^OK /);
    d.send('PUTSCRIPT "x" {100+}\r\nshort');
    d.close();
    const e = await LineClient.open(port);
    assert.match(await e.readUntil(/^OK /), /ready/);
    e.close();
  });
});

describe("interoperating with Pigeonhole", {
  skip: process.getuid?.() !== 0 && "Dovecot's tools run as the mail user: needs root",
}, () => {
  test("a script uploaded through Loft compiles with sievec and Dovecot's LDA applies it", async () => {
    const c = await loggedIn();
    c.send(`PUTSCRIPT "filter" {${SCRIPT.length}+}\r\n${SCRIPT}\r\nSETACTIVE "filter"\r\n`);
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK/);
    assert.match(await c.readUntil(/^(OK|NO)/), /^OK/);
    c.close();

    const dove = join(tmp.dir, "dovecot");
    mkdirSync(dove, { recursive: true });
    chownSync(dove, MAIL_UID, MAIL_UID);
    const conf = join(dove, "dovecot.conf");
    writeFileSync(
      conf,
      [
        `base_dir = ${dove}/run`,
        `state_dir = ${dove}/state`,
        `log_path = ${dove}/dovecot.log`,
        "ssl = no",
        "mail_location = maildir:~/Maildir",
        "lda_mailbox_autocreate = yes",
        "protocol lda {\n  mail_plugins = sieve\n}",
        "plugin {\n  sieve = file:~/sieve;active=~/.dovecot.sieve\n}",
        "",
      ].join("\n"),
    );
    const asMail = (cmd: string, args: string[], input?: string) =>
      execFileSync("setpriv", ["--reuid=mail", "--regid=mail", "--clear-groups", cmd, ...args], {
        env: { PATH: process.env.PATH, USER: "jo", HOME: home },
        input,
        encoding: "utf8",
      });
    asMail("sievec", ["-c", conf, join(home, "sieve", "filter.sieve"), join(dove, "filter.svbin")]);
    assert.ok(existsSync(join(dove, "filter.svbin")), "Pigeonhole compiled the script");

    const message =
      "From: a@example.org\nTo: jo@example.org\nSubject: monthly report\nMessage-ID: <r1@example.org>\n\nnumbers\n";
    const before = reportFiles().length;
    asMail("/usr/lib/dovecot/dovecot-lda", ["-c", conf, "-f", "a@example.org"], message);
    assert.equal(
      reportFiles().length,
      before + 1,
      `the script filed the message into Reports: ${readFileSync(join(dove, "dovecot.log"), "utf8")}`,
    );
  });
});
