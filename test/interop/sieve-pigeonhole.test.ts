// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Sieve variables are written ${name}
// Differential test: the same scripts and messages through Pigeonhole's sieve-test and through
// `loft sieve-test`; the action listings (stdout) and the final result (stderr) must agree.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { sieveTest } from "../../src/cli/sieve-test.js";

const PIGEONHOLE = "/usr/bin/sieve-test";
const skip = existsSync(PIGEONHOLE) ? false : "Pigeonhole sieve-test is not installed";

const MESSAGE = [
  "Return-Path: <alice@example.org>",
  "From: Alice Example <alice@example.org>",
  "To: Bob <bob@example.net>, carol@example.com",
  "Cc: =?utf-8?q?D=C3=A9sir=C3=A9e?= <desiree@example.com>",
  "Subject: first test",
  "Date: Tue, 3 Feb 2026 10:20:30 +0100",
  "Message-ID: <m1@example.org>",
  "X-Num: 10",
  "List-Id: Dev list <dev.lists.example.org>",
  'Content-Type: multipart/alternative; boundary="b1"',
  "",
  "--b1",
  "Content-Type: text/plain; charset=utf-8",
  "",
  "Hello café, the meeting is at noon.",
  "--b1",
  "Content-Type: text/html",
  "",
  "<p>Hello</p>",
  "--b1--",
  "",
].join("\r\n");

interface Case {
  name: string;
  script: string;
  from?: string;
  to?: string;
}

const CASES: Case[] = [
  { name: "empty script: implicit keep", script: "" },
  { name: "discard", script: "discard;" },
  { name: "keep twice stores once", script: "keep; keep;" },
  { name: "discard then keep", script: "discard; keep;" },
  { name: "fileinto INBOX and keep merge", script: 'require "fileinto"; fileinto "INBOX"; keep;' },
  { name: "stop keeps the implicit keep", script: "if size :over 10 { stop; } discard;" },
  {
    name: "fileinto with imap4flags",
    script: 'require ["fileinto", "imap4flags"]; setflag "\\\\Seen $Label1"; fileinto "Junk";',
  },
  { name: "implicit keep carries flags", script: 'require "imap4flags"; addflag "\\\\Flagged";' },
  { name: "keep :flags", script: 'require "imap4flags"; keep :flags ["$a", "\\\\Answered"];' },
  { name: "fileinto :copy", script: 'require ["fileinto", "copy"]; fileinto :copy "Archive";' },
  { name: "redirect", script: 'redirect "someone@example.com";' },
  { name: "redirect :copy", script: 'require "copy"; redirect :copy "someone@example.com";' },
  { name: "fileinto :create", script: 'require ["fileinto", "mailbox"]; fileinto :create "New";' },
  { name: "header :is ascii-casemap", script: 'if header :is "subject" "FIRST TEST" { discard; }' },
  {
    name: "header :is i;octet",
    script: 'if header :comparator "i;octet" :is "subject" "FIRST TEST" { discard; }',
  },
  { name: "header decoded encoded-words", script: 'if header :contains "cc" "Désirée" { discard; }' },
  { name: "header missing with empty :contains", script: 'if header :contains "x-missing" "" { discard; }' },
  {
    name: ":matches groups",
    script: 'require ["variables", "fileinto"]; if header :matches "subject" "*i*" { fileinto "${1}.${2}"; }',
  },
  {
    name: ":matches second pattern",
    script:
      'require ["variables", "fileinto"]; if header :matches "subject" "*st t*" { fileinto "${1}.${2}"; }',
  },
  {
    name: "list-id into folder with variables",
    script:
      'require ["variables", "fileinto"]; if header :matches "list-id" "*<*.lists.example.org>" { set :lower "l" "${2}"; fileinto "Lists/${l}"; }',
  },
  {
    name: "regex groups",
    script:
      'require ["regex", "variables", "fileinto"]; if header :regex "subject" "^([a-z]+) (t.*)$" { fileinto "${2}-${1}"; }',
  },
  { name: "address :domain", script: 'if address :domain :is "from" "EXAMPLE.ORG" { discard; }' },
  { name: "address :localpart of several", script: 'if address :localpart "to" "carol" { discard; }' },
  {
    name: "envelope subaddress",
    script:
      'require ["envelope", "subaddress", "fileinto"]; if envelope :detail "to" "ext" { fileinto "ext"; }',
    to: "testu+ext@example.net",
  },
  {
    name: "envelope :user",
    script:
      'require ["envelope", "subaddress", "fileinto"]; if envelope :user "to" "testu" { fileinto "user"; }',
    to: "testu+ext@example.net",
  },
  {
    name: "relational numeric",
    script:
      'require ["relational", "comparator-i;ascii-numeric"]; if header :value "gt" :comparator "i;ascii-numeric" "x-num" "9" { discard; }',
  },
  {
    name: "relational string order",
    script: 'require "relational"; if header :value "gt" "x-num" "9" { discard; }',
  },
  {
    name: "count of addresses",
    script:
      'require ["relational", "comparator-i;ascii-numeric", "fileinto"]; if address :count "eq" :comparator "i;ascii-numeric" ["to", "cc"] "3" { fileinto "three"; }',
  },
  { name: "exists needs all", script: 'if exists ["from", "x-nope"] { discard; }' },
  { name: "body :contains", script: 'require "body"; if body :contains "meeting is at noon" { discard; }' },
  {
    name: "body :content html",
    script: 'require "body"; if body :content "text/html" :contains "<p>" { discard; }',
  },
  {
    name: "encoded-character",
    script:
      'require "encoded-character"; if header :is "subject" "${hex:66 69}rst${unicode:20}test" { discard; }',
  },
  {
    name: "date with original zone",
    script: 'require ["date", "fileinto"]; if date :originalzone "date" "hour" "10" { fileinto "ten"; }',
  },
  {
    name: "string test",
    script: 'require ["variables"]; set "a" "x"; if string :is "${a}" "x" { discard; }',
  },
  { name: "hasflag", script: 'require ["imap4flags"]; addflag "a b"; if hasflag :is "b" { discard; }' },
  {
    name: "vacation with :addresses",
    script:
      'require "vacation"; vacation :days 3 :subject "Away" :addresses "bob@example.net" "I am away until Monday.";',
  },
  { name: "vacation defaults", script: 'require "vacation"; vacation "away";' },
  {
    name: "vacation :days 0 is raised to the minimum",
    script: 'require "vacation"; vacation :days 0 :from "me@example.net" :mime "away";',
  },
  { name: "reject", script: 'require "reject"; reject "Go away";' },
  { name: "reject conflicts with keep", script: 'require "reject"; keep; reject "Go away";' },
  {
    name: "too many redirects",
    script: 'redirect "a@b.c"; redirect "b@b.c"; redirect "c@b.c"; redirect "d@b.c"; redirect "e@b.c";',
  },
  {
    name: "editheader is not listed",
    script: 'require "editheader"; addheader "X-Tag" "yes"; deleteheader "x-num";',
  },
  {
    name: "ihave guards unknown extensions",
    script: 'require "ihave"; if ihave "x-bogus" { bogus; } else { discard; }',
  },
  {
    name: "foreverypart walks the message and its parts",
    script:
      'require ["foreverypart", "mime", "variables", "fileinto"]; set "n" ""; foreverypart { if header :mime :contenttype :matches "content-type" "*" { set "n" "${n}|${0}"; } } fileinto "x${n}";',
  },
  {
    name: "extracttext :first",
    script:
      'require ["foreverypart", "extracttext", "variables", "fileinto"]; foreverypart { extracttext :first 5 "t"; fileinto "p-${t}"; }',
  },
  {
    name: "foreverypart break :name",
    script:
      'require ["foreverypart", "variables", "fileinto"]; set "n" ""; foreverypart :name "a" { set "n" "${n}-"; break :name "a"; } fileinto "x${n}";',
  },
  {
    name: "mime :anychild, :type and :param",
    script:
      'require ["mime", "fileinto"]; if header :mime :anychild :contenttype "content-type" "text/html" { fileinto "any"; } if header :mime :type "content-type" "multipart" { fileinto "top"; } if header :mime :param "boundary" "content-type" "b1" { fileinto "param"; }',
  },
  {
    name: "enotify mailto",
    script:
      'require "enotify"; notify :message "hi" :importance "1" "mailto:x@example.com?to=y@example.com&subject=s";',
  },
  {
    name: "enotify without message",
    script: 'require "enotify"; notify "mailto:x@example.com?cc=z@example.com";',
  },
  {
    name: "notify does not conflict with reject",
    script: 'require ["enotify", "reject"]; notify "mailto:x@example.com"; reject "x";',
  },
];

/** Scripts both must refuse to compile. */
const INVALID = [
  'require "bogus";',
  'fileinto "x";',
  'redirect "not an address";',
  'if address "subject" "x" { keep; }',
  'require "fileinto"; fileinto :copy "x";',
  'if header :is "a" { keep; }',
  "keep",
  'if true { require "fileinto"; }',
];

let dir = "";

function runAs(args: string[]): { stdout: string; stderr: string; status: number | null } {
  // Pigeonhole's tools refuse to run as root.
  const asRoot = process.getuid?.() === 0;
  const command = asRoot ? "setpriv" : PIGEONHOLE;
  const argv = asRoot ? ["--reuid=mail", "--regid=mail", "--clear-groups", PIGEONHOLE, ...args] : args;
  const r = spawnSync(command, argv, { cwd: dir, encoding: "utf8", timeout: 20_000 });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

function pigeonhole(script: string, c: Case) {
  return runAs([
    "-x",
    "+editheader +vacation-seconds",
    "-f",
    c.from ?? "alice@example.org",
    "-r",
    c.to ?? "bob@example.net",
    script,
    join(dir, "message.eml"),
  ]);
}

/** `loft sieve-test` in-process, with its output captured. */
async function ours(script: string, c: Case) {
  let stdout = "";
  let stderr = "";
  const status = await sieveTest(
    script,
    join(dir, "message.eml"),
    { from: c.from ?? "alice@example.org", to: c.to ?? "bob@example.net" },
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
  );
  return { stdout, stderr, status };
}

const finalResult = (stderr: string) =>
  /final result: (.*)/.exec(stderr)?.[1] ?? `no final result in: ${stderr}`;

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "loft-sieve-diff-"));
  chmodSync(dir, 0o777);
  writeFileSync(join(dir, "message.eml"), MESSAGE, { mode: 0o644 });
});

after(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

for (const [i, c] of CASES.entries()) {
  test(`same result as Pigeonhole: ${c.name}`, { skip }, async () => {
    const script = join(dir, `case${i}.sieve`);
    writeFileSync(script, `${c.script}\n`, { mode: 0o644 });
    const theirs = pigeonhole(script, c);
    const mine = await ours(script, c);
    assert.equal(
      finalResult(mine.stderr),
      finalResult(theirs.stderr),
      `stderr: ${theirs.stderr} / ${mine.stderr}`,
    );
    assert.equal(mine.stdout, theirs.stdout);
    assert.equal(mine.status === 0, theirs.status === 0);
  });
}

test("both refuse to compile the same invalid scripts", { skip }, async () => {
  for (const [i, source] of INVALID.entries()) {
    const script = join(dir, `invalid${i}.sieve`);
    writeFileSync(script, `${source}\n`, { mode: 0o644 });
    const theirs = pigeonhole(script, { name: "", script: source });
    const mine = await ours(script, { name: "", script: source });
    assert.match(theirs.stderr, /failed to compile sieve script/, source);
    assert.match(mine.stderr, /failed to compile sieve script/, source);
    assert.notEqual(mine.status, 0);
  }
});
