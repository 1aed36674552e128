// loft-lda into Maildir for a user without quota limits saves through the files alone: no index is
// opened, the message gets its UID in dovecot-uidlist and its flags in the file name, and the next
// reader (here `loft fetch`) indexes it as mail another program delivered. A user with limits
// still goes through the index, which counts the usage. Sieve's mailboxid extension finds
// mailboxes by the GUID in dovecot-uidlist's header either way.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { maildirMessages, makeWorld } from "../fixtures/delivery/setup.js";
import { LOFT, REPO, run } from "../helpers/cli.js";

const SORTER = `require ["fileinto", "mailbox", "imap4flags"];
if header :contains "subject" "urgent" { fileinto :create :flags ["\\\\Flagged", "$Urgent"] "Work"; }
`;
const world = makeWorld(
  [
    { name: "plain", script: SORTER },
    { name: "limited", script: SORTER, extra: "userdb_quota_rule=*:messages=100" },
  ],
  '[sieve]\nextensions = ["+mailboxid", "+special-use"]',
);
after(() => world.remove());

function lda(user: string, subject: string) {
  return run(
    process.execPath,
    [join(REPO, "bin", "loft-lda"), "-c", world.configFile, "-d", user, "-e", "-f", "s@far.test"],
    { input: `From: <s@far.test>\nSubject: ${subject}\n\nbody\n`, cwd: world.dir },
  );
}

async function fetch(user: string): Promise<string[]> {
  const r = await run(
    process.execPath,
    [LOFT, "-c", world.configFile, "fetch", "-u", user, "mailbox uid flags hdr.subject", "all"],
    { cwd: world.dir },
  );
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split("\n").slice(1).sort();
}

const indexFiles = (user: string) =>
  existsSync(join(world.home(user), ".loft"))
    ? readdirSync(join(world.home(user), ".loft")).filter((f) => f.startsWith("index-"))
    : [];

/** The mailbox GUID Dovecot's Maildir keeps in the uidlist header (`G…`). */
function mailboxGuid(user: string, folder = ""): string {
  const header = readFileSync(join(world.home(user), "Maildir", folder, "dovecot-uidlist"), "utf8").split(
    "\n",
  )[0]!;
  const guid = / G([0-9a-f]{32})\b/.exec(header)?.[1];
  assert.ok(guid, `a GUID in the uidlist header: ${header}`);
  return guid;
}

function setScript(user: string, script: string): void {
  writeFileSync(join(world.home(user), "sieve", "main.sieve"), script);
}

describe("loft-lda without the index", () => {
  test("saves into Maildir with UIDs and flags, opening no index; the next reader sees it all", async () => {
    for (const subject of ["hello", "urgent: call back", "again"]) {
      const r = await lda("plain", subject);
      assert.equal(r.code, 0, r.stderr);
    }
    assert.deepEqual(indexFiles("plain"), [], "no index file was made");
    const work = maildirMessages(world.home("plain"), "Work");
    assert.equal(work.length, 1);
    // F for \Flagged; `a` for the first keyword of .Work/dovecot-keywords.
    assert.match(work[0]!.name, /:2,Fa$/);
    assert.match(
      readFileSync(join(world.home("plain"), "Maildir", ".Work", "dovecot-keywords"), "utf8"),
      /^0 \$Urgent$/m,
    );
    assert.equal(maildirMessages(world.home("plain")).length, 2);
    assert.deepEqual(await fetch("plain"), [
      "INBOX\t1\t\thello",
      "INBOX\t2\t\tagain",
      "Work\t1\t\\Flagged $Urgent\turgent: call back",
    ]);
  });

  test("a user with quota limits is saved through the index, which counts the usage", async () => {
    assert.equal((await lda("limited", "urgent: now")).code, 0);
    assert.equal(indexFiles("limited").length, 1, "the index was made");
    const q = await run(process.execPath, [LOFT, "-c", world.configFile, "quota", "get", "-u", "limited"], {
      cwd: world.dir,
    });
    assert.equal(q.code, 0, q.stderr);
    assert.match(q.stdout, /MESSAGE\s+1\s+100/);
  });

  for (const user of ["plain", "limited"]) {
    test(`Sieve mailboxid finds a mailbox by the GUID in its uidlist (${user})`, async () => {
      const guid = mailboxGuid(user, ".Work");
      setScript(
        user,
        `require ["fileinto", "mailbox", "mailboxid"];
if mailboxidexists "${guid}" { fileinto :mailboxid "${guid}" "Elsewhere"; }
elsif mailboxidexists "00000000000000000000000000000000" { fileinto :create "Wrong"; }
`,
      );
      assert.equal((await lda(user, "found by id")).code, 0);
      const work = maildirMessages(world.home(user), "Work").map((m) => m.text);
      assert.ok(
        work.some((t) => t.includes("Subject: found by id")),
        "filed into Work by its GUID",
      );
      assert.equal(existsSync(join(world.home(user), "Maildir", ".Elsewhere")), false);
      assert.equal(existsSync(join(world.home(user), "Maildir", ".Wrong")), false);
    });
  }

  test("fileinto :specialuse files into the mailbox with that special use", async () => {
    setScript("plain", 'require ["fileinto", "special-use"];\nfileinto :specialuse "\\\\Junk" "Spam";\n');
    assert.equal((await lda("plain", "cheap pills")).code, 0);
    const junk = maildirMessages(world.home("plain"), "Junk").map((m) => m.text);
    assert.ok(
      junk.some((t) => t.includes("Subject: cheap pills")),
      "filed into Junk, the \\Junk mailbox",
    );
    assert.equal(existsSync(join(world.home("plain"), "Maildir", ".Spam")), false);
  });

  test("a message indexed after its delivery keeps the delivery's time as its save date (the file's ctime)", async () => {
    setScript("plain", "keep;\n");
    const delivered = Date.now();
    assert.equal((await lda("plain", "saved when")).code, 0);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const r = await run(
      process.execPath,
      [LOFT, "-c", world.configFile, "fetch", "-u", "plain", "date.saved hdr.subject", "mailbox", "INBOX"],
      { cwd: world.dir },
    );
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split("\n").find((l) => l.endsWith("\tsaved when"));
    assert.ok(line, r.stdout);
    const saved = Date.parse(line.split("\t")[0]!);
    assert.ok(
      Math.abs(saved - delivered) < 1000,
      `saved ${new Date(saved).toISOString()}, delivered ${new Date(delivered).toISOString()}`,
    );
  });

  test("quota get counts mail delivered without the index", async () => {
    assert.equal((await lda("plain", "counted")).code, 0);
    const q = await run(process.execPath, [LOFT, "-c", world.configFile, "quota", "get", "-u", "plain"], {
      cwd: world.dir,
    });
    assert.equal(q.code, 0, q.stderr);
    const maildir = join(world.home("plain"), "Maildir");
    const folders = ["", ...readdirSync(maildir).filter((f) => f.startsWith("."))];
    const files = folders.flatMap((f) => ["new", "cur"].flatMap((sub) => readdirSync(join(maildir, f, sub))));
    assert.match(q.stdout, new RegExp(`MESSAGE\\s+${files.length}\\s+-`));
  });
});
