// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Sieve variables are written ${name}
// fileinto, reject/ereject, envelope, encoded-character, i;ascii-numeric, copy, subaddress,
// relational, environment, mailbox.
import assert from "node:assert/strict";
import { test } from "node:test";
import { actions, compileErrors, holds, KEEP, run } from "./sieve-harness.js";

test("fileinto stores and cancels the implicit keep; it needs its require", async () => {
  assert.deepEqual(await actions('require "fileinto"; fileinto "Work";'), [
    { action: "fileinto", mailbox: "Work", flags: [] },
  ]);
  assert.match(compileErrors('fileinto "x";')[0]!.message, /'fileinto' extension must be required/);
});

test("reject and ereject cancel keep and conflict with delivery and responses", async () => {
  assert.deepEqual(await actions('require "reject"; reject "no thanks";'), [
    { action: "reject", reason: "no thanks" },
  ]);
  assert.deepEqual(await actions('require "ereject"; ereject "no";'), [{ action: "reject", reason: "no" }]);
  const both = await run('require ["reject", "ereject"]; ereject "a"; reject "b";');
  assert.equal(both.message, "duplicate reject/ereject action not allowed");
  const vac = await run('require ["reject", "vacation"]; vacation "away"; reject "no";');
  assert.match(String(vac.message), /the vacation action \(line 1\) also sends a response to the sender/);
  const fwd = await run('require "reject"; redirect "a@b.c"; reject "no";');
  assert.match(String(fwd.message), /the redirect action \(line 1\) tries to deliver the message/);
  const twice = await run('require "reject"; reject "a"; reject "b";');
  assert.equal(twice.message, "duplicate reject/ereject action not allowed");
  assert.deepEqual(await actions('require "reject"; discard; reject "x";'), [
    { action: "discard" },
    { action: "reject", reason: "x" },
  ]);
});

test("envelope from/to/auth with address parts; the null sender is the empty string", async () => {
  const env = { envelope: { from: "Sender@Example.COM", to: "bob+lists@example.net", auth: "bob" } };
  assert.equal(await holds('envelope :domain "from" "example.com"', ["envelope"], env), true);
  assert.equal(await holds('envelope :localpart "to" "bob+lists"', ["envelope"], env), true);
  assert.equal(await holds('envelope "auth" "bob"', ["envelope"], env), true);
  assert.equal(await holds('envelope "from" ""', ["envelope"], { envelope: { from: "" } }), true);
  assert.equal(await holds('envelope :domain "from" "x"', ["envelope"], { envelope: { from: "" } }), false);
  assert.match(
    compileErrors('require "envelope"; if envelope "bogus" "x" {}')[0]!.message,
    /envelope part 'bogus'/,
  );
});

test("quoted local parts are compared unquoted, the whole address in canonical form (as Pigeonhole)", async () => {
  const req = ["envelope", "subaddress"];
  const env = { envelope: { to: '"b ob+box"@example.org' } };
  assert.equal(await holds('envelope :localpart :is "to" "b ob+box"', req, env), true);
  assert.equal(await holds('envelope :user :is "to" "b ob"', req, env), true);
  assert.equal(await holds('envelope :detail :is "to" "box"', req, env), true);
  assert.equal(await holds('envelope :all :is "to" "\\"b ob+box\\"@example.org"', req, env), true);
  const plain = { envelope: { to: '"bob"@example.org' } };
  assert.equal(await holds('envelope :all :is "to" "bob@example.org"', req, plain), true);
  const header = { message: 'To: Name <"b\\"ob+x"@example.org>\r\n\r\n' };
  assert.equal(await holds('address :localpart :is "to" "b\\"ob+x"', req, header), true);
  assert.equal(await holds('address :user :is "to" "b\\"ob"', req, header), true);
  assert.equal(await holds('address :all :is "to" "\\"b\\\\\\"ob+x\\"@example.org"', req, header), true);
});

test("subaddress: :user and :detail split at the delimiter; no delimiter means no detail", async () => {
  const env = { envelope: { to: "testu+ext@example.net" } };
  assert.equal(await holds('envelope :detail "to" "ext"', ["envelope", "subaddress"], env), true);
  assert.equal(await holds('envelope :user "to" "testu"', ["envelope", "subaddress"], env), true);
  const plain = { envelope: { to: "testu@example.net" } };
  assert.equal(await holds('envelope :user "to" "testu"', ["envelope", "subaddress"], plain), true);
  assert.equal(await holds('envelope :detail "to" ""', ["envelope", "subaddress"], plain), false);
  assert.equal(await holds('envelope :detail "to" "*"', ["envelope", "subaddress"], plain), false);
  const multi = { envelope: { to: "a-b+c@x.y" }, config: { recipientDelimiter: "+-" } };
  assert.equal(await holds('envelope :detail "to" "b+c"', ["envelope", "subaddress"], multi), true);
  assert.match(compileErrors('if address :user "to" "x" {}')[0]!.message, /unknown tagged argument ':user'/);
});

test("encoded-character decodes ${hex:} and ${unicode:} in constants; malformed stays", async () => {
  const req = ["encoded-character"];
  assert.equal(await holds('header :is "subject" "${hex:66 69}rst${unicode:20}test"', req), true);
  assert.equal(await holds('header :is "x-num" "${hex: 31 30 }"', req), true);
  assert.equal(await holds('header :is "subject" "${hex:66 69}rst test"'), false);
  const acts = await actions(
    'require ["encoded-character", "fileinto"]; fileinto "${hex:zz}${unicode:263a}";',
  );
  assert.equal((acts[0] as { mailbox: string }).mailbox, "${hex:zz}☺");
});

test("i;ascii-numeric compares numbers; non-numbers are infinity", async () => {
  const req = ["relational", "comparator-i;ascii-numeric"];
  assert.equal(await holds('header :value "gt" :comparator "i;ascii-numeric" "x-num" "9"', req), true);
  assert.equal(await holds('header :value "gt" "x-num" "9"', req), false);
  assert.equal(await holds('header :comparator "i;ascii-numeric" "x-num" "010"', req), true);
  assert.equal(await holds('header :value "lt" :comparator "i;ascii-numeric" "subject" "99999"', req), false);
  assert.equal(await holds('header :value "gt" :comparator "i;ascii-numeric" "subject" "99999"', req), true);
});

test("relational :count counts values; bad operators are compile errors", async () => {
  const req = ["relational", "comparator-i;ascii-numeric"];
  assert.equal(await holds('address :count "eq" :comparator "i;ascii-numeric" "to" "2"', req), true);
  assert.equal(await holds('address :count "ge" :comparator "i;ascii-numeric" ["to", "cc"] "3"', req), true);
  assert.equal(await holds('header :count "eq" :comparator "i;ascii-numeric" "x-none" "0"', req), true);
  assert.match(
    compileErrors('require "relational"; if header :value "bigger" "a" "b" {}')[0]!.message,
    /invalid relational match/,
  );
});

test("copy keeps the implicit keep for fileinto and redirect", async () => {
  assert.deepEqual(
    await actions('require ["copy", "fileinto"]; fileinto :copy "A"; redirect :copy "a@b.c";'),
    [
      { action: "fileinto", mailbox: "A", flags: [], copy: true },
      { action: "redirect", address: "a@b.c", copy: true },
      KEEP,
    ],
  );
  assert.match(compileErrors('require "copy"; keep :copy;')[0]!.message, /unknown tagged argument ':copy'/);
});

test("environment items: name, phase, and the delivery environment; unknown items are false", async () => {
  assert.equal(await holds('environment :is "name" "Loft Sieve"', ["environment"]), true);
  assert.equal(await holds('environment "phase" "during"', ["environment"]), true);
  const env = { env: { environment: { "remote-ip": "192.0.2.1", domain: "example.net" } } };
  assert.equal(await holds('environment :matches "remote-ip" "192.0.2.*"', ["environment"], env), true);
  assert.equal(await holds('environment :contains "bogus" ""', ["environment"]), false);
});

test("mailbox: mailboxexists asks the environment; :create is recorded on fileinto", async () => {
  const env = { env: { mailboxes: ["Work", "Lists/Dev"] } };
  assert.equal(await holds('mailboxexists ["INBOX", "Work", "Lists/Dev"]', ["mailbox"], env), true);
  assert.equal(await holds('mailboxexists ["Work", "Nope"]', ["mailbox"], env), false);
  assert.deepEqual(await actions('require ["mailbox", "fileinto"]; fileinto :create "New";'), [
    { action: "fileinto", mailbox: "New", flags: [], create: true },
  ]);
});
