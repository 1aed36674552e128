// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Sieve variables are written ${name}
// include against Pigeonhole: a private config points its personal and global script storage
// at two directories, which `loft sieve-test --personal-dir/--global-dir` reads as well.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { sieveTest } from "../../src/cli/sieve-test.js";

const PIGEONHOLE = "/usr/bin/sieve-test";
const skip = existsSync(PIGEONHOLE) ? false : "Pigeonhole sieve-test is not installed";

const PERSONAL: Record<string, string> = {
  sub: 'require "fileinto"; fileinto "FromPersonal";',
  setv: 'require ["include", "variables", "fileinto"]; global "v"; set "v" "set-in-include"; return; fileinto "NotReached";',
  once: 'require "fileinto"; fileinto "Once";',
  loopa: 'require "include"; include "loopb";',
  loopb: 'require "include"; include "loopa";',
  spamcheck:
    'require ["fileinto", "include"]; if header :contains "subject" "test" { fileinto "Junk"; stop; }',
};
const GLOBAL: Record<string, string> = { g: 'require "fileinto"; fileinto "FromGlobal";' };

const CASES = [
  'require ["include", "fileinto", "variables"]; include "sub"; include :global "g"; global "v"; include "setv"; fileinto "${v}";',
  'require "include"; include :once "once"; include :once "once"; include "once";',
  'require ["include", "fileinto"]; include "sub"; return; fileinto "After";',
  'require ["include", "fileinto"]; include "spamcheck"; fileinto "NotAfterStop";',
  'require "include"; include :optional "missing";',
  'require "include"; include "missing";',
  'require "include"; include :global "missing";',
  'require "include"; include "loopa";',
];

let dir = "";

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "loft-sieve-include-"));
  for (const [sub, scripts] of [
    ["personal", PERSONAL],
    ["global", GLOBAL],
  ] as const) {
    mkdirSync(join(dir, sub));
    for (const [name, text] of Object.entries(scripts))
      writeFileSync(join(dir, sub, `${name}.sieve`), `${text}\n`);
  }
  writeFileSync(
    join(dir, "dovecot.conf"),
    [
      "ssl = no",
      `mail_location = maildir:${join(dir, "mail")}`,
      "plugin {",
      `  sieve = file:${join(dir, "personal")};active=${join(dir, "personal", ".active")}`,
      `  sieve_global = ${join(dir, "global")}`,
      "}",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "m.eml"),
    "From: a@example.org\r\nTo: b@example.net\r\nSubject: a test\r\n\r\nx\r\n",
  );
  // Pigeonhole runs as the unprivileged mail user and writes compiled binaries beside scripts.
  spawnSync("chmod", ["-R", "a+rwX", dir]);
  chmodSync(dir, 0o777);
});

after(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

function pigeonhole(script: string) {
  const args = ["-c", join(dir, "dovecot.conf"), script, join(dir, "m.eml")];
  const r =
    process.getuid?.() === 0
      ? spawnSync("setpriv", ["--reuid=mail", "--regid=mail", "--clear-groups", PIGEONHOLE, ...args], {
          encoding: "utf8",
          timeout: 20_000,
        })
      : spawnSync(PIGEONHOLE, args, { encoding: "utf8", timeout: 20_000 });
  return { stdout: r.stdout, stderr: r.stderr };
}

const outcome = (stderr: string) =>
  /final result: (.*)/.exec(stderr)?.[1] ?? (stderr.includes("failed to compile") ? "compile error" : stderr);

test("include, :global, :once, :optional, return, global variables and cycles agree with Pigeonhole", {
  skip,
}, async () => {
  const differences: string[] = [];
  for (const [i, source] of CASES.entries()) {
    const script = join(dir, `main${i}.sieve`);
    writeFileSync(script, `${source}\n`, { mode: 0o666 });
    const theirs = pigeonhole(script);
    let stdout = "";
    let stderr = "";
    await sieveTest(
      script,
      join(dir, "m.eml"),
      { personalDir: join(dir, "personal"), globalDir: join(dir, "global") },
      { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    );
    if (stdout !== theirs.stdout || outcome(stderr) !== outcome(theirs.stderr)) {
      differences.push(
        `${source}\n--- Pigeonhole:\n${theirs.stdout}${theirs.stderr}--- Loft:\n${stdout}${stderr}`,
      );
    }
  }
  assert.deepEqual(differences, []);
});
