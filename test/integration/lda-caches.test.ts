// loft-lda keeps the validated config (<state_dir>/cache) and the syntax tree of the user's Sieve
// script (~/.loft/sieve-cache) between runs. These tests show each cache is used, trusted only
// when nobody else may write it, and never outlives a change of what it was made from.
import assert from "node:assert/strict";
import {
  chmodSync,
  chownSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { maildirMessages, makeWorld } from "../fixtures/delivery/setup.js";
import { REPO, run } from "../helpers/cli.js";

const LDA = join(REPO, "bin", "loft-lda");
const script = (mailbox: string) =>
  `require ["fileinto", "mailbox"];\nif header :contains "subject" "report" { fileinto :create "${mailbox}"; }\n`;
const world = makeWorld([
  { name: "full", extra: "userdb_quota_rule=*:messages=1" },
  { name: "sorter", script: script("Reports") },
  { name: "plain" },
]);
after(() => world.remove());
mkdirSync(join(world.dir, "state"), { recursive: true });
const original = readFileSync(world.configFile, "utf8");
const cacheDir = join(world.dir, "state", "cache");
const MESSAGE = "From: <s@far.test>\nTo: <x@loft.test>\nSubject: monthly report\n\nFigures.\n";

function lda(user: string) {
  return run(process.execPath, [LDA, "-c", world.configFile, "-d", user, "-e", "-f", "s@far.test"], {
    input: MESSAGE,
    cwd: world.dir,
  });
}

function configCacheFile(): string {
  const files = readdirSync(cacheDir).filter((f) => /^config-[0-9a-f]+\.json$/.test(f));
  assert.equal(files.length, 1, `one config cache file in ${cacheDir}: ${files.join(", ")}`);
  return join(cacheDir, files[0]!);
}

/** Rewrites the config keeping its size and mtime: only its text tells the change. */
function setTempfail(value: "true " | "false") {
  const before = statSync(world.configFile);
  writeFileSync(world.configFile, `${original}\nquota_full_tempfail = ${value}\n`);
  utimesSync(world.configFile, before.atime, before.mtime);
}

describe("loft-lda config cache", () => {
  test("kept 0600 in a 0700 <state_dir>/cache after the first run", async () => {
    setTempfail("false");
    assert.equal((await lda("full")).code, 0, "the first message fills the quota");
    assert.equal((await lda("full")).code, 77);
    const file = configCacheFile();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
  });

  test("an edit of the config is seen at once, even with the same size and mtime", async () => {
    setTempfail("true ");
    assert.equal((await lda("full")).code, 75, "quota_full_tempfail = true: temporary failure");
    setTempfail("false");
    assert.equal((await lda("full")).code, 77);
  });

  test("a config made invalid is refused (78), not served from the cache", async () => {
    writeFileSync(world.configFile, `${original}\nquota_full_tempfail = "maybe"\n`);
    const r = await lda("full");
    assert.equal(r.code, 78);
    assert.match(r.stderr, /quota_full_tempfail/);
    setTempfail("false");
  });

  test("the cached values are what a run uses, unless others may write the cache file", async () => {
    assert.equal((await lda("full")).code, 77);
    const file = configCacheFile();
    const entry = JSON.parse(readFileSync(file, "utf8")) as { key: string; value: Record<string, unknown> };
    (entry.value.delivery as Record<string, unknown>).quota_full_tempfail = true;
    writeFileSync(file, JSON.stringify(entry));
    assert.equal((await lda("full")).code, 75, "the cache, not the file, decided");
    chmodSync(file, 0o622);
    assert.equal((await lda("full")).code, 77, "a cache file others may write is not believed");
  });
});

describe("loft-lda config cache without a state directory of its own", () => {
  test("the running user's ~/.loft/cache holds it", async () => {
    const config = join(world.dir, "elsewhere.toml");
    writeFileSync(config, original.replace('state_dir = "state"', 'state_dir = "no-such-state"'));
    const home = join(world.dir, "runner-home");
    mkdirSync(home);
    const ldaAt = () =>
      run(process.execPath, [LDA, "-c", config, "-d", "plain", "-e", "-f", "s@far.test"], {
        input: MESSAGE,
        cwd: world.dir,
        env: { HOME: home },
      });
    assert.equal((await ldaAt()).code, 0);
    const dir = join(home, ".loft", "cache");
    const files = readdirSync(dir).filter((f) => /^config-[0-9a-f]+\.json$/.test(f));
    assert.equal(files.length, 1, `one config cache file in ${dir}`);
    assert.equal(statSync(join(dir, files[0]!)).mode & 0o777, 0o600);
    assert.equal((await ldaAt()).code, 0, "a second run from the cache delivers too");
    assert.deepEqual(
      readdirSync(world.dir).includes("no-such-state"),
      false,
      "the state directory is not made",
    );
  });
});

describe("loft-lda Sieve syntax cache", () => {
  const home = world.home("sorter");
  const sieveCache = join(home, ".loft", "sieve-cache");
  const scriptFile = join(home, "sieve", "main.sieve");

  test("the first delivery keeps the script's tree, 0600 in a 0700 directory", async () => {
    const r = await lda("sorter");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(maildirMessages(home, "Reports").length, 1);
    const files = readdirSync(sieveCache);
    assert.equal(files.length, 1);
    assert.equal(statSync(join(sieveCache, files[0]!)).mode & 0o777, 0o600);
    assert.equal(statSync(sieveCache).mode & 0o777, 0o700);
  });

  test("a warm cache spares the parse: the cached tree is what runs", async () => {
    const [name] = readdirSync(sieveCache);
    const file = join(sieveCache, name!);
    writeFileSync(file, readFileSync(file, "utf8").replaceAll('"Reports"', '"Tampered"'));
    assert.equal((await lda("sorter")).code, 0);
    assert.equal(maildirMessages(home, "Tampered").length, 1);
  });

  test("an edited script runs as edited", async () => {
    writeFileSync(scriptFile, script("Archive"));
    assert.equal((await lda("sorter")).code, 0);
    assert.equal(maildirMessages(home, "Archive").length, 1);
    assert.equal(maildirMessages(home, "Reports").length, 1);
  });

  test("no cache for a script the user does not own", { skip: process.geteuid?.() !== 0 }, async () => {
    // The user's uid is this process's; a script owned by another may not be changed by the user.
    chownSync(scriptFile, 65534, 65534);
    writeFileSync(scriptFile, script("Other"));
    const before = readdirSync(sieveCache).length;
    assert.equal((await lda("sorter")).code, 0);
    assert.equal(maildirMessages(home, "Other").length, 1);
    assert.equal(readdirSync(sieveCache).length, before, "nothing cached");
  });
});
