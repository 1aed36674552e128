import assert from "node:assert/strict";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { type ImapServer, PASSWORD, startImapServer } from "../fixtures/imap/setup.js";
import { run } from "../helpers/cli.js";
import { LineClient } from "../helpers/line-client.js";

const MESSAGES = 500;
const canRun = existsSync("/usr/bin/mbsync");
let imap: ImapServer;
let local: string;
let rc: string;

before(async () => {
  if (!canRun) return;
  imap = await startImapServer(["sync"]);
  local = join(imap.dir, "local");
  mkdirSync(local);
  rc = join(imap.dir, "mbsyncrc");
  writeFileSync(
    rc,
    [
      "IMAPAccount loft",
      "Host 127.0.0.1",
      `Port ${imap.port}`,
      "User sync",
      `Pass ${PASSWORD}`,
      "SSLType None",
      "AuthMechs LOGIN",
      "",
      "IMAPStore far",
      "Account loft",
      "",
      "MaildirStore near",
      `Path ${local}/`,
      `Inbox ${local}/INBOX`,
      "SubFolders Verbatim",
      "",
      "Channel sync",
      "Far :far:",
      "Near :near:",
      "Patterns *",
      "Create Both",
      "Expunge Both",
      "SyncState *",
      "",
    ].join("\n"),
  );
});

after(async () => {
  await imap?.stop();
});

async function imapSession(): Promise<{
  c: LineClient;
  command: (tag: string, text: string) => Promise<string>;
}> {
  const c = await LineClient.open(imap.port);
  await c.readUntil(/^\* OK /);
  const command = async (tag: string, text: string) => {
    c.send(`${tag} ${text}\r\n`);
    return c.readUntil(new RegExp(`^${tag} (OK|NO|BAD) `), 30_000);
  };
  assert.match(await command("l", `LOGIN sync ${PASSWORD}`), /^l OK/m);
  return { c, command };
}

function mbsync(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return run("mbsync", ["-c", rc, "-a"], { timeoutMs: 60_000 });
}

/** Local INBOX messages: file paths with their Maildir flags. */
function localMessages(): Array<{ path: string; flags: string }> {
  const out: Array<{ path: string; flags: string }> = [];
  for (const sub of ["new", "cur"]) {
    const dir = join(local, "INBOX", sub);
    for (const name of readdirSync(dir))
      out.push({ path: join(dir, name), flags: name.split(":2,")[1] ?? "" });
  }
  return out;
}

test("mbsync syncs 500 messages, then flag changes and deletions both ways", {
  skip: !canRun && "needs mbsync",
}, async () => {
  const { c, command } = await imapSession();
  const bodies: Buffer[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const body = `From: s${i}@example.com\r\nSubject: message ${i}\r\nMessage-ID: <m${i}@example.com>\r\n\r\nBody ${i}\r\n`;
    bodies.push(
      Buffer.from(`a${i} APPEND INBOX ${i % 3 === 0 ? "(\\Seen) " : ""}{${body.length}+}\r\n${body}\r\n`),
    );
  }
  c.send(Buffer.concat(bodies));
  await c.readUntil(new RegExp(`^a${MESSAGES - 1} OK`), 30_000);

  const first = await mbsync();
  assert.equal(first.code, 0, first.stderr);
  let near = localMessages();
  assert.equal(near.length, MESSAGES);
  assert.equal(near.filter((m) => m.flags.includes("S")).length, Math.ceil(MESSAGES / 3));

  // Near side: flag ten messages, delete five.
  const byId = (m: { path: string }) => /Message-ID: <m(\d+)@/.exec(readFileSync(m.path, "latin1"))![1]!;
  near.sort((a, b) => Number(byId(a)) - Number(byId(b)));
  for (const m of near.slice(0, 10)) {
    const [base, flags = ""] = m.path.split(":2,");
    renameSync(m.path, `${base!.replace("/new/", "/cur/")}:2,${[...`${flags}F`].sort().join("")}`);
  }
  for (const m of near.slice(10, 15)) rmSync(m.path);
  // Far side: flag ten others, expunge five others.
  await command("s", "SELECT INBOX");
  assert.match(await command("f", "STORE 21:30 +FLAGS.SILENT (\\Flagged)"), /^f OK/m);
  assert.match(await command("d", "STORE 101:105 +FLAGS.SILENT (\\Deleted)"), /^d OK/m);
  assert.match(await command("e", "EXPUNGE"), /^e OK/m);
  await command("u", "UNSELECT");

  const second = await mbsync();
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(`${second.stdout}${second.stderr}`, /error/i);

  near = localMessages();
  assert.equal(near.length, MESSAGES - 10);
  assert.equal(near.filter((m) => m.flags.includes("F")).length, 20);
  const status = await command("t", "STATUS INBOX (MESSAGES)");
  assert.match(status, new RegExp(`MESSAGES ${MESSAGES - 10}\\)`));
  await command("s2", "EXAMINE INBOX");
  const flagged = await command("g", "SEARCH FLAGGED");
  assert.equal(/^\* SEARCH (.*)\r$/m.exec(flagged)![1]!.split(" ").length, 20, flagged);
  const deleted = await command("h", "SEARCH OR HEADER Message-ID <m12@ HEADER Message-ID <m102@");
  assert.match(deleted, /^\* SEARCH\r$/m);
  c.close();

  const third = await mbsync();
  assert.equal(third.code, 0, third.stderr);
  assert.equal(localMessages().length, MESSAGES - 10);
});
