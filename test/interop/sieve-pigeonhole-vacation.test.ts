// Vacation's reply decision (RFC 5230 §4.5, RFC 3834 §2) against Pigeonhole executing the
// script (`sieve-test -e`), which logs whether it sent or discarded the response.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { sieveTest } from "../../src/cli/sieve-test.js";

const PIGEONHOLE = "/usr/bin/sieve-test";
const skip = existsSync(PIGEONHOLE) ? false : "Pigeonhole sieve-test is not installed";

interface Case {
  name: string;
  headers: string[];
  from: string;
  to: string;
}

const TO_BOB = ["From: alice@example.org", "To: Bob <bob@example.net>", "Subject: hello"];
const CASES: Case[] = [
  { name: "personal mail", headers: TO_BOB, from: "alice@example.org", to: "bob@example.net" },
  {
    name: "List-Id",
    headers: [...TO_BOB, "List-Id: <dev.example.org>"],
    from: "alice@example.org",
    to: "bob@example.net",
  },
  {
    name: "List-Unsubscribe",
    headers: [...TO_BOB, "List-Unsubscribe: <mailto:u@example.org>"],
    from: "alice@example.org",
    to: "bob@example.net",
  },
  {
    name: "Precedence: bulk",
    headers: [...TO_BOB, "Precedence: bulk"],
    from: "alice@example.org",
    to: "bob@example.net",
  },
  {
    name: "Precedence: junk",
    headers: [...TO_BOB, "Precedence: junk"],
    from: "alice@example.org",
    to: "bob@example.net",
  },
  {
    name: "Auto-Submitted: auto-replied",
    headers: [...TO_BOB, "Auto-Submitted: auto-replied"],
    from: "alice@example.org",
    to: "bob@example.net",
  },
  {
    name: "Auto-Submitted: no",
    headers: [...TO_BOB, "Auto-Submitted: no"],
    from: "alice@example.org",
    to: "bob@example.net",
  },
  { name: "MAILER-DAEMON", headers: TO_BOB, from: "MAILER-DAEMON@example.org", to: "bob@example.net" },
  { name: "owner- sender", headers: TO_BOB, from: "owner-dev@example.org", to: "bob@example.net" },
  { name: "-request sender", headers: TO_BOB, from: "dev-request@example.org", to: "bob@example.net" },
  {
    name: "not addressed to the user",
    headers: ["From: alice@example.org", "To: team@example.net", "Subject: x"],
    from: "alice@example.org",
    to: "carl@example.net",
  },
  {
    name: "addressed via :addresses",
    headers: ["From: alice@example.org", "To: alias@example.com", "Subject: x"],
    from: "alice@example.org",
    to: "carl@example.net",
  },
  {
    name: "in Cc",
    headers: ["From: alice@example.org", "To: x@example.org", "Cc: carl@example.net", "Subject: x"],
    from: "alice@example.org",
    to: "carl@example.net",
  },
];

const SCRIPT = 'require "vacation";\nvacation :addresses ["alias@example.com"] "I am away.";\n';

let dir = "";

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "loft-sieve-vacation-"));
  chmodSync(dir, 0o777);
  mkdirSync(join(dir, "mail"), { mode: 0o777 });
  chmodSync(join(dir, "mail"), 0o777);
  writeFileSync(join(dir, "v.sieve"), SCRIPT, { mode: 0o666 });
});

after(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

function pigeonholeSends(message: string, c: Case): boolean {
  const args = [
    "-e",
    "-l",
    `maildir:${join(dir, "mail")}`,
    "-f",
    c.from,
    "-r",
    c.to,
    join(dir, "v.sieve"),
    message,
  ];
  const r =
    process.getuid?.() === 0
      ? spawnSync("setpriv", ["--reuid=mail", "--regid=mail", "--clear-groups", PIGEONHOLE, ...args], {
          encoding: "utf8",
          timeout: 20_000,
        })
      : spawnSync(PIGEONHOLE, args, { encoding: "utf8", timeout: 20_000 });
  const log = `${r.stdout}${r.stderr}`;
  assert.match(log, /vacation action: (sent|discarding|not sending)/, log);
  return /vacation action: sent vacation response/.test(log);
}

test("the vacation reply decision agrees with Pigeonhole", { skip }, async () => {
  const disagreements: string[] = [];
  for (const [i, c] of CASES.entries()) {
    const message = join(dir, `m${i}.eml`);
    writeFileSync(message, `${c.headers.join("\r\n")}\r\n\r\nHello.\r\n`, { mode: 0o666 });
    let stdout = "";
    await sieveTest(
      join(dir, "v.sieve"),
      message,
      { json: true, from: c.from, to: c.to },
      { stdout: (t) => (stdout += t), stderr: () => {} },
    );
    const ours = (JSON.parse(stdout).actions as { action: string; reply?: unknown }[]).find(
      (a) => a.action === "vacation",
    );
    const theirs = pigeonholeSends(message, c);
    if ((ours?.reply != null) !== theirs)
      disagreements.push(`${c.name}: Pigeonhole ${theirs ? "replies" : "does not reply"}`);
  }
  assert.deepEqual(disagreements, []);
});
