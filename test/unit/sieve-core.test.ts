// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Sieve variables are written ${name}
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { MemoryEnvironment, SieveEngine, SieveMessage } from "../../src/sieve/index.js";
import { actions, engine, holds, KEEP, MESSAGE, run, runFull } from "./sieve-harness.js";

test("an empty script keeps the message in INBOX (implicit keep)", async () => {
  assert.deepEqual(await actions(""), [KEEP]);
});

test("discard cancels only the implicit keep, not an explicit keep", async () => {
  assert.deepEqual(await actions("discard;"), [{ action: "discard" }]);
  assert.deepEqual(await actions("discard; keep;"), [
    { action: "discard" },
    { action: "keep", flags: [], implicit: false },
  ]);
});

test("keep twice and fileinto INBOX with keep store once", async () => {
  assert.deepEqual(await actions("keep; keep;"), [{ action: "keep", flags: [], implicit: false }]);
  const acts = await actions('require "fileinto"; fileinto "INBOX"; keep;');
  assert.equal(acts.length, 1);
  assert.equal((acts[0] as { action: string }).action, "fileinto");
});

test("duplicate fileinto and redirect are merged; order is first-added", async () => {
  const acts = await actions(
    'require "fileinto"; fileinto "A"; redirect "x@example.com"; fileinto "B"; fileinto "A"; redirect "X@example.com";',
  );
  assert.deepEqual(
    acts.map(
      (a) => (a as { mailbox?: string; address?: string }).mailbox ?? (a as { address: string }).address,
    ),
    ["A", "x@example.com", "B"],
  );
});

test("stop ends the script; the implicit keep still applies when nothing cancelled it", async () => {
  assert.deepEqual(
    await actions('require "fileinto"; if size :over 10 { fileinto "big"; stop; } fileinto "small";'),
    [{ action: "fileinto", mailbox: "big", flags: [] }],
  );
  assert.deepEqual(await actions("stop; discard;"), [KEEP]);
});

test("if / elsif / else take exactly one branch", async () => {
  const script = (t1: string, t2: string) =>
    `require "fileinto"; if ${t1} { fileinto "1"; } elsif ${t2} { fileinto "2"; } else { fileinto "3"; }`;
  const mailbox = async (s: string) => ((await actions(s))[0] as { mailbox: string }).mailbox;
  assert.equal(await mailbox(script("true", "true")), "1");
  assert.equal(await mailbox(script("false", "true")), "2");
  assert.equal(await mailbox(script("false", "false")), "3");
});

test("reject conflicts with keep: runtime error, actions dropped, message kept in INBOX", async () => {
  const result = await runFull('require "reject"; keep; reject "go away";');
  assert.equal(result.status, "runtime_error");
  assert.match(
    result.error!.message,
    /reject\/ereject action conflicts with other action: the store action \(line 1\)/,
  );
  assert.deepEqual(
    result.actions.map((a) => a.toJSON()),
    [{ action: "keep", flags: [], implicit: true }],
  );
  assert.deepEqual(await run('require "reject"; keep; reject "x";'), {
    status: "runtime_error",
    message: result.error!.message,
  });
});

test("limits: more than 4 redirects or 32 actions is a runtime error", async () => {
  const redirects = [1, 2, 3, 4, 5].map((i) => `redirect "u${i}@example.com";`).join("");
  const r = await run(redirects);
  assert.equal(r.status, "runtime_error");
  assert.equal(r.message, "number of redirect actions exceeds policy limit (5 > 4)");
  const four = await run(redirects.replace(/redirect "u5[^;]*;/, ""));
  assert.equal(four.status, "ok");
  const stores = Array.from({ length: 33 }, (_, i) => `fileinto "f${i}";`).join("");
  const s = await run(`require "fileinto"; ${stores}`);
  assert.equal(s.message, "total number of actions exceeds policy limit (33 > 32)");
  const raised = await run(`require "fileinto"; ${stores}`, { config: { maxActions: 40 } });
  assert.equal(raised.status, "ok");
});

test("header: case-insensitive names, unfolded and RFC 2047-decoded values, missing header is false", async () => {
  assert.equal(await holds('header :is "SUBJECT" "FIRST TEST"'), true);
  assert.equal(await holds('header :comparator "i;octet" :is "subject" "FIRST TEST"'), false);
  assert.equal(await holds('header :contains "cc" "Désirée"'), true);
  assert.equal(await holds('header :contains "x-missing" ""'), false);
  assert.equal(await holds('header :contains "subject" ""'), true);
  const folded = "Subject: a\r\n long\r\n\tsubject\r\n\r\nbody\r\n";
  assert.equal(await holds('header :is "subject" "a long\tsubject"', [], { message: folded }), true);
});

test(":matches wildcards set groups non-greedily except the last (observed in Pigeonhole)", async () => {
  const acts = await actions(
    'require ["variables", "fileinto"]; if header :matches "subject" "*i*" { fileinto "${1}|${2}"; } if header :matches "subject" "*st t*" { fileinto "${1}|${2}"; } if header :matches "subject" "f?rst?*" { fileinto "${1}|${2}|${3}"; }',
  );
  assert.deepEqual(
    acts.map((a) => (a as { mailbox: string }).mailbox),
    ["f|rst test", "fir|est", "i| |test"],
  );
  assert.equal(await holds('header :matches "subject" "first"'), false);
  assert.equal(await holds('header :matches "subject" "FIRST*"'), true);
  assert.equal(await holds('header :matches "subject" "first \\\\*"'), false);
});

test("address parts and the address test's header restriction", async () => {
  assert.equal(await holds('address :domain "from" "EXAMPLE.org"'), true);
  assert.equal(await holds('address :localpart "to" "carol"'), true);
  assert.equal(await holds('address :all :is "to" "bob@example.net"'), true);
  assert.equal(await holds('address :is "from" "Alice Example <alice@example.org>"'), false);
  const group = "To: friends: a@x.org, b@y.org;, c@z.org\r\n\r\n";
  assert.equal(await holds('address :domain "to" "y.org"', [], { message: group }), true);
});

test("exists requires every header; size :over/:under are strict", async () => {
  assert.equal(await holds('exists ["from", "to"]'), true);
  assert.equal(await holds('exists ["from", "x-nope"]'), false);
  const size = Buffer.byteLength(MESSAGE);
  assert.equal(await holds(`size :over ${size}`), false);
  assert.equal(await holds(`size :under ${size}`), false);
  assert.equal(await holds(`size :over ${size - 1}`), true);
  assert.equal(await holds(`size :under ${size + 1}`), true);
});

test("allof / anyof / not", async () => {
  assert.equal(await holds("allof (true, not false)"), true);
  assert.equal(await holds("allof (true, false)"), false);
  assert.equal(await holds("anyof (false, false)"), false);
  assert.equal(await holds("anyof (false, true)"), true);
});

test("redirect takes the bare address; an invalid address is a compile error", async () => {
  assert.deepEqual(await actions('redirect "Someone <some@example.com>";'), [
    { action: "redirect", address: "some@example.com", copy: false },
  ]);
});

test("trace lists each test with its line and result", async () => {
  const result = await runFull('if header :is "subject" "nope" { discard; }\nkeep;', { trace: true });
  assert.ok(result.trace.includes("   1: header test: false"));
  assert.ok(result.trace.includes("   2: keep action; store message in default mailbox"));
});

test("compileFile caches by path, mtime and size", () => {
  const dir = mkdtempSync(join(tmpdir(), "loft-sieve-"));
  try {
    const path = join(dir, "a.sieve");
    writeFileSync(path, "keep;");
    const engine = new SieveEngine();
    const first = engine.compileFile(path);
    assert.equal(engine.compileFile(path), first);
    writeFileSync(path, "discard;");
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    const second = engine.compileFile(path);
    assert.notEqual(second, first);
    assert.ok(second.ok && second.script.nodes[0]!.name === "discard");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a runtime error is logged (script, line, error) without message content", async () => {
  const logged: { fields: Record<string, unknown>; message: string }[] = [];
  const compiled = engine.compile('require "reject";\nkeep;\nreject "no";', "myscript");
  assert.ok(compiled.ok);
  await engine.run(compiled.script, {
    message: new SieveMessage(MESSAGE),
    envelope: { from: "a@b.c", to: "d@e.f" },
    env: new MemoryEnvironment(),
    log: { warn: (fields, message) => logged.push({ fields, message }) },
  });
  assert.equal(logged.length, 1);
  assert.equal(logged[0]!.fields.script, "myscript");
  assert.equal(logged[0]!.fields.line, 3);
  assert.match(String(logged[0]!.fields.error), /conflicts with other action/);
});
