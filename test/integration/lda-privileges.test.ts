// loft-lda run by root becomes the user it delivers for, as dovecot-lda does: the mail and
// whatever Sieve runs (here sendmail for a redirect) belong to the userdb uid/gid.
import assert from "node:assert/strict";
import { chmodSync, lchownSync, lstatSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { maildirMessages, makeWorld } from "../fixtures/delivery/setup.js";
import { REPO, run } from "../helpers/cli.js";

const LDA = join(REPO, "bin", "loft-lda");
// Debian's mail account (uid/gid 8) stands for the user's own uid.
const UID = 8;
const world = makeWorld([
  {
    name: "una",
    extra: `userdb_uid=${UID} userdb_gid=${UID}`,
    script: 'redirect "una@far.test";\nkeep;\n',
  },
  { name: "gid-less", extra: `userdb_uid=${UID}` },
]);

after(() => world.remove());

function chownTree(path: string): void {
  lchownSync(path, UID, UID);
  if (lstatSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name));
}

test("as root, delivery runs with the user's uid/gid", {
  skip: process.geteuid?.() === 0 ? false : "needs root",
}, async () => {
  chmodSync(world.dir, 0o755);
  chmodSync(world.configFile, 0o644);
  chmodSync(join(world.dir, "users"), 0o644);
  chmodSync(join(world.dir, "outbox"), 0o777);
  chownTree(world.home("una"));
  const r = await run(process.execPath, [LDA, "-c", world.configFile, "-d", "una", "-f", "s@far.test"], {
    input: "From: <s@far.test>\nSubject: hi\n\nHello.\n",
    cwd: world.dir,
  });
  assert.equal(r.code, 0, r.stderr);
  const [message] = maildirMessages(world.home("una"));
  assert.ok(message);
  const mailFile = readdirSync(join(world.home("una"), "Maildir", "new"))[0]!;
  assert.equal(statSync(join(world.home("una"), "Maildir", "new", mailFile)).uid, UID);
  // The redirect's sendmail was started by the delivering process: its files show whose it was.
  const outbox = readdirSync(join(world.dir, "outbox"));
  assert.ok(outbox.length > 0, "the redirect was sent");
  for (const f of outbox) {
    const st = statSync(join(world.dir, "outbox", f));
    assert.deepEqual([st.uid, st.gid], [UID, UID], f);
  }
});

test("a userdb uid without a gid is a temporary failure, not a guess", {
  skip: process.geteuid?.() === 0 ? false : "needs root",
}, async () => {
  const r = await run(process.execPath, [LDA, "-c", world.configFile, "-d", "gid-less"], {
    input: "Subject: hi\n\nHello.\n",
    cwd: world.dir,
  });
  assert.equal(r.code, 75, r.stderr);
  assert.match(r.stderr, /uid but no gid/);
});
