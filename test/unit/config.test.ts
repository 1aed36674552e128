import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { didYouMean } from "../../src/config/did-you-mean.js";
import { configReference, configSchema, parseListenAddress } from "../../src/config/index.js";
import { DEFAULT_EXTENSIONS, EXTENSION_NAMES, extensionSet, SieveEngine } from "../../src/sieve/index.js";

test("README's config reference matches the schema (fix: npm run build && node scripts/readme-config.mjs)", () => {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const m = /<!-- config-reference:start -->\n([\s\S]*?)\n<!-- config-reference:end -->/.exec(readme);
  assert.ok(m, "README has the config-reference markers");
  assert.equal(m[1], configReference());
  for (const key of [
    "mail_location",
    "auth.passwd_file",
    "log.level",
    "imap.listen",
    "pop3.listen",
    "lmtp.listen",
    "managesieve.listen",
  ])
    assert.ok(m[1]!.includes(`\`${key}\``), key);
});

test("the empty config is complete: every key has a default", () => {
  const c = configSchema.parse({});
  assert.equal(c.mail_location, "maildir:~/Maildir");
  assert.equal(c.auth.default_pass_scheme, "ARGON2ID");
  // The embedded default listens on loopback only.
  for (const protocol of ["imap", "pop3", "lmtp", "managesieve"] as const)
    for (const address of c[protocol].listen) assert.match(address, /^127\.0\.0\.1:\d+$/, protocol);
  assert.deepEqual(c.managesieve.listen, ["127.0.0.1:4190"]);
});

test("listen addresses", () => {
  assert.deepEqual(parseListenAddress("127.0.0.1:143"), { kind: "tcp", host: "127.0.0.1", port: 143 });
  assert.deepEqual(parseListenAddress("[::1]:4190"), { kind: "tcp", host: "::1", port: 4190 });
  assert.deepEqual(parseListenAddress("localhost:24"), { kind: "tcp", host: "localhost", port: 24 });
  assert.deepEqual(parseListenAddress("unix:/run/loft/lmtp"), { kind: "unix", path: "/run/loft/lmtp" });
  for (const bad of ["127.0.0.1", "127.0.0.1:0", "127.0.0.1:65536", "unix:", ":143", "::1:143", "host:12a"])
    assert.equal(parseListenAddress(bad), null, bad);
});

test("did-you-mean suggests close keys only", () => {
  assert.equal(didYouMean("passwd_fil", ["passwd_file", "default_pass_scheme"]), "passwd_file");
  assert.equal(didYouMean("mail_locaton", ["mail_location", "state_dir"]), "mail_location");
  assert.equal(didYouMean("zzzzzz", ["mail_location", "state_dir"]), undefined);
});

test("[lmtp] delivery_processes takes 0 (one per CPU) to 64 whole processes", () => {
  assert.equal(configSchema.parse({}).lmtp.delivery_processes, 0);
  for (const ok of [0, 1, 64])
    assert.equal(configSchema.parse({ lmtp: { delivery_processes: ok } }).lmtp.delivery_processes, ok);
  for (const bad of [-1, 65, 1.5, "2"])
    assert.equal(configSchema.safeParse({ lmtp: { delivery_processes: bad } }).success, false, String(bad));
});

test("[sieve] extensions adds to, takes from or replaces the default set, and refuses unknown names", () => {
  const set = (extensions: string[]) =>
    [...extensionSet(configSchema.parse({ sieve: { extensions } }).sieve.extensions)].sort();
  assert.deepEqual(set([]), [...DEFAULT_EXTENSIONS].sort());
  const changed = set(["+editheader", "-enotify"]);
  assert.ok(changed.includes("editheader") && !changed.includes("enotify") && changed.includes("fileinto"));
  assert.deepEqual(set(["fileinto", "+mailboxid"]), ["fileinto", "mailboxid"]);
  const bad = configSchema.safeParse({ sieve: { extensions: ["+editheadr"] } });
  assert.equal(bad.success, false);
  assert.match(
    bad.error?.issues[0]?.message ?? "",
    /^unknown Sieve extension "\+editheadr"; did you mean "\+editheader"\?$/,
  );
  const far = configSchema.safeParse({ sieve: { extensions: ["+vnd.dovecot.pipe"] } });
  assert.match(
    far.error?.issues[0]?.message ?? "",
    /^unknown Sieve extension "\+vnd\.dovecot\.pipe"; Loft has fileinto, .*extlists$/,
  );
});

test("the config's list of Sieve extension names is the engine's", () => {
  assert.deepEqual([...EXTENSION_NAMES].sort(), new SieveEngine().registry.names().sort());
});
