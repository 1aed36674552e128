// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Sieve variables are written ${name}
// `loft sieve-test` and `loft sieve check`: output shapes, options and exit codes.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { checkScripts } from "../../src/cli/sieve-check.js";
import { type SieveTestOptions, sieveTest } from "../../src/cli/sieve-test.js";

let dir = "";
const MESSAGE = "From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: hello\r\n\r\nHi.\r\n";

before(() => {
  dir = mkdtempSync(join(tmpdir(), "loft-sieve-cli-"));
  writeFileSync(join(dir, "m.eml"), MESSAGE);
  mkdirSync(join(dir, "personal"));
  mkdirSync(join(dir, "global"));
  writeFileSync(join(dir, "personal", "mine.sieve"), 'require "fileinto"; fileinto "Mine";');
  writeFileSync(join(dir, "global", "site.sieve"), 'require "fileinto"; fileinto "Site";');
});

after(() => rmSync(dir, { recursive: true, force: true }));

function script(name: string, text: string): string {
  const path = join(dir, `${name}.sieve`);
  writeFileSync(path, text);
  return path;
}

async function capture(path: string, opts: SieveTestOptions) {
  let stdout = "";
  let stderr = "";
  const code = await sieveTest(path, join(dir, "m.eml"), opts, {
    stdout: (t) => (stdout += t),
    stderr: (t) => (stderr += t),
  });
  return { code, stdout, stderr };
}

test("--json prints exactly one JSON object with the actions", async () => {
  const r = await capture(script("a", 'require "fileinto"; fileinto "Work"; keep;'), { json: true });
  assert.equal(r.code, 0);
  assert.equal(r.stdout.trim().split("\n").length, 1);
  assert.deepEqual(JSON.parse(r.stdout), {
    status: "ok",
    actions: [
      { action: "fileinto", mailbox: "Work", flags: [] },
      { action: "keep", flags: [], implicit: false },
    ],
  });
});

test("--json reports compile and runtime errors; exit codes 65 and 1", async () => {
  const compile = await capture(script("b", 'fileinto "x";\nif {'), { json: true });
  assert.equal(compile.code, 65);
  const parsed = JSON.parse(compile.stdout);
  assert.equal(parsed.status, "compile_error");
  assert.equal(parsed.message, "line 2, column 5: unexpected end of script; expected '}' or identifier");
  const runtime = await capture(script("c", 'require "reject"; keep; reject "no";'), { json: true });
  assert.equal(runtime.code, 1);
  assert.equal(JSON.parse(runtime.stdout).status, "runtime_error");
});

test("the listing and the final result follow Pigeonhole's sieve-test", async () => {
  const r = await capture(
    script("d", 'require ["fileinto", "imap4flags"]; addflag "\\\\Seen"; fileinto "Junk";'),
    {},
  );
  assert.equal(
    r.stdout,
    "\nPerformed actions:\n\n * store message in folder: Junk\n        + add IMAP flags: \\seen\n\nImplicit keep:\n\n  (none)\n\n",
  );
  assert.equal(r.stderr, "sieve-test: Info: final result: success\n");
  const bad = await capture(script("e", 'require "bogus";'), {});
  assert.equal(
    bad.stderr,
    "e: line 1: error: require command: unknown Sieve capability 'bogus'.\ne: error: validation failed.\nsieve-test: Fatal: failed to compile sieve script\n",
  );
});

test("--trace, --mailbox, --from/--to and the script directories", async () => {
  const traced = await capture(script("f", 'if header :is "subject" "hello" { keep; }'), {
    json: true,
    trace: true,
  });
  assert.ok(JSON.parse(traced.stdout).trace.includes("   1: header test: true"));
  const exists = script(
    "g",
    'require ["mailbox", "fileinto"]; if mailboxexists "Lists" { fileinto "Lists"; }',
  );
  assert.equal(
    JSON.parse((await capture(exists, { json: true, mailbox: ["Lists"] })).stdout).actions[0].mailbox,
    "Lists",
  );
  assert.equal(JSON.parse((await capture(exists, { json: true })).stdout).actions[0].action, "keep");
  const env = script(
    "h",
    'require ["envelope", "fileinto", "variables"]; if envelope :matches "from" "*" { fileinto "${1}"; }',
  );
  assert.equal(
    JSON.parse((await capture(env, { json: true, from: "x@y.z" })).stdout).actions[0].mailbox,
    "x@y.z",
  );
  assert.equal(
    JSON.parse((await capture(env, { json: true })).stdout).actions[0].mailbox,
    "alice@example.org",
  );
  const inc = script("i", 'require "include"; include "mine"; include :global "site";');
  const r = await capture(inc, {
    json: true,
    personalDir: join(dir, "personal"),
    globalDir: join(dir, "global"),
  });
  assert.deepEqual(
    JSON.parse(r.stdout).actions.map((a: { mailbox: string }) => a.mailbox),
    ["Mine", "Site"],
  );
});

test("sieve check prints every error with file:line:column and exits 1; clean scripts exit 0", () => {
  const good = script("ok", 'require "fileinto"; fileinto "x";');
  const bad = script("bad", 'if foo { bar; }\nfileinto "x";');
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    lines.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  let okCode: number;
  let badCode: number;
  try {
    okCode = checkScripts([good]);
    badCode = checkScripts([good, bad]);
  } finally {
    process.stdout.write = write;
  }
  assert.equal(okCode, 0);
  assert.equal(badCode, 1);
  assert.deepEqual(lines, [
    `${bad}:1:4: error: unknown test 'foo'\n`,
    `${bad}:1:10: error: unknown command 'bar'\n`,
    `${bad}:2:1: error: unknown command 'fileinto' (the 'fileinto' extension must be required first)\n`,
  ]);
});

test("sieve check --personal-dir checks includes", () => {
  const inc = script("incl", 'require "include"; include "mine"; include "absent";');
  const lines: string[] = [];
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    lines.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  let withDirs: number;
  let without: number;
  try {
    withDirs = checkScripts([inc], { personalDir: join(dir, "personal") });
    without = checkScripts([inc]);
  } finally {
    process.stdout.write = write;
  }
  assert.equal(withDirs, 1);
  assert.equal(without, 0);
  assert.deepEqual(lines, [`${inc}:1:44: error: included personal script 'absent' does not exist\n`]);
});

test("the built bin/loft runs sieve-test", {
  skip: !existsSync(new URL("../../dist/cli/main.js", import.meta.url).pathname),
}, () => {
  const loft = new URL("../../bin/loft", import.meta.url).pathname;
  const r = spawnSync(
    process.execPath,
    [loft, "sieve-test", "--json", script("j", "discard;"), join(dir, "m.eml")],
    {
      encoding: "utf8",
      timeout: 30_000,
    },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { status: "ok", actions: [{ action: "discard" }] });
});
