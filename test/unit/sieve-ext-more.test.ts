// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Sieve variables are written ${name}
// mime/foreverypart/extracttext, enotify, spamtest/spamtestplus/virustest.
import assert from "node:assert/strict";
import { test } from "node:test";
import { actions, compileErrors, holds, KEEP, run, runFull } from "./sieve-harness.js";

const NESTED = [
  "From: a@example.org",
  "Subject: nested",
  'Content-Type: multipart/mixed; boundary="x"',
  "",
  "--x",
  'Content-Type: multipart/alternative; boundary="y"',
  "",
  "--y",
  "Content-Type: text/plain",
  "",
  "Plain text here",
  "--y",
  "Content-Type: text/html",
  "",
  "<div>Html &lt;here&gt;</div>",
  "--y--",
  "--x",
  'Content-Type: application/pdf; name="report.pdf"',
  'Content-Disposition: attachment; filename="report.pdf"',
  "Content-Transfer-Encoding: base64",
  "",
  "JVBERi0xLjQK",
  "--x--",
  "",
].join("\r\n");

const folders = async (script: string, message = NESTED) =>
  (await actions(script, { message })).map(
    (a) => (a as { mailbox?: string }).mailbox ?? (a as { action: string }).action,
  );

test("foreverypart visits the message and every part depth-first; nested loops visit sub-parts", async () => {
  const req = 'require ["foreverypart", "mime", "variables", "fileinto"]; set "n" "";';
  assert.deepEqual(
    await folders(
      `${req} foreverypart { if header :mime :contenttype :matches "content-type" "*" { set "n" "\${n}|\${0}"; } } fileinto "x\${n}";`,
    ),
    ["x|multipart/mixed|multipart/alternative|text/plain|text/html|application/pdf"],
  );
  assert.deepEqual(
    await folders(
      `${req} foreverypart { if header :mime :subtype "content-type" "alternative" { foreverypart { if header :mime :type :matches "content-type" "*" { set "n" "\${n}.\${0}"; } } } } fileinto "x\${n}";`,
    ),
    ["x.text.text"],
  );
  assert.deepEqual(
    await folders(
      `${req} foreverypart :name "outer" { foreverypart { set "n" "\${n}-"; break :name "outer"; } } fileinto "x\${n}";`,
    ),
    ["x-"],
  );
  assert.match(
    compileErrors('require "foreverypart"; break;')[0]!.message,
    /only allowed inside a foreverypart loop/,
  );
  assert.match(
    compileErrors('require "foreverypart"; foreverypart { break :name "nope"; }')[0]!.message,
    /names no enclosing foreverypart loop/,
  );
});

test("mime: :anychild, :param, attachment detection, options need :mime", async () => {
  const req = ["mime"];
  const input = { message: NESTED };
  assert.equal(
    await holds('header :mime :anychild :param "filename" "content-disposition" "report.pdf"', req, input),
    true,
  );
  assert.equal(await holds('header :mime :param "boundary" "content-type" "x"', req, input), true);
  assert.equal(await holds('header :mime :type "content-type" "multipart"', req, input), true);
  assert.equal(await holds('header :mime :subtype "content-type" "pdf"', req, input), false);
  assert.equal(await holds('exists :mime :anychild "content-disposition"', req, input), true);
  assert.equal(await holds('exists :mime "content-disposition"', req, input), false);
  assert.match(
    compileErrors('require "mime"; if header :type "content-type" "text" {}')[0]!.message,
    /require :mime/,
  );
  assert.match(
    compileErrors('require "mime"; if exists :mime :type "content-type" {}')[0]!.message,
    /unknown tagged argument/,
  );
});

test("extracttext takes the current part's text, :first limits it; only inside foreverypart", async () => {
  const script =
    'require ["foreverypart", "extracttext", "variables", "fileinto", "mime"]; foreverypart { if header :mime :type "content-type" "text" { extracttext :first 10 :upper "t"; fileinto "${t}"; } }';
  assert.deepEqual(await folders(script), ["PLAIN TEXT", "HTML <HERE"]);
  assert.match(
    compileErrors('require ["foreverypart", "extracttext", "variables"]; extracttext "t";')[0]!.message,
    /only allowed inside a foreverypart loop/,
  );
  assert.match(
    compileErrors('require ["extracttext", "foreverypart"];')[0]!.message,
    /cannot be used without the variables/,
  );
});

test("enotify: mailto notifications, their JSON, duplicates merged, validation", async () => {
  const acts = await actions(
    'require "enotify"; notify :importance "1" :message "New mail" :from "me@example.net" "mailto:a@example.net?cc=b@example.net&body=see%20inbox"; notify "mailto:a@example.net?cc=b@example.net";',
  );
  assert.deepEqual(acts, [
    {
      action: "notify",
      method: "mailto",
      importance: 1,
      subject: "New mail",
      from: "me@example.net",
      recipients: [
        { field: "To", address: "a@example.net" },
        { field: "Cc", address: "b@example.net" },
      ],
      body: "see inbox",
    },
    KEEP,
  ]);
  assert.match(
    compileErrors('require "enotify"; notify "xmpp:a@b.c";')[0]!.message,
    /unsupported notification method/,
  );
  assert.match(compileErrors('require "enotify"; notify "mailto:";')[0]!.message, /invalid mailto URI/);
  assert.match(
    compileErrors('require "enotify"; notify :importance "4" "mailto:a@b.c";')[0]!.message,
    /invalid :importance/,
  );
  const bad = await run('require ["enotify", "variables"]; set "m" "tel:1"; notify "${m}";');
  assert.equal(bad.status, "runtime_error");
  assert.equal(await holds('valid_notify_method "mailto:a@b.c"', ["enotify"]), true);
  assert.equal(await holds('valid_notify_method ["mailto:a@b.c", "foo:x"]', ["enotify"]), false);
  assert.equal(await holds('notify_method_capability "mailto:a@b.c" "online" "maybe"', ["enotify"]), true);
  const enc = await folders(
    'require ["enotify", "variables", "fileinto"]; set :encodeurl "e" "a b&c/d"; fileinto "${e}";',
  );
  assert.deepEqual(enc, ["a%20b%26c%2Fd"]);
});

test("spamtest/spamtestplus/virustest read the configured score headers", async () => {
  const req = ["spamtest", "relational", "comparator-i;ascii-numeric"];
  const num = ':comparator "i;ascii-numeric"';
  const spam = (score: string) => ({ message: `From: a@b.c\r\nX-Spam-Score: ${score}\r\n\r\nx\r\n` });
  assert.equal(await holds(`spamtest :value "eq" ${num} "8"`, req, spam("7.5")), true);
  assert.equal(await holds(`spamtest :value "eq" ${num} "10"`, req, spam("25")), true);
  assert.equal(await holds(`spamtest :value "eq" ${num} "1"`, req, spam("-3")), true);
  assert.equal(
    await holds(`spamtest :value "eq" ${num} "0"`, req, { message: "From: a@b.c\r\n\r\nx\r\n" }),
    true,
  );
  const plus = ["spamtestplus", "relational", "comparator-i;ascii-numeric"];
  assert.equal(await holds(`spamtest :percent :value "eq" ${num} "75"`, plus, spam("7.5")), true);
  assert.match(
    compileErrors('require "spamtest"; if spamtest :percent "5" {}')[0]!.message,
    /requires the spamtestplus/,
  );
  const virus = { message: "From: a@b.c\r\nX-Virus-Score: 5\r\n\r\nx\r\n" };
  assert.equal(
    await holds(
      `virustest :value "eq" ${num} "5"`,
      ["virustest", "relational", "comparator-i;ascii-numeric"],
      virus,
    ),
    true,
  );
  const custom = { config: { spamtest: { header: "X-Other", pattern: "score=([0-9]+)", max: 100 } } };
  const msg = { message: "From: a@b.c\r\nX-Other: yes score=50\r\n\r\nx\r\n", ...custom };
  assert.equal(await holds(`spamtest :value "eq" ${num} "6"`, req, msg), true);
});

test("special-use: specialuse_exists asks the environment; :specialuse is recorded on fileinto", async () => {
  const env = { env: { specialUse: { Junk: ["\\Junk"], Sent: ["\\Sent"] } } };
  assert.equal(await holds('specialuse_exists "\\\\Junk"', ["special-use"], env), true);
  assert.equal(await holds('specialuse_exists "Junk" "\\\\Junk"', ["special-use"], env), true);
  assert.equal(await holds('specialuse_exists "Sent" "\\\\Junk"', ["special-use"], env), false);
  assert.equal(await holds('specialuse_exists "\\\\Trash"', ["special-use"], env), false);
  assert.deepEqual(
    await actions('require ["special-use", "fileinto"]; fileinto :specialuse "\\\\Junk" "Spam";'),
    [{ action: "fileinto", mailbox: "Spam", flags: [], specialuse: "\\Junk" }],
  );
  assert.match(
    compileErrors('require ["special-use", "fileinto"]; fileinto :specialuse "Junk" "x";')[0]!.message,
    /invalid special-use flag/,
  );
});

test("fcc: a copy of the vacation reply or notification is filed", async () => {
  const acts = await actions(
    'require ["vacation", "fcc", "enotify"]; vacation :fcc "Sent" "away"; notify :fcc "Sent" "mailto:a@b.c";',
  );
  assert.equal((acts[0] as { fcc: string }).fcc, "Sent");
  assert.equal((acts[1] as { fcc: string }).fcc, "Sent");
  assert.match(
    compileErrors('require ["fcc", "fileinto"]; fileinto :fcc "x" "y";')[0]!.message,
    /unknown tagged argument ':fcc'/,
  );
});

test("mailboxid: mailboxidexists and :mailboxid", async () => {
  const env = { env: { mailboxIds: ["F2212ea87-6097-4256-9d51-71338625"] } };
  assert.equal(await holds('mailboxidexists "F2212ea87-6097-4256-9d51-71338625"', ["mailboxid"], env), true);
  assert.equal(
    await holds('mailboxidexists ["F2212ea87-6097-4256-9d51-71338625", "nope"]', ["mailboxid"], env),
    false,
  );
  assert.deepEqual(await actions('require ["mailboxid", "fileinto"]; fileinto :mailboxid "Fabc" "Work";'), [
    { action: "fileinto", mailbox: "Work", flags: [], mailboxid: "Fabc" },
  ]);
});

test("extlists: :list matches values against local lists; valid_ext_list", async () => {
  const env = { env: { lists: { ":addrbook:personal": ["Alice@Example.org", "x@y.z"] } } };
  assert.equal(await holds('address :list "from" ":addrbook:personal"', ["extlists"], env), true);
  assert.equal(await holds('address :list "to" ":addrbook:personal"', ["extlists"], env), false);
  assert.equal(await holds('address :list "from" ":addrbook:unknown"', ["extlists"], env), false);
  assert.equal(await holds('valid_ext_list ":addrbook:personal"', ["extlists"], env), true);
  assert.equal(await holds('valid_ext_list [":addrbook:personal", ":other"]', ["extlists"], env), false);
});

const WITH_EXE = [
  "From: a@example.org",
  "To: bob@example.net",
  "Subject: Hi",
  "X-Keep: me",
  "Content-Type: multipart/mixed; boundary=x",
  "",
  "--x",
  "Content-Type: text/plain",
  "",
  "hello",
  "--x",
  "Content-Type: application/x-msdownload",
  "Content-Disposition: attachment; filename=evil.exe",
  "",
  "MZ....",
  "--x--",
  "",
].join("\r\n");

test("replace inside foreverypart swaps one part; later tests see the new message", async () => {
  const r = await runFull(
    'require ["foreverypart", "mime", "replace", "fileinto", "body"]; foreverypart { if header :mime :param "filename" :matches "content-disposition" "*.exe" { replace "Attachment removed."; } } if body :text :contains "removed" { fileinto "cleaned"; } if header :mime :anychild :subtype "content-type" "x-msdownload" { fileinto "still-there"; }',
    { message: WITH_EXE },
  );
  assert.deepEqual(
    r.actions.map((a) => a.toJSON()),
    [{ action: "fileinto", mailbox: "cleaned", flags: [] }],
  );
  const text = r.rewrittenMessage!.toString("latin1");
  assert.ok(text.startsWith("From: a@example.org\r\n"));
  assert.match(
    text,
    /\r\n--x\r\nContent-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nAttachment removed\.\r\n--x--/,
  );
  assert.ok(!text.includes("evil.exe"));
  assert.ok(text.includes("hello"));
});

test("replace outside a loop replaces the body and, with :subject/:from, those fields", async () => {
  const r = await runFull(
    'require "replace"; replace :subject "Nouvelle étape" :from "robot@example.net" "New body";',
    {
      message: WITH_EXE,
    },
  );
  const text = r.rewrittenMessage!.toString("latin1");
  assert.match(
    text,
    /^To: bob@example.net\r\nX-Keep: me\r\nFrom: robot@example.net\r\nSubject: Nouvelle =\?UTF-8\?Q\?=C3=A9tape\?=\r\nContent-Type: text\/plain; charset=utf-8\r\n/,
  );
  assert.ok(text.endsWith("\r\n\r\nNew body"));
  const mime = await runFull(
    'require "replace"; replace :mime text:\nContent-Type: text/html\n\n<p>hi</p>\n.\n;',
    {
      message: WITH_EXE,
    },
  );
  assert.match(mime.rewrittenMessage!.toString("latin1"), /Content-Type: text\/html\r\n\r\n<p>hi<\/p>\r\n$/);
  const untouched = await runFull("keep;", { message: WITH_EXE });
  assert.equal(untouched.rewrittenMessage, null);
});

test("enclose wraps the message as message/rfc822 under a new text part", async () => {
  const r = await runFull(
    'require ["enclose", "body", "fileinto"]; enclose :subject "Suspicious" :headers ["X-Tag: yes"] "This message looked suspicious."; if header :is "subject" "Suspicious" { fileinto "enclosed"; } if body :content "message/rfc822" :contains "Subject: Hi" { fileinto "inner"; }',
    { message: WITH_EXE },
  );
  assert.deepEqual(
    r.actions.map((a) => (a.toJSON() as { mailbox: string }).mailbox),
    ["enclosed", "inner"],
  );
  const text = r.rewrittenMessage!.toString("latin1");
  assert.match(
    text,
    /^From: a@example.org\r\nTo: bob@example.net\r\nSubject: Suspicious\r\nX-Tag: yes\r\nMIME-Version: 1.0\r\nContent-Type: multipart\/mixed; boundary="/,
  );
  assert.match(text, /Content-Type: message\/rfc822\r\n\r\nFrom: a@example.org\r\n/);
  assert.match(
    compileErrors('require ["enclose", "foreverypart"]; foreverypart { enclose "x"; }')[0]!.message,
    /cannot be used inside a foreverypart/,
  );
  assert.match(
    compileErrors('require "enclose"; enclose :headers "bad header" "x";')[0]!.message,
    /invalid header/,
  );
});
