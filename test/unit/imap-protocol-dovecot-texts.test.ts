import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { CommandReader, errorResponse, parseCommand } from "../../src/imap/protocol/index.js";

/**
 * Malformed commands sent to Dovecot's own imap binary (preauthenticated over a pipe, see
 * docs/test-peers.md) and to the reader and grammar here: the BAD lines must be the same,
 * Dovecot's timing suffix aside. Places where Loft follows the RFC instead of Dovecot are
 * not in these scripts; the grammar tests cover them.
 */

const IMAP = "/usr/lib/dovecot/imap";
const canRun = existsSync(IMAP) && process.getuid?.() === 0;
let dir = "";

before(() => {
  if (!canRun) return;
  dir = mkdtempSync(join(tmpdir(), "loft-imap-texts-"));
  const uid = Number(execFileSync("id", ["-u", "mail"]).toString());
  const gid = Number(execFileSync("id", ["-g", "mail"]).toString());
  for (const d of ["home", "run", "state"]) mkdirSync(join(dir, d));
  writeFileSync(
    join(dir, "dovecot.conf"),
    [
      `base_dir = ${dir}/run`,
      `state_dir = ${dir}/state`,
      `log_path = ${dir}/log`,
      "instance_name = loft-imap-texts",
      "mail_location = maildir:~/Maildir",
      `first_valid_uid = ${uid}`,
      "protocols = imap",
      "ssl = no",
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "log"), "");
  for (const p of [dir, join(dir, "home"), join(dir, "run"), join(dir, "state"), join(dir, "log")])
    chownSync(p, uid, gid);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs Dovecot's imap on the input; resolves with its output. */
function dovecot(input: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "setpriv",
      [
        "--reuid=mail",
        "--regid=mail",
        "--clear-groups",
        "env",
        "USER=mail",
        `HOME=${dir}/home`,
        IMAP,
        "-c",
        `${dir}/dovecot.conf`,
      ],
      { stdio: ["pipe", "pipe", "ignore"] },
    );
    const out: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), 20000);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(timer);
      resolve(Buffer.concat(out).toString("latin1"));
    });
    child.stdin.end(input);
  });
}

const TIMING = / \(\d+\.\d+ \+ \d+\.\d+(?: \+ \d+\.\d+)? secs\)\.$/;

function badLines(output: string): string[] {
  return output
    .split("\r\n")
    .filter((l) => /^\S+ BAD /.test(l))
    .map((l) => l.replace(TIMING, ""));
}

/** What a session built on this layer answers: the reader's and the grammar's BADs. */
function ours(input: Buffer): string[] {
  const reader = new CommandReader();
  reader.push(input);
  const out: string[] = [];
  for (let ev = reader.next(); ev !== null; ev = reader.next()) {
    if (ev.type === "error") out.push(errorResponse(ev.error).toString("latin1").trimEnd());
    if (ev.type === "command") {
      const r = parseCommand(ev.command);
      if (!r.ok) out.push(errorResponse(r.error).toString("latin1").trimEnd());
    }
  }
  return out;
}

// Dovecot disconnects after 20 bad commands, so each script stays below that.
const setup = "s1 APPEND INBOX {21+}\r\nSubject: hi\r\n\r\nbody\r\n\r\ns2 EXAMINE INBOX\r\n";
const scripts: string[][] = [
  [
    "a1 FOO",
    "a2",
    "* NOOP",
    "a+ NOOP",
    "a3  NOOP",
    "a4 UID",
    "a5 UID NOOP",
    "a6 NO\0OP",
    "a7 SELECT",
    'a8 SELECT "INBOX',
    'a9 SELECT "IN\0BOX"',
    "b1 CREATE",
    "b2 RENAME a",
    "b3 STATUS INBOX",
    "b4 STATUS INBOX (FOO)",
    "b5 STATUS INBOX ()",
    'b6 LIST ""',
    'b7 LIST (FOO) "" *',
    'b8 LIST "" * RETURN (FOO)',
  ],
  [
    "c1 FETCH 1 (FLAGS",
    "c2 FETCH 0 FLAGS",
    "c3 FETCH 1:x FLAGS",
    "c4 FETCH 1 (FLAGS))",
    "c5 FETCH 1 BODY[FOO]",
    "c6 FETCH 1 FOO",
    "c7 FETCH 1 BODY[HEADER.FIELDS]",
    "c8 FETCH 1 BODY[MIME]",
    "c9 FETCH 1 BODY[HEADER.FIELDS ()]",
    "d1 FETCH 1,,2 FLAGS",
    "d2 FETCH 4294967296 FLAGS",
    "d3 FETCH 1 ()",
    "d4 FETCH 1 (ALL)",
    "d5 FETCH 1 (FLAGS) (CHANGEDSINCE x)",
    "d6 COPY 1",
    "d7 UID EXPUNGE",
  ],
  [
    "e1 SEARCH",
    "e2 SEARCH FOO",
    "e3 SEARCH (ALL",
    "e4 SEARCH OR ALL",
    "e5 SEARCH NOT",
    "e6 SEARCH ()",
    "e7 SEARCH LARGER x",
    "e8 SEARCH UID x",
    "e9 SEARCH HEADER x",
    "f1 SEARCH SINCE 1-Foo-2020",
    "f2 SEARCH RETURN (FOO) ALL",
    "f3 SEARCH MODSEQ x",
    "f4 STORE 1 FOOFLAGS \\Seen",
    "f5 STORE 1 +FLAGS (\\Foo)",
    "f6 STORE 1 +FLAGS (\\Recent)",
    "f7 STORE 1 +FLAGS (\\Seen",
  ],
  [`g1 SELECT ${"x".repeat(70000)}`, `g2 ${"x".repeat(70000)}`, "x".repeat(70000), "g3 NOOP"],
];

for (const [i, script] of scripts.entries()) {
  test(`Dovecot and Loft give the same BAD texts (script ${i + 1})`, {
    skip: !canRun && "needs root and Dovecot's imap",
  }, async () => {
    const input = Buffer.from(`${setup}${script.join("\r\n")}\r\nz LOGOUT\r\n`, "latin1");
    const theirs = badLines(await dovecot(input));
    assert.ok(theirs.length >= script.length - 1, `Dovecot answered: ${theirs.join("\n")}`);
    assert.deepEqual(ours(input), theirs);
  });
}
