import assert from "node:assert/strict";
import { existsSync, lstatSync, readdirSync, readlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  parseScriptLocation,
  type ScriptError,
  SieveScriptStore,
  scriptNameProblem,
} from "../../src/sieve-scripts/index.js";
import { tempDir } from "../helpers/cli.js";

test("Pigeonhole's location syntax", () => {
  assert.deepEqual(parseScriptLocation("file:~/sieve;active=~/.dovecot.sieve", "/home/jo"), {
    dir: "/home/jo/sieve",
    active: "/home/jo/.dovecot.sieve",
  });
  assert.deepEqual(parseScriptLocation("/srv/sieve/jo", "/home/jo"), {
    dir: "/srv/sieve/jo",
    active: "/home/jo/.dovecot.sieve",
  });
  assert.throws(() => parseScriptLocation("file:sieve", "/h"), /absolute/);
  assert.throws(() => parseScriptLocation("file:~/sieve;bogus=1", "/h"), /unknown option/);
});

test("script names never leave the script directory", () => {
  for (const bad of ["", "a/b", "..", ".", "a\0b", "tab\there", "\u2028", "x".repeat(256)])
    assert.notEqual(scriptNameProblem(bad), null, JSON.stringify(bad));
  for (const good of ["filter", "Vacation 2026", "é", ".hidden", "x".repeat(255)])
    assert.equal(scriptNameProblem(good), null, good);
});

test("put, activate, rename of the active script, deactivate, delete; an old plain active file is kept aside", () => {
  const tmp = tempDir();
  try {
    const loc = parseScriptLocation("file:~/sieve;active=~/.dovecot.sieve", tmp.dir);
    const store = new SieveScriptStore(loc, { maxScripts: 0, maxStorage: 20, maxScriptSize: 10 });
    writeFileSync(loc.active, "keep;");
    store.put("a", Buffer.from("keep;"));
    assert.equal(store.activeScriptPath(), loc.active, "a plain file counts as the active script");
    store.activate("a");
    assert.equal(readlinkSync(loc.active), "sieve/a.sieve");
    assert.equal(
      readdirSync(tmp.dir).filter((f) => f.startsWith(".dovecot.sieve.")).length,
      1,
      "old file kept aside",
    );
    store.rename("a", "b");
    assert.equal(store.activeName(), "b");
    assert.equal(store.activeScriptPath(), join(loc.dir, "b.sieve"));
    assert.throws(
      () => store.delete("b"),
      (e: ScriptError) => e.code === "ACTIVE",
    );
    assert.throws(
      () => store.put("c", Buffer.from("x".repeat(11))),
      (e: ScriptError) => e.code === "QUOTA/MAXSIZE",
    );
    store.put("c", Buffer.from("discard;"));
    assert.throws(
      () => store.put("d", Buffer.from("discard;")),
      (e: ScriptError) => e.code === "QUOTA/MAXSTORAGE",
    );
    assert.deepEqual(store.list(), [
      { name: "b", active: true },
      { name: "c", active: false },
    ]);
    assert.equal(store.activate(null), true);
    assert.ok(!existsSync(loc.active));
    store.delete("b");
    assert.throws(
      () => store.read("b"),
      (e: ScriptError) => e.code === "NONEXISTENT",
    );
    assert.throws(
      () => store.activate("zzz"),
      (e: ScriptError) => e.code === "NONEXISTENT",
    );
    assert.deepEqual(readdirSync(join(loc.dir, "tmp")), [], "no temporary file left");
    assert.ok(lstatSync(loc.dir).isDirectory());
  } finally {
    tmp.remove();
  }
});
