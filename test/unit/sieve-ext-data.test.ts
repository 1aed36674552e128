// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Sieve variables are written ${name}
// variables, imap4flags, regex, body, date/currentdate, index.
import assert from "node:assert/strict";
import { test } from "node:test";
import { actions, compileErrors, engine, holds, run } from "./sieve-harness.js";

const mailboxes = async (script: string, input = {}) =>
  (await actions(script, input)).map(
    (a) => (a as { mailbox?: string }).mailbox ?? (a as { action: string }).action,
  );

test("variables: set with modifiers by precedence, case-insensitive names, undefined is empty", async () => {
  const script = `require ["variables", "fileinto"];
set "Name" "hello World";
set :upper :lowerfirst "a" "\${name}";
set :length "len" "héllo";
set :quotewildcard "q" "a*b?";
fileinto "\${NAME}|\${a}|\${len}|\${q}|\${undefined}|\${x.y}";`;
  assert.deepEqual(await mailboxes(script), ["hello World|hELLO WORLD|5|a\\*b\\?||${x.y}"]);
  assert.match(
    compileErrors('require "variables"; set :lower :upper "a" "b";')[0]!.message,
    /cannot be combined/,
  );
  assert.match(compileErrors('require "variables"; set "1a" "b";')[0]!.message, /invalid variable name/);
  assert.match(compileErrors('set "a" "b";')[0]!.message, /unknown command 'set'/);
});

test("variables: match variables from :matches, string test, :count on strings skips empty ones", async () => {
  const script = `require ["variables", "fileinto", "relational", "comparator-i;ascii-numeric"];
if header :matches "from" "* <*@*>" { set "user" "\${2}"; set "all" "\${0}"; }
if string :is "\${user}" "alice" { fileinto "\${user}"; }
if string :count "eq" :comparator "i;ascii-numeric" ["a", "", "b"] "2" { fileinto "two"; }
if header :is "subject" "nomatch" { } fileinto "\${1}";`;
  assert.deepEqual(await mailboxes(script), ["alice", "two", "Alice Example"]);
  assert.equal(await holds('header :matches "subject" "${x}"', ["variables"]), false);
});

test("imap4flags: internal variable applies to later stores and the implicit keep", async () => {
  const acts = await actions(`require ["imap4flags", "fileinto"];
setflag "\\\\seen";
addflag ["$Label1", "\\\\Flagged x"];
fileinto "A";
removeflag "x";
fileinto :flags "\\\\Answered" "B";`);
  assert.deepEqual(acts, [
    { action: "fileinto", mailbox: "A", flags: ["\\Seen", "$Label1", "\\Flagged", "x"] },
    { action: "fileinto", mailbox: "B", flags: ["\\Answered"] },
  ]);
  const keep = await actions('require "imap4flags"; addflag "\\\\Seen";');
  assert.deepEqual(keep, [{ action: "keep", flags: ["\\Seen"], implicit: true }]);
  assert.equal(await holds('hasflag :contains "label"', ["imap4flags"]), false);
  const has = await mailboxes(
    'require ["imap4flags", "fileinto"]; addflag "a b"; if hasflag "B" { fileinto "yes"; }',
  );
  assert.deepEqual(has, ["yes"]);
  const named = await mailboxes(
    'require ["imap4flags", "variables", "fileinto"]; addflag "v" ["x", "y"]; removeflag "v" "x"; if hasflag "v" "y" { fileinto "${v}"; }',
  );
  assert.deepEqual(named, ["y"]);
  assert.match(
    compileErrors('require "imap4flags"; addflag "v" "x";')[0]!.message,
    /only with the variables extension/,
  );
});

test("regex: POSIX classes, groups into match variables, case via comparator, bad patterns", async () => {
  const got = await mailboxes(
    'require ["regex", "variables", "fileinto"]; if header :regex "subject" "^([[:alpha:]]+) (t.st)$" { fileinto "${2}-${1}"; }',
  );
  assert.deepEqual(got, ["test-first"]);
  assert.equal(await holds('header :regex "subject" "^FIRST"', ["regex"]), true);
  assert.equal(await holds('header :regex :comparator "i;octet" "subject" "^FIRST"', ["regex"]), false);
  assert.equal(await holds('header :regex "x-num" "^[0-9]{2}$"', ["regex"]), true);
  assert.equal(await holds('header :regex "subject" "fir(st|sty) te?st"', ["regex"]), true);
  assert.match(
    compileErrors('require "regex"; if header :regex "a" "(" {}')[0]!.message,
    /invalid regular expression/,
  );
  assert.match(
    compileErrors(
      'require ["regex", "comparator-i;ascii-numeric"]; if header :regex :comparator "i;ascii-numeric" "a" "b" {}',
    )[0]!.message,
    /regex match type does not support/,
  );
  const quoted = await mailboxes(
    'require ["regex", "variables", "fileinto"]; set :quoteregex "q" "a.b*"; fileinto "${q}";',
  );
  assert.deepEqual(quoted, ["a\\.b\\*"]);
});

test("regex built to backtrack catastrophically finishes quickly", async () => {
  const subject = `${"a".repeat(5000)}!`;
  const message = `Subject: ${subject}\r\n\r\nx\r\n`;
  const start = Date.now();
  assert.equal(await holds('header :regex "subject" "^(a+)+$"', ["regex"], { message }), false);
  assert.equal(await holds('header :regex "subject" "(a|aa)*b"', ["regex"], { message }), false);
  assert.equal(await holds('header :regex "subject" "(a*)*!$"', ["regex"], { message }), true);
  assert.ok(Date.now() - start < 1000, `took ${Date.now() - start} ms`);
});

const MULTIPART = [
  "From: a@example.org",
  "Subject: parts",
  'Content-Type: multipart/mixed; boundary="b1"',
  "",
  "This is the prologue.",
  "--b1",
  "Content-Type: text/plain; charset=iso-8859-1",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "Caf=E9 menu",
  "--b1",
  "Content-Type: text/html",
  "",
  "<p>Big &amp; <b>bold</b></p>",
  "--b1",
  "Content-Type: application/octet-stream",
  "Content-Transfer-Encoding: base64",
  "",
  Buffer.from("secret binary").toString("base64"),
  "--b1--",
  "",
].join("\r\n");

test("body :text decodes text parts (charset, quoted-printable, HTML to text)", async () => {
  const input = { message: MULTIPART };
  assert.equal(await holds('body :contains "Café menu"', ["body"], input), true);
  assert.equal(await holds('body :text :contains "big & bold"', ["body"], input), true);
  assert.equal(await holds('body :text :contains "secret"', ["body"], input), false);
  assert.equal(await holds('body :content "application" :contains "secret binary"', ["body"], input), true);
  assert.equal(await holds('body :content "text/html" :contains "<b>"', ["body"], input), true);
  assert.equal(await holds('body :content "multipart" :contains "prologue"', ["body"], input), true);
  assert.equal(await holds('body :raw :contains "Caf=E9"', ["body"], input), true);
  assert.equal(await holds('body :raw :contains "Café"', ["body"], input), false);
  assert.match(
    compileErrors('require ["body", "relational"]; if body :count "eq" "1" {}')[0]!.message,
    /does not allow the :count/,
  );
});

test("date: parts of the Date header, zones, originalzone, invalid date parts", async () => {
  const req = ["date", "relational"];
  assert.equal(await holds('date :originalzone "date" "hour" "10"', req), true);
  assert.equal(await holds('date :zone "+0000" "date" "iso8601" "2026-02-03T09:20:30+00:00"', req), true);
  assert.equal(await holds('date :zone "-0500" "date" "date" "2026-02-03"', req), true);
  assert.equal(await holds('date :zone "-1000" "date" "weekday" "1"', req), true);
  assert.equal(await holds('date :originalzone "date" "zone" "+0100"', req), true);
  assert.equal(await holds('date :originalzone "date" "julian" "61074"', req), true);
  assert.equal(await holds('date :originalzone "date" "std11" "Tue, 03 Feb 2026 10:20:30 +0100"', req), true);
  assert.equal(await holds('date "x-num" "year" "2026"', req), false);
  // Unknown parts and zones are warnings (as Pigeonhole) and make the test false.
  assert.equal(await holds('date "date" "fortnight" "1"', req), false);
  assert.equal(await holds('date :zone "CET" "date" "year" "2026"', req), false);
  const warned = engine.compile('require "date"; if date :zone "CET" "date" "fortnight" "1" {}');
  assert.deepEqual(
    warned.warnings.map((w) => w.message),
    [
      "specified :zone argument 'CET' is not a valid timezone",
      "specified date part `fortnight' is not known",
    ],
  );
});

test("currentdate reads the environment's clock", async () => {
  const input = { env: { now: new Date("2030-06-15T12:00:00Z") } };
  assert.equal(await holds('currentdate :zone "+0000" "date" "2030-06-15"', ["date"], input), true);
  assert.equal(
    await holds('currentdate :zone "+0000" :value "ge" "year" "2031"', ["date", "relational"], input),
    false,
  );
});

test("index: :index n and :last pick one occurrence of a header field", async () => {
  const message =
    "Received: one\r\nReceived: two\r\nReceived: three\r\nTo: a@x.org, b@y.org\r\nTo: c@z.org\r\n\r\n";
  const input = { message };
  assert.equal(await holds('header :index 2 "received" "two"', ["index"], input), true);
  assert.equal(await holds('header :index 1 :last "received" "three"', ["index"], input), true);
  assert.equal(await holds('header :index 4 "received" "three"', ["index"], input), false);
  assert.equal(await holds('address :index 1 :domain "to" "y.org"', ["index"], input), true);
  assert.equal(await holds('address :index 1 :domain "to" "z.org"', ["index"], input), false);
  assert.match(
    compileErrors('require "index"; if header :last "a" "b" {}')[0]!.message,
    /requires the :index tag/,
  );
  assert.match(
    compileErrors('require "index"; if header :index 0 "a" "b" {}')[0]!.message,
    /positive number/,
  );
});

test("runtime error from a failed regex key built from variables falls back to keep", async () => {
  const r = await run(
    'require ["regex", "variables"]; set "p" "("; if header :regex "subject" "${p}" { discard; }',
  );
  assert.equal(r.status, "runtime_error");
  assert.match(String(r.message), /invalid regular expression/);
});
