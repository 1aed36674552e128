import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { after, before, test } from "node:test";
import { pino } from "pino";
import { Authenticator, PasswdFile } from "../../src/auth/index.js";
import { ImapSession } from "../../src/imap/session.js";
import { openUserStore } from "../../src/store/index.js";
import { CORPUS } from "../fixtures/imap/corpus.js";
import { differentialScript } from "../fixtures/imap/diff-script.js";
import { tempDir } from "../helpers/cli.js";

/**
 * The same commands sent to Dovecot's imap (preauthenticated over a pipe) and to Loft, on
 * copies of one Maildir that Dovecot filled: the answers must be the same, timing texts and
 * the order of LIST answers aside.
 */

const IMAP = "/usr/lib/dovecot/imap";
const canRun = existsSync(IMAP) && process.getuid?.() === 0;
const tmp = tempDir("loft-imap-diff-");
const log = pino({ level: "silent" });
let server: Server | null = null;

const TIMING = / \(\d+\.\d+ \+ \d+\.\d+(?: \+ \d+\.\d+)? secs\)\./;

/** Reads a conversation: waits for each tagged answer. */
class Transcript {
  private data = "";
  private waiting: (() => void) | null = null;
  constructor(
    input: Readable,
    private readonly output: Writable,
  ) {
    input.on("data", (b: Buffer) => {
      this.data += b.toString("latin1");
      this.waiting?.();
    });
  }

  async until(re: RegExp, ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      const m = re.exec(this.data);
      if (m) {
        const out = this.data.slice(0, m.index + m[0].length);
        this.data = this.data.slice(m.index + m[0].length);
        return out;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}: ${this.data}`);
      await new Promise<void>((r) => {
        this.waiting = r;
        setTimeout(r, 50);
      });
    }
  }

  /** Sends `tag command`; 8-bit words go as non-synchronising literals. */
  async run(tag: string, command: string): Promise<string> {
    const words = command.split(" ");
    const parts: Buffer[] = [Buffer.from(`${tag}`)];
    for (const word of words) {
      const bytes = Buffer.from(word, "utf8");
      if (bytes.some((b) => b >= 0x80)) parts.push(Buffer.from(` {${bytes.length}+}\r\n`), bytes);
      else parts.push(Buffer.from(` ${word}`));
    }
    parts.push(Buffer.from("\r\n"));
    this.output.write(Buffer.concat(parts));
    const text = await this.until(new RegExp(`(^|\\n)${tag} (OK|NO|BAD) [^\\n]*\\n`));
    return text.replace(TIMING, ".");
  }
}

function dovecotConf(): string {
  return [
    `base_dir = ${tmp.dir}/run`,
    `state_dir = ${tmp.dir}/state`,
    `log_path = ${tmp.dir}/log`,
    "instance_name = loft-imap-diff",
    "mail_location = maildir:~/Maildir",
    "first_valid_uid = 8",
    "protocols = imap",
    "ssl = no",
    "namespace inbox {",
    "  inbox = yes",
    "  separator = /",
    "}",
    "",
  ].join("\n");
}

function dovecot(home: string): { child: ChildProcess; transcript: Transcript } {
  const child = spawn(
    "setpriv",
    ["--reuid=mail", "--regid=mail", "--clear-groups", "env", "USER=mail", `HOME=${home}`, IMAP].concat([
      "-c",
      join(tmp.dir, "dovecot.conf"),
    ]),
    { stdio: ["pipe", "pipe", "ignore"] },
  );
  return { child, transcript: new Transcript(child.stdout!, child.stdin!) };
}

before(async () => {
  if (!canRun) return;
  for (const d of ["run", "state", "dovecot", "loft"]) mkdirSync(join(tmp.dir, d));
  writeFileSync(join(tmp.dir, "log"), "");
  writeFileSync(join(tmp.dir, "dovecot.conf"), dovecotConf());
  for (const p of ["", "run", "state", "log", "dovecot"]) chownSync(join(tmp.dir, p), 8, 8);
  // Dovecot fills the mailbox; Loft gets a copy of the result.
  const { child, transcript } = dovecot(join(tmp.dir, "dovecot"));
  await transcript.until(/^\* PREAUTH .*\r\n/m);
  for (const [i, m] of CORPUS.entries()) {
    const bytes = Buffer.from(m.body, "latin1");
    child.stdin!.write(`a${i} APPEND INBOX ${m.flags} "${m.date}" {${bytes.length}+}\r\n`);
    child.stdin!.write(Buffer.concat([bytes, Buffer.from("\r\n")]));
    await transcript.until(new RegExp(`a${i} OK .*\\r\\n`));
  }
  for (const cmd of [
    "CREATE Work",
    "CREATE Work/Reports",
    "CREATE Archive",
    "SUBSCRIBE Work",
    "SELECT INBOX",
  ])
    await transcript.run("s", cmd);
  await transcript.run("z", "LOGOUT");
  child.stdin!.end();
  await new Promise((r) => child.on("close", r));
  cpSync(join(tmp.dir, "dovecot"), join(tmp.dir, "loft"), { recursive: true, preserveTimestamps: true });
  execFileSync("chown", ["-R", "mail:mail", join(tmp.dir, "loft")]);

  writeFileSync(join(tmp.dir, "users"), `mail:{PLAIN}pw:8:8::${join(tmp.dir, "loft")}\n`);
  const auth = new Authenticator(PasswdFile.load(join(tmp.dir, "users"), log), {
    usernameChars: "",
    mailLocation: "maildir:~/Maildir",
    defaultScheme: "SHA512-CRYPT",
  });
  server = createServer((socket: Socket) => {
    new ImapSession(
      socket,
      "127.0.0.1",
      {
        log,
        auth,
        settings: {
          implementation: "Loft",
          plaintextWithoutTls: true,
          idleKeepaliveSeconds: 60,
        },
        tls: null,
        userConnections: null,
        openMail: (user) =>
          openUserStore({ user: user.user, home: user.home, mailLocation: user.mailLocation }),
      },
      60_000,
    ).greet();
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", () => r()));
  // Dovecot's own SELECT took \Recent; Loft's index, new to these files, counts every message
  // as recent (Dovecot goes by new/ and its own index): one SELECT here evens that out.
  const first = await loftSession();
  await first.transcript.run("s", "SELECT INBOX");
  first.socket.destroy();
});

async function loftSession(): Promise<{ socket: Socket; transcript: Transcript }> {
  const socket = connect((server!.address() as { port: number }).port, "127.0.0.1");
  const transcript = new Transcript(socket, socket);
  await transcript.until(/^\* OK .*\r\n/m);
  await transcript.run("l", "LOGIN mail pw");
  return { socket, transcript };
}

/**
 * The order of LIST answers means nothing (Dovecot's follows the directory); each LIST line
 * and the STATUS that follows it are compared as a set.
 */
function normalize(response: string): string {
  if (!response.includes("* LIST ")) return response;
  const lines = response.split("\r\n");
  const tail = lines.splice(lines.length - 2);
  const records: string[] = [];
  for (const line of lines) {
    if (line.startsWith("* STATUS ") && records.length > 0) records[records.length - 1] += `\r\n${line}`;
    else records.push(line);
  }
  return [...records.sort(), ...tail].join("\r\n");
}

after(async () => {
  if (server) await new Promise((r) => server!.close(r));
  tmp.remove();
});

test("Loft answers as Dovecot's imap on the same Maildir", {
  skip: !canRun && "needs root and Dovecot",
}, async () => {
  const script = differentialScript(CORPUS.length);
  assert.ok(script.length >= 200, `${script.length} commands`);

  const d = dovecot(join(tmp.dir, "dovecot"));
  await d.transcript.until(/^\* PREAUTH .*\r\n/m);
  const { socket, transcript: loft } = await loftSession();

  const differences: string[] = [];
  for (const [i, command] of script.entries()) {
    const tag = `t${i}`;
    const expected = normalize(await d.transcript.run(tag, command));
    const actual = normalize(await loft.run(tag, command));
    if (actual !== expected) differences.push(`${command}\n--- dovecot\n${expected}--- loft\n${actual}`);
  }
  socket.destroy();
  d.child.stdin!.end();
  await new Promise((r) => d.child.on("close", r));
  assert.equal(
    differences.length,
    0,
    `${differences.length} of ${script.length} differ:\n${differences.join("\n")}`,
  );
});
