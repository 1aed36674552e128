// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Sieve variables are written ${name}
// include/return/global, ihave/error, duplicate, editheader, vacation, vacation-seconds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { actions, compileErrors, engine, holds, KEEP, run, runFull } from "./sieve-harness.js";

const scripts = {
  personal: {
    spam: 'require ["fileinto", "include"]; if header :contains "subject" "first" { fileinto "Junk"; return; } fileinto "NotReached";',
    setter: 'require ["include", "variables"]; global "folder"; set "folder" "FromInclude";',
    loop: 'require "include"; include "loop2";',
    loop2: 'require "include"; include "loop";',
    self: 'require "include"; include "self";',
    broken: "if {",
    deep: 'require "include"; include "deep";',
  },
  global: { spam: 'require "fileinto"; fileinto "GlobalJunk";' },
};

test("include: personal and global scripts share the actions; return leaves only the included script", async () => {
  const acts = await actions(
    'require ["include", "fileinto"]; include "spam"; include :global "spam"; fileinto "After";',
    {
      env: { scripts },
    },
  );
  assert.deepEqual(
    acts.map((a) => (a as { mailbox: string }).mailbox),
    ["Junk", "GlobalJunk", "After"],
  );
});

test("include: global variables cross scripts; :once and :optional", async () => {
  const acts = await actions(
    'require ["include", "variables", "fileinto"]; global "folder"; include "setter"; include :once "setter"; include :optional "missing"; fileinto "${folder}";',
    { env: { scripts } },
  );
  assert.deepEqual(acts, [{ action: "fileinto", mailbox: "FromInclude", flags: [] }]);
});

test("include: cycles, missing scripts and broken scripts are runtime errors with clear messages", async () => {
  const cycle = await run('require "include"; include "loop";', { env: { scripts } });
  assert.match(String(cycle.message), /circular include of personal script 'loop'/);
  const missing = await run('require "include"; include "missing";', { env: { scripts } });
  assert.match(String(missing.message), /personal script 'missing' does not exist/);
  const broken = await run('require "include"; include "broken";', { env: { scripts } });
  assert.match(String(broken.message), /failed to compile included personal script 'broken'/);
  const start = Date.now();
  const deep = await run('require "include"; include "self";', { env: { scripts } });
  assert.match(String(deep.message), /circular include/);
  assert.ok(Date.now() - start < 1000);
  assert.match(
    compileErrors('require "include"; include "../etc/passwd";')[0]!.message,
    /invalid script name/,
  );
  assert.match(
    compileErrors('require "include"; global "x";')[0]!.message,
    /requires the variables extension/,
  );
});

test("ihave: unknown capabilities in a guarded block are not errors; error aborts the run", async () => {
  const acts = await actions(
    'require ["ihave", "fileinto"]; if ihave "x-unknown" { x_unknown_command; } elsif ihave "imap4flags" { addflag "a"; fileinto "ok"; }',
  );
  assert.deepEqual(acts, [{ action: "fileinto", mailbox: "ok", flags: ["a"] }]);
  const err = await run('require "ihave"; keep; error "giving up";');
  assert.deepEqual(err, { status: "runtime_error", message: "giving up" });
  assert.match(
    compileErrors('require "ihave"; if ihave "fileinto" { } fileinto "x";')[0]!.message,
    /unknown command 'fileinto'/,
  );
});

test("duplicate: asks the environment by handle and id, and reports what to track", async () => {
  const first = await runFull('require "duplicate"; if duplicate { discard; }');
  assert.deepEqual(
    first.actions.map((a) => a.toJSON()),
    [KEEP],
  );
  assert.equal(first.tracking.length, 1);
  assert.equal(first.tracking[0]!.kind, "duplicate");
  const key = first.tracking[0]!.key;
  const seen = await actions('require "duplicate"; if duplicate { discard; }', { env: { seenIds: [key] } });
  assert.deepEqual(seen, [{ action: "discard" }]);
  const other = await actions('require "duplicate"; if duplicate :handle "h2" { discard; }', {
    env: { seenIds: [key] },
  });
  assert.deepEqual(other, [KEEP]);
  const noId = await runFull('require "duplicate"; if duplicate { discard; }', {
    message: "Subject: x\r\n\r\n",
  });
  assert.equal(noId.tracking.length, 0);
  const byHeader = await runFull(
    'require "duplicate"; if duplicate :header "subject" :seconds 60 { discard; }',
  );
  assert.equal(byHeader.tracking[0]!.seconds, 60);
  assert.notEqual(byHeader.tracking[0]!.key, key);
});

test("editheader: addheader/deleteheader change what later tests see; protected fields are left alone", async () => {
  const config = { extensions: new Set(["editheader", "fileinto", "index"]) };
  const r = await runFull(
    'require ["editheader", "fileinto"]; addheader "X-Tag" "tagged"; addheader :last "X-Tag" "second"; if header :is "x-tag" "tagged" { deleteheader "subject"; } if not exists "subject" { fileinto "gone"; } deleteheader :index 1 :last "x-tag";',
    { config },
  );
  assert.deepEqual(
    r.actions.map((a) => a.toJSON()),
    [{ action: "fileinto", mailbox: "gone", flags: [] }],
  );
  const edited = r.editedHeaders!;
  assert.deepEqual(edited[0], { name: "X-Tag", raw: "tagged" });
  assert.equal(edited.filter((h) => h.name === "X-Tag").length, 1);
  assert.equal(
    edited.some((h) => h.name.toLowerCase() === "subject"),
    false,
  );
  const enc = await runFull('require "editheader"; addheader "X-Note" "café";', { config });
  assert.match(enc.editedHeaders![0]!.raw, /^=\?UTF-8\?Q\?caf=C3=A9\?=$/i);
  const matching = await runFull('require "editheader"; deleteheader :contains "to" "carol";', { config });
  assert.equal(
    matching.editedHeaders!.some((h) => h.name === "To"),
    false,
  );
  const nomatch = await runFull('require "editheader"; deleteheader :is "to" "nobody";', { config });
  assert.equal(nomatch.editedHeaders, null);
  const protectedFields = await runFull(
    'require "editheader"; addheader "Received" "x"; deleteheader "received"; deleteheader "Auto-Submitted";',
    { config, message: "Received: from a\r\nAuto-Submitted: auto-replied\r\n\r\nx\r\n" },
  );
  assert.equal(protectedFields.editedHeaders, null, "Received and Auto-Submitted are left alone");
});

const vacationOf = async (script: string, input = {}) =>
  (await actions(`require ["vacation", "vacation-seconds"]; vacation ${script}`, input)).find(
    (a) => (a as { action: string }).action === "vacation",
  ) as { [k: string]: unknown };

test("vacation replies to the sender with Auto: subject, and never cancels keep", async () => {
  const acts = await actions('require "vacation"; vacation "I am away";');
  assert.deepEqual(acts, [
    {
      action: "vacation",
      seconds: 604800,
      subject: null,
      from: null,
      reason: "I am away",
      mime: false,
      reply: { to: "alice@example.org", subject: "Auto: first test" },
    },
    KEEP,
  ]);
  const v = await vacationOf(':days 2 :subject "Away" :from "me@example.net" "x";');
  assert.deepEqual([v.seconds, v.subject, v.from], [172800, "Away", "me@example.net"]);
  assert.equal((await vacationOf(':seconds 60 "x";')).seconds, 86400, "minimum period is enforced");
  assert.equal(
    (
      await vacationOf(':seconds 60 "x";', {
        config: { vacation: { defaultPeriod: 604800, minPeriod: 0, maxPeriod: 0 } },
      })
    ).seconds,
    60,
  );
  assert.match(
    compileErrors('require "vacation"; vacation :from "not valid" "x";')[0]!.message,
    /:from address/,
  );
  assert.match(
    compileErrors('require "vacation"; vacation :seconds 5 "x";')[0]!.message,
    /unknown tagged argument ':seconds'/,
  );
  const twice = await run('require "vacation"; vacation "a"; vacation "b";');
  assert.equal(twice.message, "duplicate vacation action not allowed");
});

test("vacation sends no reply to lists, bulk, auto-submitted, daemons, or when not addressed to the user", async () => {
  const reply = async (input: object) => (await vacationOf('"away";', input)).reply;
  const withHeader = (h: string) => ({
    message: `From: a@x.org\r\nTo: bob@example.net\r\n${h}\r\nSubject: s\r\n\r\nb\r\n`,
  });
  assert.notEqual(await reply(withHeader("X-Other: 1")), null);
  assert.equal(await reply(withHeader("List-Id: <dev.lists.example.org>")), null);
  assert.equal(await reply(withHeader("Precedence: bulk")), null);
  assert.equal(await reply(withHeader("Auto-Submitted: auto-replied")), null);
  assert.notEqual(await reply(withHeader("Auto-Submitted: no")), null);
  assert.equal(await reply({ envelope: { from: "" } }), null);
  assert.equal(await reply({ envelope: { from: "MAILER-DAEMON@example.org" } }), null);
  assert.equal(await reply({ envelope: { from: "owner-list@example.org" } }), null);
  assert.equal(await reply({ envelope: { from: "list-request@example.org" } }), null);
  assert.equal(await reply({ envelope: { to: "someone-else@example.net" } }), null);
  assert.notEqual(await reply({ envelope: { to: "bob+tag@example.net" } }), null);
  const viaAddresses = await vacationOf(':addresses ["alias@example.com", "carol@example.com"] "away";', {
    envelope: { to: "someone-else@example.net" },
  });
  assert.notEqual(viaAddresses.reply, null);
  assert.equal(await reply({ env: { vacationSent: ["alice@example.org"] } }), null);
});

test("vacation :subject overrides; a message without Subject gets 'Automated reply'", async () => {
  const v = await vacationOf('"x";', { message: "From: a@x.org\r\nTo: bob@example.net\r\n\r\nb\r\n" });
  assert.deepEqual(v.reply, { to: "alice@example.org", subject: "Automated reply" });
  assert.equal(await holds("true", ["vacation"]), true);
});

test("include: with a script loader, missing, circular and broken includes are compile errors", () => {
  const stored: Record<string, string> = { ...scripts.personal };
  const loadScript = (name: string, location: "personal" | "global") =>
    location === "global" ? (scripts.global[name as "spam"] ?? null) : (stored[name] ?? null);
  const errors = (source: string) => {
    const result = engine.compile(source, "main", { loadScript });
    return result.ok ? [] : result.errors.map((e) => e.message);
  };
  assert.deepEqual(
    errors('require "include"; include "spam"; include :global "spam"; include :optional "nope";'),
    [],
  );
  assert.deepEqual(errors('require "include"; include "nope";'), [
    "included personal script 'nope' does not exist",
  ]);
  assert.deepEqual(errors('require "include"; include :global "nope";'), [
    "included global script 'nope' does not exist",
  ]);
  assert.match(
    errors('require "include"; include "loop";')[0]!,
    /failed to compile included personal script 'loop'.*circular include of personal script 'loop'/,
  );
  stored.main = 'require "include"; include "main";';
  assert.deepEqual(errors(stored.main), ["circular include of personal script 'main'"]);
  assert.match(
    errors('require "include"; include "broken";')[0]!,
    /failed to compile included personal script 'broken': line 1:/,
  );
  // Without a loader (delivery), includes are checked when they run.
  assert.equal(engine.compile('require "include"; include "nope";').ok, true);
});
