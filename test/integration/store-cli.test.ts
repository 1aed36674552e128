import assert from "node:assert/strict";
import { chownSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loft, tempDir } from "../helpers/cli.js";

const tmp = tempDir();
const config = join(tmp.dir, "loft.toml");
const home = join(tmp.dir, "home");
const c = ["-c", config];
const isRoot = process.geteuid?.() === 0;
// As root, the userdb's uid/gid own the mail (Debian's `mail` user); otherwise the current user.
const uid = isRoot ? 8 : process.geteuid!();
const gid = isRoot ? 8 : process.getegid!();

function tsv(text: string): string[][] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => l.split("\t"));
}

before(() => {
  writeFileSync(
    config,
    '[auth]\npasswd_file = "users"\n[[mailboxes]]\nname = "Sent"\nspecial_use = "\\\\Sent"\nauto = "create"\n',
  );
  mkdirSync(home);
  if (isRoot) chownSync(home, uid, gid);
  writeFileSync(
    join(tmp.dir, "users"),
    `alice:{PLAIN}x:${uid}:${gid}::${home}::userdb_quota_rule=*:storage=1M:messages=5\n`,
  );
});
after(tmp.remove);

test("mailbox, save, fetch, search, flags, copy, move, expunge, quota and index rebuild, doveadm-shaped", async () => {
  const run = async (args: string[], input?: string) => {
    const r = await loft([...args, ...c], input === undefined ? {} : { input });
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
    return r.stdout;
  };
  await run(["mailbox", "create", "-u", "alice", "Work", "Work/Süd"]);
  await run(
    ["save", "-u", "alice"],
    "From: Bob <bob@example.org>\r\nSubject: =?utf-8?q?H=C3=A9llo?=\r\n\r\nfirst body\r\n",
  );
  await run(["save", "-u", "alice", "-m", "Work/Süd"], "Subject: second\n\nother body\n");
  assert.deepEqual(tsv(await run(["mailbox", "list", "-u", "alice"])), [
    ["mailbox", "attributes"],
    ["INBOX", "\\HasNoChildren"],
    ["Sent", "\\HasNoChildren \\Sent"],
    ["Work", "\\HasChildren"],
    ["Work/Süd", "\\HasNoChildren"],
  ]);
  assert.deepEqual(tsv(await run(["fetch", "-u", "alice", "mailbox uid flags hdr.subject", "all"])), [
    ["mailbox", "uid", "flags", "hdr.subject"],
    ["INBOX", "1", "", "Héllo"],
    ["Work/Süd", "1", "", "second"],
  ]);
  await run(["flags", "add", "-u", "alice", "\\Seen Junk", "subject", "héllo"]);
  const json = JSON.parse(
    await run(["fetch", "-u", "alice", "--json", "mailbox uid flags", "or", "seen", "body", "other"]),
  );
  assert.deepEqual(json, [
    { mailbox: "INBOX", uid: 1, flags: "\\Seen Junk" },
    { mailbox: "Work/Süd", uid: 1, flags: "" },
  ]);
  assert.deepEqual(tsv(await run(["search", "-u", "alice", "unseen"])), [
    ["mailbox", "uid"],
    ["Work/Süd", "1"],
  ]);
  assert.deepEqual(tsv(await run(["copy", "-u", "alice", "Work", "mailbox", "INBOX", "all"])).slice(1), [
    ["INBOX", "1", "1"],
  ]);
  assert.deepEqual(tsv(await run(["move", "-u", "alice", "Work", "mailbox", "Work/Süd"])).slice(1), [
    ["Work/Süd", "1", "2"],
  ]);
  await run(["expunge", "-u", "alice", "mailbox", "Work", "uid", "1"]);
  assert.deepEqual(
    tsv(await run(["mailbox", "status", "-u", "alice", "messages unseen uidnext", "Work", "Work/Süd"])),
    [
      ["mailbox", "messages", "unseen", "uidnext"],
      ["Work", "1", "1", "3"],
      ["Work/Süd", "0", "0", "2"],
    ],
  );
  const quota = tsv(await run(["quota", "get", "-u", "alice"]));
  assert.deepEqual(quota[2], ["MESSAGE", "2", "5"]);
  assert.equal(quota[1]![2], String(1024 * 1024));
  await run(["index", "rebuild", "-u", "alice"]);
  assert.deepEqual(tsv(await run(["quota", "recalc", "-u", "alice"])), quota);
  await run(["mailbox", "rename", "-u", "alice", "Work", "Job"]);
  await run(["mailbox", "subscribe", "-u", "alice", "Job"]);
  assert.deepEqual(tsv(await run(["mailbox", "list", "-u", "alice", "--subscribed"])).slice(1), [
    ["Job", "\\HasChildren \\Subscribed"],
  ]);

  // Everything created is the user's, as with Dovecot's delivery.
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      assert.equal(statSync(path).uid, uid, path);
      if (entry.isDirectory()) walk(path);
    }
  };
  walk(home);
});

test("errors end with a message and a sysexits code", async () => {
  const bad = await loft(["mailbox", "create", "-u", "alice", "../escape", ...c]);
  assert.equal(bad.code, 65);
  assert.match(bad.stderr, /Invalid mailbox name/);
  const missing = await loft(["fetch", "-u", "alice", "uid", "mailbox", "Nope", ...c]);
  assert.equal(missing.code, 0, "no mailbox matches: an empty listing");
  const nouser = await loft(["search", "-u", "nobody", "all", ...c]);
  assert.equal(nouser.code, 67);
  const nobox = await loft(["save", "-u", "alice", "-m", "Nope", ...c], { input: "Subject: x\n\nx\n" });
  assert.equal(nobox.code, 66);
  const query = await loft(["search", "-u", "alice", "frobnicate", ...c]);
  assert.equal(query.code, 64);
  const nofields = await loft(["fetch", "-u", "alice", " ", "all", ...c]);
  assert.equal(nofields.code, 64, "fetch without fields prints no empty rows");
  assert.match(nofields.stderr, /no fetch fields given/);
});

test("a file or directory that cannot be used ends a command with the system's message, not a stack trace", async () => {
  const file = join(tmp.dir, "a-file");
  writeFileSync(file, "");
  const r = await loft(["sync", "-u", "alice", "--to", `maildir:${file}`, ...c]);
  assert.equal(r.code, 74, r.stderr);
  assert.match(r.stderr, /^loft: ENOTDIR: not a directory/);
  assert.doesNotMatch(r.stderr, /^\s+at /m);
});

test("an empty message is listed and searched by header like any other", async () => {
  const saved = await loft(["save", "-u", "alice", "-m", "Sent", ...c], { input: "" });
  assert.equal(saved.code, 0, saved.stderr);
  const fetched = await loft(["fetch", "-u", "alice", "size hdr.subject", "mailbox", "Sent", ...c]);
  assert.equal(fetched.code, 0, fetched.stderr);
  assert.deepEqual(tsv(fetched.stdout), [
    ["size", "hdr.subject"],
    ["0", ""],
  ]);
  const found = await loft(["search", "-u", "alice", "mailbox", "Sent", "subject", "x", ...c]);
  assert.equal(found.code, 0, found.stderr);
});

test("a failed mailbox command names the operation and the mailbox, as doveadm does", async () => {
  const gone = await loft(["mailbox", "delete", "-u", "alice", "Nope", ...c]);
  assert.equal(gone.code, 66);
  assert.match(gone.stderr, /^loft: Can't delete mailbox Nope: Mailbox doesn't exist/);
  const twice = await loft(["mailbox", "create", "-u", "alice", "Twice", "Twice", ...c]);
  assert.equal(twice.code, 73);
  assert.match(twice.stderr, /^loft: Can't create mailbox Twice: Mailbox already exists/);
  const rename = await loft(["mailbox", "rename", "-u", "alice", "Absent", "Other", ...c]);
  assert.equal(rename.code, 66);
  assert.match(rename.stderr, /^loft: Can't rename mailbox Absent: /);
});
