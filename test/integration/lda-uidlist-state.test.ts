// loft-lda into a big Maildir: what one delivery learnt of dovecot-uidlist (kept in the mailbox's
// tmp/) spares the next one reading the whole list; a state that no longer fits the file is not used.
import assert from "node:assert/strict";
import {
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { makeWorld } from "../fixtures/delivery/setup.js";
import { REPO, run } from "../helpers/cli.js";

const world = makeWorld([{ name: "big" }, { name: "small" }]);
after(() => world.remove());
const maildir = join(world.home("big"), "Maildir");
const uidlist = join(maildir, "dovecot-uidlist");
const stateFile = join(maildir, "tmp", ".loft-uidlist-state");
const MESSAGES = 2000;

function lda(subject: string, user = "big") {
  return run(
    process.execPath,
    [join(REPO, "bin", "loft-lda"), "-c", world.configFile, "-d", user, "-f", "s@far.test"],
    {
      input: `From: <s@far.test>\nSubject: ${subject}\n\nbody\n`,
      cwd: world.dir,
    },
  );
}

/** The UID dovecot-uidlist gives the message with this subject. */
function uidOf(subject: string): number {
  for (const line of readFileSync(uidlist, "utf8").split("\n").slice(1)) {
    const base = line.slice(line.indexOf(" :") + 2);
    for (const sub of ["new", "cur"]) {
      try {
        if (readFileSync(join(maildir, sub, base), "utf8").includes(`Subject: ${subject}\n`))
          return Number(line.split(" ")[0]);
      } catch {
        // Not in this directory.
      }
    }
  }
  return 0;
}

test("a delivery into a big Maildir reads only what was appended since the previous one", async () => {
  for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(maildir, sub), { recursive: true });
  let list = `3 V1700000000 N${MESSAGES + 1} G0123456789abcdef0123456789abcdef\n`;
  for (let i = 1; i <= MESSAGES; i++) {
    const base = `1700000000.M${String(i).padStart(6, "0")}P1.old.example,S=20,W=22`;
    writeFileSync(join(maildir, "cur", `${base}:2,S`), `Subject: old ${i}\n\nx\n`);
    list += `${i} W22 :${base}\n`;
  }
  writeFileSync(uidlist, list);

  assert.equal((await lda("first")).code, 0);
  assert.equal(uidOf("first"), MESSAGES + 1);
  assert.equal(statSync(stateFile).mode & 0o777, 0o600, "a state kept, private");

  // A line in the middle made one a reader rewrites for (an extension token Dovecot drops: not
  // A–Z), in place: a delivery that read the whole list would rewrite the file (a new inode).
  const at = readFileSync(uidlist, "utf8").indexOf("\n1000 W22 :") + 1;
  assert.ok(at > 0);
  const fd = openSync(uidlist, "r+");
  writeSync(fd, "1000 w22", at);
  closeSync(fd);
  const inode = statSync(uidlist).ino;
  assert.equal((await lda("second")).code, 0);
  assert.equal(uidOf("second"), MESSAGES + 2);
  assert.equal(statSync(uidlist).ino, inode, "appended to, not read whole and rewritten");

  // Without the state the next delivery reads the whole list, finds the bad line and rewrites it.
  writeFileSync(stateFile, "{}");
  assert.equal((await lda("third")).code, 0);
  assert.equal(uidOf("third"), MESSAGES + 3);
  assert.notEqual(statSync(uidlist).ino, inode, "read whole: rewritten");

  // A state of a file since rewritten (another inode) is not used: the UIDs go on right.
  assert.equal((await lda("fourth")).code, 0);
  const rewritten = readFileSync(uidlist, "utf8");
  writeFileSync(`${uidlist}.new`, rewritten);
  renameSync(`${uidlist}.new`, uidlist);
  assert.equal((await lda("fifth")).code, 0);
  assert.deepEqual(["fourth", "fifth"].map(uidOf), [MESSAGES + 4, MESSAGES + 5]);
});

test("a small uidlist (under 64 KiB) is read whole and keeps no state", async () => {
  assert.equal((await lda("one", "small")).code, 0);
  assert.equal((await lda("two", "small")).code, 0);
  const tmp = join(world.home("small"), "Maildir", "tmp");
  assert.ok(!readdirSync(tmp).includes(".loft-uidlist-state"), readdirSync(tmp).join(", "));
});
