import assert from "node:assert/strict";
import { appendFileSync, chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { maildirMessages, makeWorld } from "../fixtures/delivery/setup.js";
import { REPO, run } from "../helpers/cli.js";

const LDA = join(REPO, "bin", "loft-lda");
const world = makeWorld([
  { name: "ann" },
  { name: "full", extra: "userdb_quota_rule=*:messages=1" },
  {
    name: "picky",
    script: 'require "reject";\nif header :contains "subject" "buy" { reject "No sales, thanks."; }\n',
  },
]);
const tempfailConfig = join(world.dir, "tempfail.toml");
after(() => world.remove());

function lda(args: string[], input: string, config = world.configFile) {
  return run(process.execPath, [LDA, "-c", config, ...args], { input, cwd: world.dir });
}

const MESSAGE = "From: <s@far.test>\nTo: <ann@loft.test>\nSubject: hello\n\nHello there.\n";

describe("loft-lda", () => {
  test("delivers stdin as is, without the mbox From_ line: exit 0", async () => {
    const r = await lda(
      ["-d", "ann", "-f", "s@far.test"],
      `From s@far.test Sat Nov 28 12:00:00 2026\n${MESSAGE}`,
    );
    assert.equal(r.code, 0, r.stderr);
    const stored = maildirMessages(world.home("ann"));
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.text, MESSAGE, "dovecot-lda adds no header");
  });

  test("-m delivers into that mailbox when it exists, else into INBOX", async () => {
    const r = await lda(["-d", "ann", "-m", "Nowhere"], MESSAGE);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(maildirMessages(world.home("ann")).length, 2);
  });

  test("unknown user: exit 67", async () => {
    const r = await lda(["-d", "nobody"], MESSAGE);
    assert.equal(r.code, 67);
    assert.match(r.stderr, /User doesn't exist: nobody/);
  });

  test("over quota: 77 with -e (reason on stderr), 75 with quota_full_tempfail, 0 and a bounce without -e", async () => {
    assert.equal((await lda(["-d", "full"], MESSAGE)).code, 0);
    const e = await lda(["-d", "full", "-e", "-f", "s@far.test"], MESSAGE);
    assert.equal(e.code, 77);
    assert.match(e.stderr, /^Quota exceeded \(mailbox for user is full\)$/m);

    writeFileSync(tempfailConfig, `${readFileSync(world.configFile, "utf8")}\nquota_full_tempfail = true\n`);
    const t = await lda(["-d", "full", "-e"], MESSAGE, tempfailConfig);
    assert.equal(t.code, 75);

    const before = world.sent().length;
    const b = await lda(["-d", "full", "-f", "s@far.test"], MESSAGE);
    assert.equal(b.code, 0, b.stderr);
    const sent = world.sent().slice(before);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0]!.args, ["-i", "-f", "<>", "--", "s@far.test"]);
    assert.match(sent[0]!.data, /Quota exceeded \(mailbox for user is full\)/);
    assert.equal(maildirMessages(world.home("full")).length, 1);
  });

  test("Sieve reject: 77 and the reason with -e; a rejection mail and 0 without", async () => {
    const offer = MESSAGE.replace("hello", "buy now");
    const e = await lda(["-d", "picky", "-e", "-f", "s@far.test"], offer);
    assert.equal(e.code, 77);
    assert.match(e.stderr, /^No sales, thanks\.$/m);
    const before = world.sent().length;
    const m = await lda(["-d", "picky", "-f", "s@far.test"], offer);
    assert.equal(m.code, 0, m.stderr);
    assert.equal(world.sent().length, before + 1);
    assert.equal(maildirMessages(world.home("picky")).length, 0);
  });

  test("bad arguments: exit 64", async () => {
    for (const args of [["-x"], ["-d", "ann", "extra"], ["-d", "ann", "-a", ""], ["-d"]]) {
      const r = await lda(args, MESSAGE);
      assert.equal(r.code, 64, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, /^loft-lda: .+\nusage: loft-lda /, "what is wrong, then how to call it");
    }
  });

  test("without -d: root must name the user (64); another user gets their own mail, as from ~/.forward", {
    skip: process.getuid?.() === 0 ? false : "needs root to switch users",
  }, async () => {
    const r = await lda([], MESSAGE);
    assert.equal(r.code, 64);
    assert.match(r.stderr, /-d/);
    chmodSync(world.dir, 0o755);
    chmodSync(world.configFile, 0o644);
    chmodSync(join(world.dir, "users"), 0o644);
    // Debian's mail user (uid 8) stands for a local account piping "|loft-lda" from ~/.forward.
    mkdirSync(world.home("mail"), { recursive: true });
    chownSync(world.home("mail"), 8, 8);
    appendFileSync(join(world.dir, "users"), `mail:{PLAIN}x:::,:${world.home("mail")}::\n`);
    const asMail = await run(
      "setpriv",
      ["--reuid=8", "--regid=8", "--clear-groups", process.execPath, LDA, "-c", world.configFile],
      { input: MESSAGE, env: { USER: "mail" }, cwd: world.dir },
    );
    assert.equal(asMail.code, 0, asMail.stderr);
    assert.equal(maildirMessages(world.home("mail")).length, 1);
  });

  test("loft deliver is the same command", async () => {
    const ok = await run(
      process.execPath,
      [join(REPO, "bin", "loft"), "-c", world.configFile, "deliver", "-d", "ann"],
      {
        input: MESSAGE,
      },
    );
    assert.equal(ok.code, 0, ok.stderr);
    const unknown = await run(
      process.execPath,
      [join(REPO, "bin", "loft"), "-c", world.configFile, "deliver", "-d", "zed"],
      {
        input: MESSAGE,
      },
    );
    assert.equal(unknown.code, 67);
  });
});
