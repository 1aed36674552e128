import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chownSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { LOFT, loft, tempDir } from "../helpers/cli.js";

// `loft sync` between mail locations: what is kept, re-runs, resuming, and issue 9's round trip
// through every format.

const tmp = tempDir();
const home = join(tmp.dir, "home");
const isRoot = process.geteuid?.() === 0;
const uid = isRoot ? 8 : process.geteuid!();
const gid = isRoot ? 8 : process.getegid!();

/** A config whose user `alice` keeps her mail at `location`. */
function config(name: string, location: string): string[] {
  const path = join(tmp.dir, `${name}.toml`);
  writeFileSync(path, `mail_location = "${location}"\n[auth]\npasswd_file = "users"\n`);
  return ["-c", path];
}
const SOURCE = "maildir:~/Maildir";
const TARGET = "maildir:~/Copy:LAYOUT=fs";
const source = () => config("source", SOURCE);
const target = () => config("target", TARGET);

async function ok(args: string[], input?: string): Promise<string> {
  const r = await loft(args, input === undefined ? { timeoutMs: 60_000 } : { input, timeoutMs: 60_000 });
  assert.equal(r.code, 0, `${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** Every message of every mailbox with what a sync must keep, as JSON rows. */
async function snapshot(cfg: string[]): Promise<unknown> {
  const fields = "mailbox uid guid flags size.physical size.virtual date.received text";
  const rows = JSON.parse(await ok(["fetch", "-u", "alice", "--json", fields, "all", ...cfg])) as Record<
    string,
    string
  >[];
  // The GUID of a Maildir message is its file name's base, which a copy gets anew. INTERNALDATE
  // has whole seconds in IMAP and in mbox's From_ line; Maildir's mtime has more.
  return rows.map(({ guid: _guid, ...rest }) => ({
    ...rest,
    "date.received": rest["date.received"]!.replace(/\.\d+Z$/, "Z"),
  }));
}

async function status(cfg: string[], mailbox: string): Promise<string> {
  return ok(["mailbox", "status", "-u", "alice", "messages uidvalidity uidnext", mailbox, ...cfg]);
}

/** A Maildir message file as another program (an MTA, a restore) would leave it; Loft gives it a UID. */
function maildirFile(dir: string, name: string, body: string, mtime: Date): void {
  const path = join(home, "Maildir", dir, name);
  writeFileSync(path, body);
  utimesSync(path, mtime, mtime);
  if (isRoot) chownSync(path, uid, gid);
}

before(() => {
  mkdirSync(home);
  if (isRoot) chownSync(home, uid, gid);
  writeFileSync(join(tmp.dir, "users"), `alice:{PLAIN}x:${uid}:${gid}::${home}::\n`);
});
after(tmp.remove);

test("sync keeps UIDs, UIDVALIDITY, UIDNEXT, flags, keywords, dates, bytes and subscriptions, and re-runs copy only changes", async () => {
  const src = source();
  await ok(["mailbox", "create", "-u", "alice", "Work", "Work/Süd", ...src]);
  await ok(["mailbox", "subscribe", "-u", "alice", "Work/Süd", ...src]);
  for (let i = 1; i <= 5; i++) {
    await ok(["save", "-u", "alice", ...src], `Subject: m${i}\r\n\r\nbody ${i}\r\nFrom the start\r\n`);
  }
  // LF line ends and no final newline must come through unchanged.
  await ok(["save", "-u", "alice", "-m", "Work/Süd", ...src], "Subject: lf\n\nline one\nlast line");
  await ok(["flags", "add", "-u", "alice", "\\Seen $Forwarded Work", "uid", "2:3", ...src]);
  // A gap in the UIDs and a UIDNEXT above the last message: both must be kept.
  await ok(["flags", "add", "-u", "alice", "\\Deleted", "uid", "4", ...src]);
  await ok(["expunge", "-u", "alice", "uid", "4:5", ...src]);
  const before = await snapshot(src);

  const first = await ok(["sync", "-u", "alice", "--to", TARGET, ...src]);
  assert.match(first, /4 messages copied/);
  const tgt = target();
  assert.deepEqual(await snapshot(tgt), before);
  for (const box of ["INBOX", "Work/Süd"]) assert.equal(await status(tgt, box), await status(src, box));
  assert.match(await status(tgt, "INBOX"), /\t6\n$/, "UIDNEXT stays above the expunged UIDs");
  assert.deepEqual(
    (await ok(["mailbox", "list", "-u", "alice", "-s", ...tgt])).split("\n").filter((l) => l.includes("Süd"))
      .length,
    1,
  );
  // The copy's files are Dovecot's layout=fs Maildir with the same UIDs in its dovecot-uidlist.
  const uidlist = readFileSync(join(home, "Copy", "dovecot-uidlist"), "utf8");
  assert.match(uidlist, /^3 V\d+ N6 /);
  assert.deepEqual(
    uidlist
      .split("\n")
      .slice(1, -1)
      .map((l) => l.split(" ")[0]),
    ["1", "2", "3"],
  );

  assert.match(
    await ok(["sync", "-u", "alice", "--to", TARGET, ...src]),
    /0 messages copied, 0 flag changes, 0 expunged/,
  );
  await ok(["flags", "remove", "-u", "alice", "\\Seen", "uid", "2", ...src]);
  await ok(["flags", "add", "-u", "alice", "\\Deleted", "uid", "3", ...src]);
  await ok(["expunge", "-u", "alice", "uid", "3", ...src]);
  await ok(["save", "-u", "alice", ...src], "Subject: later\r\n\r\nlater\r\n");
  assert.match(
    await ok(["sync", "-u", "alice", "--to", TARGET, ...src]),
    /1 messages copied, 1 flag changes, 1 expunged/,
  );
  assert.deepEqual(await snapshot(tgt), await snapshot(src));
});

test("sync refuses its own location and a target mailbox holding other mail", async () => {
  const r = await loft(["sync", "-u", "alice", "--to", "maildir:~/Maildir", ...source()]);
  assert.equal(r.code, 64, r.stderr);
  assert.match(r.stderr, /already is/);
  const other = config("other", "maildir:~/Other");
  await ok(["save", "-u", "alice", ...other], "Subject: unrelated\r\n\r\nx\r\n");
  const refused = await loft(["sync", "-u", "alice", "--to", "maildir:~/Other", ...source()]);
  assert.equal(refused.code, 65, refused.stderr);
  assert.match(refused.stderr, /INBOX: the target mailbox already holds other mail/);
});

test("a sync killed half-way continues where it stopped when run again", async () => {
  const src = source();
  await ok(["mailbox", "create", "-u", "alice", "Big", ...src]);
  const dir = join(home, "Maildir", ".Big", "cur");
  assert.ok(existsSync(dir));
  for (let i = 0; i < 400; i++) {
    const flags = i % 3 === 0 ? "S" : "";
    maildirFile(
      ".Big/cur",
      `${1_700_000_000 + i}.M${i}P1.host:2,${flags}`,
      `Subject: ${i}\n\n${"x".repeat(2000)}\n`,
      new Date(1_700_000_000_000 + i * 1000),
    );
  }
  const want = await snapshot(src);
  const killed = spawn(process.execPath, [LOFT, "sync", "-u", "alice", "--to", "maildir:~/Half", ...src], {
    env: { ...process.env, LOFT_CONFIG: "" },
    stdio: "ignore",
  });
  const uidlist = join(home, "Half", ".Big", "dovecot-uidlist");
  const deadline = Date.now() + 60_000;
  // Kill it once part of the big mailbox is copied.
  while (Date.now() < deadline) {
    const lines = existsSync(uidlist) ? readFileSync(uidlist, "utf8").split("\n").length : 0;
    if (lines > 50) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  killed.kill("SIGKILL");
  await new Promise((r) => killed.once("exit", r));
  const copiedBefore = readFileSync(uidlist, "utf8").split("\n").length - 2;
  assert.ok(copiedBefore > 0 && copiedBefore < 400, `killed after ${copiedBefore} messages`);
  const again = await ok(["sync", "-u", "alice", "--to", "maildir:~/Half", ...src]);
  const copied = Number(/(\d+) messages copied/.exec(again)?.[1]);
  assert.ok(copied < 406 && copied >= 400 - copiedBefore, again);
  assert.deepEqual(await snapshot(config("half", "maildir:~/Half")), want);
});

test("maildir → mbox → sdbox → mdbox → maildir keeps every message, UID, flag and date", async () => {
  const start = config("trip", "maildir:~/Trip");
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
  const state = async (cfg: string[]) => ({
    messages: await snapshot(cfg),
    status: [await status(cfg, "INBOX"), await status(cfg, "Lists/Dev")],
    subscribed: await ok(["mailbox", "list", "-u", "alice", "-s", ...cfg]),
  });
  const want = await state(start);

  const steps: [string, string][] = [
    ["mbox", "mbox:~/mail:INBOX=~/mail/inbox"],
    ["sdbox", "sdbox:~/sdbox"],
    ["mdbox", "mdbox:~/mdbox"],
    ["maildir-again", "maildir:~/Trip2"],
  ];
  let from = start;
  for (const [name, location] of steps) {
    const out = await ok(["sync", "-u", "alice", "--to", location, ...from]);
    assert.match(out, /4 messages copied/, `${name}: ${out}`);
    const here = config(name, location);
    assert.deepEqual(await state(here), want, `after the copy into ${name}`);
    from = here;
  }
});
