// LMTP benchmark (issue 5, item 6): `loft serve` against Dovecot's LMTP (Debian's dovecot-lmtpd,
// throwaway config, Pigeonhole's sieve plugin) in the same run, with the same workload: N messages
// of 4 KB over 10 parallel LMTP sessions to 20 users' Maildirs, fsync on (Loft always syncs;
// Dovecot gets mail_fsync = always), a 20-rule Sieve script per user that files a quarter of the
// mail into other mailboxes. Prints messages/s for both and the ratio, and checks that every
// message was answered 250 and stored once. Asserts nothing. Run after `npm run build`.
// Options: --messages N (default 5000), --sessions S (10), --users U (20), --recipients R per
// message (1), --only loft|dovecot, --quick (1,000 messages), --delivery-processes N (Loft's
// [lmtp] delivery_processes; default: the config's default), --rounds N (runs both N times,
// alternating, and prints the median ratio), --fresh-ext4 (root only: each run stores on an ext4
// file system made for it on a loop device, so neither server inherits the other's deleted
// inodes: on a long-used ext4, creating files gets dearer run after run).
import { execFileSync, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { connect } from "node:net";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import {
  args,
  chownTree,
  freePort,
  isRoot,
  MAIL_ID,
  option,
  processTree,
  scratchDir,
  stop,
  waitForGreeting,
} from "../bench-kit.mjs";

const QUICK = args.includes("--quick");
const MESSAGES = option("--messages", QUICK ? 1_000 : 5_000);
const SESSIONS = option("--sessions", 10);
const USERS = option("--users", 20);
const RECIPIENTS = option("--recipients", 1);
const ONLY = args.includes("--only") ? args[args.indexOf("--only") + 1] : null;
const PROCESSES = args.includes("--delivery-processes") ? option("--delivery-processes", 0) : null;
const ROUNDS = option("--rounds", 1);
const FRESH_EXT4 = args.includes("--fresh-ext4");
if (FRESH_EXT4 && !isRoot) throw new Error("--fresh-ext4 mounts file systems: run as root");
const MESSAGE_BYTES = 4096;
const TIMEOUT_S = 120;
const root = new URL("../..", import.meta.url).pathname;

const { dir, children } = scratchDir("loft-bench-lmtp-");

const address = (u) => `user${String(u + 1).padStart(2, "0")}@example.org`;

// ---- the workload -----------------------------------------------------------------------------

/**
 * Twenty rules of the kinds people write; three of them match: list mail, receipts (flagged) and
 * spam go to their own mailboxes, the rest to INBOX by implicit keep.
 */
function sieveScript() {
  const rules = [
    'if header :contains "x-spam-flag" "YES" { fileinto :create "Spam"; stop; }',
    'if address :domain :is "from" "lists.example.org" { fileinto :create "Lists"; stop; }',
    'if header :contains "subject" "[receipt]" { fileinto :create :flags "\\\\Flagged" "Receipts"; stop; }',
  ];
  for (let i = rules.length; i < 20; i++) {
    const kinds = [
      `if header :contains "subject" "project-${i}" { fileinto :create "Project${i}"; stop; }`,
      `if address :is "from" "boss${i}@corp.example" { addflag "\\\\Flagged"; }`,
      `if allof (size :over 1M, exists "x-archive-${i}") { fileinto :create "Big${i}"; stop; }`,
      `if header :matches "list-id" "*<team${i}.example.org>*" { fileinto :create "Team${i}"; stop; }`,
      `if envelope :is "from" "robot${i}@ci.example" { discard; stop; }`,
    ];
    rules.push(kinds[i % kinds.length]);
  }
  return `require ["fileinto", "mailbox", "imap4flags", "envelope"];\n${rules.join("\n")}\n`;
}

function message(i) {
  const kind = i % 20;
  const from =
    kind === 0 || kind === 10
      ? `news <digest@lists.example.org>`
      : `Sender ${i % 97} <sender${i % 97}@example.net>`;
  const subject = kind === 1 || kind === 11 ? `[receipt] order ${i}` : `message ${i} about things`;
  const head =
    `From: ${from}\r\nTo: someone@example.org\r\nSubject: ${subject}\r\n` +
    `Message-ID: <${i}.${process.pid}@bench.example>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n` +
    `${kind === 2 ? "X-Spam-Flag: YES\r\n" : ""}MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n`;
  let body = "";
  for (let l = 0; head.length + body.length < MESSAGE_BYTES - 80; l++)
    body += `Line ${l} of message ${i}: the quick brown fox jumps over the lazy dog.\r\n`;
  return head + body;
}

/** Homes with the active script at ~/.dovecot.sieve, as both servers find it by default. */
function makeHomes(base) {
  const homes = [];
  for (let u = 0; u < USERS; u++) {
    const home = join(base, "homes", `user${u + 1}`);
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, ".dovecot.sieve"), sieveScript());
    homes.push(home);
  }
  return homes;
}

function usersFile(path, homes) {
  writeFileSync(path, homes.map((h, u) => `${address(u)}::${MAIL_ID}:${MAIL_ID}::${h}\n`).join(""));
}

/** Message files in every Maildir under the homes (all mailboxes), and how many are in INBOX. */
function countStored(homes) {
  let total = 0;
  let inbox = 0;
  const walk = (path, isInbox) => {
    for (const sub of ["new", "cur"]) {
      if (!existsSync(join(path, sub))) continue;
      const n = readdirSync(join(path, sub)).length;
      total += n;
      if (isInbox) inbox += n;
    }
    for (const e of readdirSync(path, { withFileTypes: true }))
      if (e.isDirectory() && e.name.startsWith(".")) walk(join(path, e.name), false);
  };
  for (const h of homes) if (existsSync(join(h, "Maildir"))) walk(join(h, "Maildir"), true);
  return { total, inbox };
}

// ---- a raw LMTP client ------------------------------------------------------------------------

/** One connection; `replies(n)` resolves with the next n complete replies (multi-line joined). */
class Client {
  constructor(port) {
    this.socket = connect({ port, host: "127.0.0.1" });
    this.socket.setNoDelay(true);
    this.buffer = "";
    this.done = [];
    this.waiting = null;
    this.socket.on("data", (d) => this.receive(d.toString("latin1")));
    this.socket.on("error", (e) => this.fail(e));
    this.socket.on("close", () => this.fail(new Error("connection closed")));
  }

  fail(error) {
    const w = this.waiting;
    this.waiting = null;
    clearTimeout(w?.timer);
    w?.reject(error);
  }

  receive(text) {
    this.buffer += text;
    let end = this.buffer.indexOf("\r\n");
    while (end >= 0) {
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      if (line[3] !== "-") this.done.push(line);
      end = this.buffer.indexOf("\r\n");
    }
    this.check();
  }

  check() {
    const w = this.waiting;
    if (w && this.done.length >= w.n) {
      this.waiting = null;
      clearTimeout(w.timer);
      w.resolve(this.done.splice(0, w.n));
    }
  }

  replies(n) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`no reply in ${TIMEOUT_S} s`)), TIMEOUT_S * 1000);
      this.waiting = { n, resolve, reject, timer };
      this.check();
    });
  }

  async open() {
    const [greeting] = await this.replies(1);
    if (!greeting.startsWith("220")) throw new Error(`greeting: ${greeting}`);
    this.socket.write("LHLO bench.example\r\n");
    const [lhlo] = await this.replies(1);
    if (!lhlo.startsWith("250")) throw new Error(`LHLO: ${lhlo}`);
  }

  /** One transaction, pipelined: MAIL, RCPTs and DATA in one write, then the message. */
  async send(recipients, data) {
    this.socket.write(
      `MAIL FROM:<sender@example.net>\r\n${recipients.map((r) => `RCPT TO:<${r}>\r\n`).join("")}DATA\r\n`,
    );
    const head = await this.replies(recipients.length + 2);
    if (!head.at(-1).startsWith("354")) throw new Error(`before DATA: ${head.join(" | ")}`);
    this.socket.write(`${data}.\r\n`);
    return this.replies(recipients.length);
  }

  close() {
    this.socket.removeAllListeners("close");
    this.socket.on("error", () => {});
    this.socket.end("QUIT\r\n");
  }
}

// ---- the servers ------------------------------------------------------------------------------

/** Connects, reads the greeting and leaves. */
async function greet(port) {
  const c = new Client(port);
  await c.open();
  c.close();
}

async function startLoft(base, port) {
  const homes = makeHomes(base);
  chownTree(join(base, "homes"));
  usersFile(join(base, "users"), homes);
  writeFileSync(
    join(base, "loft.toml"),
    `state_dir = "state"\n[auth]\npasswd_file = "users"\n[log]\nlevel = "info"\nformat = "json"\n` +
      `[pop3]\nlisten = []\n[imap]\nlisten = []\n[managesieve]\nlisten = []\n` +
      `[lmtp]\nlisten = ["127.0.0.1:${port}"]\nmax_connections_per_ip = ${SESSIONS + 10}\n` +
      (PROCESSES === null ? "" : `delivery_processes = ${PROCESSES}\n`),
  );
  const log = openSync(join(base, "log"), "a");
  const cpuProf = process.env.LOFT_BENCH_CPU_PROF
    ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.LOFT_BENCH_CPU_PROF}`]
    : [];
  const child = spawn(
    process.execPath,
    [...cpuProf, join(root, "bin", "loft"), "serve", "-c", join(base, "loft.toml")],
    { stdio: ["ignore", log, log] },
  );
  closeSync(log);
  children.push(child);
  await waitForGreeting(port, child, "loft", greet);
  return { child, homes };
}

async function startDovecot(base, port) {
  const homes = makeHomes(base);
  for (const sub of ["run", "state"]) mkdirSync(join(base, sub), { recursive: true });
  writeFileSync(join(base, "log"), "");
  usersFile(join(base, "users"), homes);
  const conf = join(base, "dovecot.conf");
  writeFileSync(
    conf,
    `base_dir = ${base}/run\nstate_dir = ${base}/state\nlog_path = ${base}/log\n` +
      `instance_name = loft-bench-lmtp-${process.pid}\nprotocols = lmtp\nlisten = 127.0.0.1\n` +
      `ssl = no\nfirst_valid_uid = ${MAIL_ID}\nmail_location = maildir:~/Maildir\nmail_fsync = always\n` +
      `passdb {\n  driver = passwd-file\n  args = ${base}/users\n}\n` +
      `userdb {\n  driver = passwd-file\n  args = ${base}/users\n}\n` +
      `service lmtp {\n  inet_listener lmtp {\n    address = 127.0.0.1\n    port = ${port}\n  }\n` +
      `  unix_listener lmtp {\n    mode = 0600\n  }\n}\n` +
      "protocol lmtp {\n  mail_plugins = sieve\n}\n" +
      "plugin {\n  sieve = file:~/sieve;active=~/.dovecot.sieve\n}\n",
  );
  chownTree(base);
  const child = spawn("dovecot", ["-F", "-c", conf], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  children.push(child);
  try {
    await waitForGreeting(port, child, "dovecot", greet);
  } catch (e) {
    throw new Error(`${e.message}\n${stderr}\n${readFileSync(join(base, "log"), "utf8").slice(-2000)}`);
  }
  return { child, homes, log: join(base, "log") };
}

/**
 * User and system CPU seconds a server has used so far: the process and all its descendants
 * (Loft's delivery processes, Dovecot's lmtp and auth processes), children that ended included.
 */
function treeCpuSeconds(pid) {
  let total = 0;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      total += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}

/** Mount points made by --fresh-ext4 and still mounted: unmounted before the scratch directory goes. */
const mounts = new Set();
process.prependListener("exit", () => {
  for (const base of mounts) unmount(base);
});

function unmount(base) {
  try {
    execFileSync("umount", [base], { stdio: "ignore" });
  } catch {
    execFileSync("umount", ["-l", base], { stdio: "ignore" });
  }
  mounts.delete(base);
  rmSync(`${base}.img`, { force: true });
}

/** An empty ext4 file system (sparse 2 GB image, loop device) mounted at `base`. */
function freshExt4(base) {
  const image = `${base}.img`;
  const fd = openSync(image, "w");
  ftruncateSync(fd, 2 * 1024 ** 3);
  closeSync(fd);
  execFileSync("mkfs.ext4", ["-q", "-F", image]);
  mkdirSync(base, { recursive: true });
  execFileSync("mount", ["-o", "loop", image, base]);
  mounts.add(base);
}

// ---- the run ----------------------------------------------------------------------------------

/** Sends every message over SESSIONS connections; message i goes to users i, i+1, … (mod USERS). */
async function load(port) {
  const texts = Array.from({ length: MESSAGES }, (_, i) => message(i));
  let next = 0;
  let accepted = 0;
  const refused = [];
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: SESSIONS }, async () => {
      const c = new Client(port);
      await c.open();
      while (next < MESSAGES) {
        const i = next++;
        const rcpts = Array.from({ length: RECIPIENTS }, (_, r) => address((i + r) % USERS));
        for (const reply of await c.send(rcpts, texts[i])) {
          if (reply.startsWith("250")) accepted++;
          else if (refused.length < 5) refused.push(reply);
        }
      }
      c.close();
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { seconds, accepted, refused };
}

console.log(
  `# node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}, tmpdir ${tmpdir()}`,
);
console.log(
  `# ${MESSAGES} messages of ${MESSAGE_BYTES} bytes, ${RECIPIENTS} recipient(s) each, over ${SESSIONS} ` +
    `LMTP sessions to ${USERS} users' Maildirs; fsync on; a 20-rule Sieve script per user`,
);
const rates = { loft: [], dovecot: [] };
try {
  for (let round = 1; round <= ROUNDS; round++) {
    for (const name of ["loft", "dovecot"]) {
      if (ONLY !== null && ONLY !== name) continue;
      const base = join(dir, `${name}-${round}`);
      if (FRESH_EXT4) freshExt4(base);
      else mkdirSync(base, { recursive: true });
      const port = await freePort();
      const server = name === "loft" ? await startLoft(base, port) : await startDovecot(base, port);
      const run = await load(port);
      // CPU time is a figure that a busy machine does not skew as much as wall time.
      const cpu = treeCpuSeconds(server.child.pid);
      await stop(server.child);
      const stored = countStored(server.homes);
      if (FRESH_EXT4) unmount(base);
      else rmSync(base, { recursive: true, force: true });
      const rate = run.accepted / run.seconds;
      rates[name].push(rate);
      console.log(
        `${name.padEnd(8)} ${rate.toFixed(0).padStart(6)} messages/s  ${run.seconds.toFixed(2)} s, ` +
          `${run.accepted} × 250, ${stored.total} files stored (${stored.inbox} in INBOX)` +
          `, ${((cpu * 1000) / MESSAGES).toFixed(1)} ms CPU a message` +
          (run.refused.length > 0 ? `; refused: ${run.refused.join(" | ")}` : ""),
      );
    }
    const [loft, dovecot] = [rates.loft.at(-1), rates.dovecot.at(-1)];
    if (loft && dovecot) console.log(`ratio    ${(loft / dovecot).toFixed(2)} × Dovecot (aim: 1.5 ×)`);
  }
  if (ROUNDS > 1 && rates.loft.length > 0 && rates.dovecot.length > 0) {
    const ratios = rates.loft.map((l, i) => l / rates.dovecot[i]).sort((a, b) => a - b);
    console.log(
      `median ratio of ${ROUNDS} rounds ${ratios[Math.floor(ratios.length / 2)].toFixed(2)} × Dovecot ` +
        `(range ${ratios[0].toFixed(2)}–${ratios.at(-1).toFixed(2)})`,
    );
  }
} catch (err) {
  console.error(`lmtp bench failed: ${err.stack ?? err}`);
  process.exitCode = 1;
}
