import assert from "node:assert/strict";
import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { loft, tempDir } from "../helpers/cli.js";

// Issue 9's round trip: maildir → mbox → sdbox → mdbox → maildir with `loft sync`, every message
// byte-identical under the same UID with the same flags, keywords and INTERNALDATE.

const tmp = tempDir();
const home = join(tmp.dir, "home");
const isRoot = process.geteuid?.() === 0;
const uid = isRoot ? 8 : process.geteuid!();
const gid = isRoot ? 8 : process.getegid!();

function config(name: string, location: string): string[] {
  const path = join(tmp.dir, `${name}.toml`);
  writeFileSync(path, `mail_location = "${location}"\n[auth]\npasswd_file = "users"\n`);
  return ["-c", path];
}

async function ok(args: string[], input?: string): Promise<string> {
  const r = await loft(args, input === undefined ? { timeoutMs: 60_000 } : { input, timeoutMs: 60_000 });
  assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** What the round trip must keep: all but the GUID, which Maildir takes from file names. */
async function snapshot(cfg: string[]): Promise<unknown> {
  const fields = "mailbox uid flags size.physical size.virtual date.received text";
  const messages = JSON.parse(await ok(["fetch", "-u", "alice", "--json", fields, "all", ...cfg])) as Record<
    string,
    string
  >[];
  // INTERNALDATE has whole seconds in IMAP and in mbox's From_ line; Maildir's mtime has more.
  for (const m of messages) m["date.received"] = m["date.received"]!.replace(/\.\d+Z$/, "Z");
  const status = await Promise.all(
    ["INBOX", "Lists/Dev"].map((box) =>
      ok(["mailbox", "status", "-u", "alice", "messages uidvalidity uidnext", box, ...cfg]),
    ),
  );
  const subscribed = await ok(["mailbox", "list", "-u", "alice", "-s", ...cfg]);
  return { messages, status, subscribed };
}

before(() => {
  mkdirSync(home);
  if (isRoot) chownSync(home, uid, gid);
  writeFileSync(join(tmp.dir, "users"), `alice:{PLAIN}x:${uid}:${gid}::${home}::\n`);
});
after(tmp.remove);

test("maildir → mbox → sdbox → mdbox → maildir keeps every message, UID, flag and date", async () => {
  const start = config("maildir", "maildir:~/Maildir");
  await ok(["mailbox", "create", "-u", "alice", "Lists/Dev", ...start]);
  await ok(["mailbox", "subscribe", "-u", "alice", "Lists/Dev", ...start]);
  const messages = [
    // A body line starting "From " is stored as ">From " in mbox, as Postfix's local delivery, mutt and
    // procmail store it (see the mbox tests), so only already-quoted lines can come back unchanged.
    "From: a@example.org\nSubject: plain\n\n>From quoted already\n>>From twice\n",
    "Subject: =?utf-8?q?S=C3=BCd?=\nContent-Type: text/plain; charset=utf-8\n\nGrüße\n\n\n",
    `Subject: big\n\n${"0123456789abcdef".repeat(8000)}\n`,
    "Subject: three\n\nthree\n",
  ];
  for (const body of messages) await ok(["save", "-u", "alice", ...start], body);
  await ok(["save", "-u", "alice", "-m", "Lists/Dev", ...start], "Subject: dev\n\ndev list\n");
  await ok(["flags", "add", "-u", "alice", "\\Seen \\Flagged $Label1 Work", "uid", "1:2", ...start]);
  await ok(["flags", "add", "-u", "alice", "\\Answered \\Draft", "mailbox", "Lists/Dev", "all", ...start]);
  await ok(["flags", "add", "-u", "alice", "\\Deleted", "uid", "3", ...start]);
  await ok(["expunge", "-u", "alice", "uid", "3", ...start]);
  const want = await snapshot(start);

  const steps: [string, string][] = [
    ["mbox", "mbox:~/mail:INBOX=~/mail/inbox"],
    ["sdbox", "sdbox:~/sdbox"],
    ["mdbox", "mdbox:~/mdbox"],
    ["maildir-again", "maildir:~/Maildir2"],
  ];
  let from = start;
  for (const [name, location] of steps) {
    const out = await ok(["sync", "-u", "alice", "--to", location, ...from]);
    assert.match(out, /4 messages copied/, `${name}: ${out}`);
    const here = config(name, location);
    assert.deepEqual(await snapshot(here), want, `after the copy into ${name}`);
    from = here;
  }
});
