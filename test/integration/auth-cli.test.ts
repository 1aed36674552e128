import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loft, tempDir } from "../helpers/cli.js";

const tmp = tempDir();
const config = join(tmp.dir, "loft.toml");
const users = join(tmp.dir, "users");
const c = ["-c", config];

before(async () => {
  writeFileSync(config, '[auth]\npasswd_file = "users"\n[log]\nlevel = "debug"\nformat = "json"\n');
  writeFileSync(
    users,
    [
      "# users for the test",
      "plain:{PLAIN}plain-secret::::::userdb_quota_rule=*:storage=1G",
      "broken:{PLAIN}x:notanumber",
      "../escape:{PLAIN}x",
      ":{PLAIN}nobody",
      "",
    ].join("\n"),
  );
  for (const [user, scheme] of [
    ["sha", "SHA512-CRYPT"],
    ["argon", "ARGON2ID"],
  ]) {
    const r = await loft(["user", "add", user!, "-s", scheme!, "-p", `${user}-secret`, ...c]);
    assert.equal(r.code, 0, r.stderr);
  }
});
after(tmp.remove);

test("{PLAIN}, {SHA512-CRYPT} and {ARGON2ID} users authenticate; userdb fields are printed", async () => {
  const text = readFileSync(users, "utf8");
  assert.match(text, /^sha:\{SHA512-CRYPT\}\$6\$/m);
  assert.match(text, /^argon:\{ARGON2ID\}\$argon2id\$/m);
  for (const user of ["plain", "sha", "argon"]) {
    const r = await loft(["auth", "test", user, `${user}-secret`, ...c]);
    assert.equal(r.code, 0, `${user}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, new RegExp(`passdb: ${user} auth succeeded`));
    assert.match(r.stdout, new RegExp(`user=${user}\\n`));
  }
  const plain = await loft(["auth", "test", "plain", "plain-secret", ...c]);
  assert.match(plain.stdout, /quota_rule=\*:storage=1G/);
  assert.match(plain.stdout, /mail=maildir:~\/Maildir/);
});

test("wrong password and unknown user fail alike, exit 77, and the password is never logged", async () => {
  for (const [user, password] of [
    ["sha", "Wrong-Passw0rd-Sentinel"],
    ["nosuchuser", "Wrong-Passw0rd-Sentinel"],
  ]) {
    const r = await loft(["auth", "test", user!, password!, ...c]);
    assert.equal(r.code, 77);
    assert.equal(r.stdout, `passdb: ${user} auth failed\n`);
    assert.ok(!r.stderr.includes("Sentinel"), "password not in the log");
    assert.match(r.stderr, /authentication failed/);
  }
  const ok = await loft(["auth", "test", "argon", "argon-secret", ...c]);
  assert.ok(!ok.stderr.includes("argon-secret"), "password not in the log on success either");
});

test("malformed passwd-file lines are reported with file:line and skipped, never letting anyone in", async () => {
  const r = await loft(["user", "list", ...c]);
  assert.equal(r.code, 0);
  assert.deepEqual(r.stdout.trim().split("\n").sort(), ["argon", "plain", "sha"]);
  assert.ok(r.stderr.includes(`${users}:3: uid is not a number`), r.stderr);
  assert.ok(r.stderr.includes(`${users}:4: invalid user name`), r.stderr);
  assert.ok(r.stderr.includes(`${users}:5: empty user name`), r.stderr);
  for (const [user, pw] of [
    ["broken", "x"],
    ["../escape", "x"],
    ["", "nobody"],
  ]) {
    const a = await loft(["auth", "test", user!, pw!, ...c]);
    assert.equal(a.code, 77, `${user} must not log in`);
  }
});

test("user passwd, show and del edit the file in place, keeping other lines", async () => {
  let r = await loft(["user", "passwd", "plain", "-s", "SSHA256", "-p", "new-secret", ...c]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((await loft(["auth", "test", "plain", "new-secret", ...c])).code, 0);
  assert.equal((await loft(["auth", "test", "plain", "plain-secret", ...c])).code, 77);
  r = await loft(["user", "show", "plain", ...c]);
  assert.match(r.stdout, /quota_rule=\*:storage=1G/);
  assert.doesNotMatch(r.stdout, /SSHA256/);
  r = await loft(["user", "add", "plain", "-p", "x", ...c]);
  assert.equal(r.code, 65);
  assert.match(r.stderr, /already exists/);
  r = await loft(["user", "add", "bad/name", "-p", "x", ...c]);
  assert.equal(r.code, 64);
  r = await loft(["user", "del", "sha", ...c]);
  assert.equal(r.code, 0);
  assert.equal((await loft(["user", "delete", "sha", ...c])).code, 67, "delete is del's alias");
  const text = readFileSync(users, "utf8");
  assert.match(text, /^# users for the test$/m);
  assert.match(text, /^broken:\{PLAIN\}x:notanumber$/m);
  assert.doesNotMatch(text, /^sha:/m);
});

test("a passwd-file lock left behind makes user changes wait, then fail with what to do", async () => {
  writeFileSync(`${users}.lock`, "");
  try {
    const r = await loft(["user", "add", "waiter", "-p", "x", "-s", "PLAIN", ...c], { timeoutMs: 30_000 });
    assert.equal(r.code, 75);
    assert.match(r.stderr, /users\.lock has been held for 10 s; .*remove that stale lock file/);
    assert.doesNotMatch(readFileSync(users, "utf8"), /^waiter:/m);
  } finally {
    const { rmSync } = await import("node:fs");
    rmSync(`${users}.lock`, { force: true });
  }
});

test("a passwd_file that cannot be read is a config error naming it, never a stack trace", async () => {
  const dirConfig = join(tmp.dir, "dir-users.toml");
  writeFileSync(dirConfig, `[auth]\npasswd_file = ${JSON.stringify(tmp.dir)}\n`);
  for (const args of [
    ["user", "list"],
    ["user", "add", "newbie", "-p", "x"],
    ["auth", "test", "plain", "x"],
    ["mailbox", "list", "-u", "plain"],
  ]) {
    const r = await loft([...args, "-c", dirConfig]);
    assert.equal(r.code, 78, `${args.join(" ")}: ${r.stderr}`);
    assert.ok(r.stderr.includes(`cannot read passwd-file ${tmp.dir}: EISDIR`), r.stderr);
    assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
  }
});
