// IMAP benchmarks (issue 6, item 7): `loft serve` against Dovecot's imap (Debian's dovecot-imapd,
// throwaway config), both over loopback, on copies of the same Maildir, in the same run.
// Latency (median of a few repetitions): LOGIN+SELECT cold (no index yet) and warm,
// UID FETCH 1:* (FLAGS), FETCH 1:* (ENVELOPE), UID SEARCH SUBJECT, UID SEARCH TEXT.
// Throughput: 10 logged-in clients issuing NOOP / UID FETCH n (FLAGS) for a few seconds.
// Idle cost: K sessions in IDLE; Loft's RSS growth and Dovecot's PSS growth (all its processes), per session.
// Prints figures and conditions; asserts nothing. Run after `npm run build`.
// Options: --messages N (default 10000), --big (100,000 messages), --sessions K (default 1000),
// --reps R (default 5), --seconds S (throughput, default 5), --quick (1,000 messages, 100 sessions).
import { execFileSync, spawn } from "node:child_process";
import { chownSync, closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
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
const MESSAGES = option("--messages", QUICK ? 1_000 : args.includes("--big") ? 100_000 : 10_000);
let SESSIONS = option("--sessions", QUICK ? 100 : 1_000);
const REPS = option("--reps", QUICK ? 3 : 5);
const SECONDS = option("--seconds", QUICK ? 2 : 5);
const CLIENTS = 10;
const TIMEOUT_S = 300;
const PASSWORD = "bench-password";
const USER = "bench";
const root = new URL("../..", import.meta.url).pathname;

const { dir, children } = scratchDir("loft-bench-imap-");

// ---- the Maildir ------------------------------------------------------------------------------

const WORDS = ["report", "meeting", "invoice", "lunch", "budget", "travel", "review", "release", "draft"];
const NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace"];
// Searched for: "invoice" is in two Subjects in 9, "zebra" in one body in 13.
const SUBJECT_WORD = "invoice";
const TEXT_WORD = "zebra";

function message(i) {
  const day = 1 + (i % 28);
  const subject = `${WORDS[i % WORDS.length]} ${WORDS[(i * 7) % WORDS.length]} #${i}`;
  const lines = [];
  for (let l = 0; l < 5 + (i % 30); l++) lines.push(`Line ${l} of message ${i}: ${WORDS[(i + l) % 9]} text.`);
  if (i % 13 === 0) lines.push(`A ${TEXT_WORD} was seen.`);
  return (
    `From: ${NAMES[i % NAMES.length]} <${NAMES[i % NAMES.length]}@example.org>\n` +
    `To: ${USER}@example.org\nSubject: ${subject}\nMessage-ID: <${i}@bench.example>\n` +
    `Date: ${["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i % 7]}, ${day} Jan 2024 10:${String(i % 60).padStart(2, "0")}:00 +0000\n` +
    `\n${lines.join("\n")}\n`
  );
}

/** Message files straight into cur/ of every home, named as Dovecot names them, and a dovecot-uidlist. */
function writeMaildirs(homes, count) {
  const dirs = homes.map((h) => join(h, "Maildir"));
  for (const d of dirs) for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(d, sub), { recursive: true });
  const lines = [`3 V1700000000 N${count + 1} G0123456789abcdef0123456789abcdef`];
  for (let i = 1; i <= count; i++) {
    const text = message(i);
    const size = Buffer.byteLength(text);
    const vsize = size + text.split("\n").length - 1;
    const base = `${1700000000 + i}.M${i}P${process.pid}.bench,S=${size},W=${vsize}`;
    const name = `${base}:2,${i % 3 === 0 ? "S" : ""}`;
    for (const d of dirs) writeFileSync(join(d, "cur", name), text);
    lines.push(`${i} :${base}`);
  }
  for (const d of dirs) writeFileSync(join(d, "dovecot-uidlist"), `${lines.join("\n")}\n`);
}

// ---- a raw IMAP client ------------------------------------------------------------------------

/** One connection: sends tagged commands and resolves each when its tagged completion arrives. */
class Client {
  constructor(port) {
    this.socket = connect({ port, host: "127.0.0.1" });
    this.socket.setNoDelay(true);
    this.buffer = "";
    this.skip = 0; // literal bytes still to pass over
    this.untagged = 0;
    this.lines = [];
    this.keep = false;
    this.waiting = null; // { tag, resolve, reject } or { continuation: true, ... }
    this.next = 0;
    this.greeted = new Promise((resolve, reject) => {
      this.waiting = { greeting: true, resolve, reject };
    });
    this.socket.on("data", (d) => this.receive(d.toString("latin1")));
    this.socket.on("error", (e) => this.fail(e));
    this.socket.on("close", () => this.fail(new Error("connection closed")));
  }

  fail(error) {
    const w = this.waiting;
    this.waiting = null;
    w?.reject(error);
  }

  receive(text) {
    this.buffer += text;
    let at = 0;
    for (;;) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, this.buffer.length - at);
        at += take;
        this.skip -= take;
        if (this.skip > 0) break;
      }
      const end = this.buffer.indexOf("\r\n", at);
      if (end < 0) break;
      const line = this.buffer.slice(at, end);
      at = end + 2;
      const literal = /\{(\d+)\+?\}$/.exec(line);
      if (literal) this.skip = Number(literal[1]);
      this.line(line);
    }
    this.buffer = this.buffer.slice(at);
  }

  line(line) {
    const w = this.waiting;
    if (!w) return;
    if (w.greeting) {
      this.waiting = null;
      if (line.startsWith("* OK")) w.resolve(line);
      else w.reject(new Error(`greeting: ${line}`));
    } else if (line.startsWith("* ")) {
      this.untagged++;
      if (this.keep) this.lines.push(line);
    } else if (line.startsWith("+")) {
      if (w.continuation) {
        this.waiting = null;
        w.resolve(line);
      }
    } else if (line.startsWith(`${w.tag} `)) {
      this.waiting = null;
      if (line.startsWith(`${w.tag} OK`)) w.resolve(line);
      else w.reject(new Error(`${w.command}: ${line}`));
    }
  }

  /** Sends one command; resolves with its untagged lines (kept only when asked) once tagged OK. */
  async command(command, keep = false) {
    const tag = `a${++this.next}`;
    this.untagged = 0;
    this.lines = [];
    this.keep = keep;
    const done = new Promise((resolve, reject) => {
      this.waiting = { tag, command: command.split(" ")[0], resolve, reject };
    });
    this.socket.write(`${tag} ${command}\r\n`);
    // Bounded in time: a server that stops answering ends the run instead of hanging it.
    const timer = setTimeout(
      () => this.fail(new Error(`${command}: no answer in ${TIMEOUT_S} s`)),
      TIMEOUT_S * 1000,
    );
    try {
      await done;
    } finally {
      clearTimeout(timer);
    }
    return { count: this.untagged, lines: this.lines };
  }

  /** IDLE, resolved when the server's continuation arrives. */
  idle() {
    const done = new Promise((resolve, reject) => {
      this.waiting = { continuation: true, resolve, reject };
    });
    this.socket.write(`a${++this.next} IDLE\r\n`);
    return done;
  }

  close() {
    this.waiting = null;
    this.socket.removeAllListeners("close");
    this.socket.on("error", () => {});
    this.socket.destroy();
  }
}

async function login(port, select = true) {
  const c = new Client(port);
  await c.greeted;
  await c.command(`LOGIN ${USER} ${PASSWORD}`);
  if (select) await c.command("SELECT INBOX");
  return c;
}

async function time(work) {
  const start = process.hrtime.bigint();
  const out = await work();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, out };
}

const fmt = (v, digits = 1) => (v >= 100 ? v.toFixed(0) : v.toFixed(digits));

// Two significant digits below 0.1, so a small ratio does not print as 0.00.
const ratio = (v) => (v >= 0.1 ? v.toFixed(2) : v.toPrecision(2));
const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// ---- the servers ------------------------------------------------------------------------------

/** Connects, reads the greeting and leaves. */
async function greet(port) {
  const c = new Client(port);
  await c.greeted;
  c.close();
}

async function startLoft(home, port) {
  const base = join(dir, "loft");
  mkdirSync(base, { recursive: true });
  const uid = MAIL_ID;
  writeFileSync(join(base, "users"), `${USER}:{PLAIN}${PASSWORD}:${uid}:${uid}::${home}\n`);
  const limit = SESSIONS + CLIENTS + 50;
  writeFileSync(
    join(base, "loft.toml"),
    `state_dir = "state"\n[auth]\npasswd_file = "users"\nmax_unauthenticated_per_ip = ${limit}\n[log]\nlevel = "info"\nformat = "json"\n` +
      `[pop3]\nlisten = []\n[lmtp]\nlisten = []\n[managesieve]\nlisten = []\n` +
      `[imap]\nlisten = ["127.0.0.1:${port}"]\nmax_connections = ${limit}\n` +
      `max_connections_per_ip = ${limit}\nmax_connections_per_user = ${limit}\n`,
  );
  const log = openSync(join(base, "log"), "a");
  const child = spawn(process.execPath, [join(root, "bin", "loft"), "serve", "-c", join(base, "loft.toml")], {
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  children.push(child);
  await waitForGreeting(port, child, "loft", greet);
  return child;
}

async function startDovecot(home, port) {
  const base = join(dir, "dovecot");
  for (const sub of ["run", "state"]) mkdirSync(join(base, sub), { recursive: true });
  writeFileSync(join(base, "log"), "");
  writeFileSync(join(base, "users"), `${USER}:{PLAIN}${PASSWORD}:8:8::${home}\n`);
  const limit = SESSIONS + CLIENTS + 50;
  const conf = join(base, "dovecot.conf");
  writeFileSync(
    conf,
    `base_dir = ${base}/run\nstate_dir = ${base}/state\nlog_path = ${base}/log\n` +
      `instance_name = loft-bench-imap-${process.pid}\nprotocols = imap\nlisten = 127.0.0.1\n` +
      "ssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\nfirst_valid_uid = 8\n" +
      "mail_location = maildir:~/Maildir\n" +
      `mail_max_userip_connections = ${limit}\ndefault_process_limit = ${limit}\n` +
      `default_client_limit = ${limit * 2}\n` +
      `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN ${base}/users\n}\n` +
      `userdb {\n  driver = passwd-file\n  args = ${base}/users\n}\n` +
      `service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ${port}\n  }\n` +
      `  inet_listener imaps {\n    port = 0\n  }\n  process_min_avail = 2\n  service_count = 0\n` +
      `  client_limit = ${limit}\n}\n` +
      `service imap {\n  process_limit = ${limit}\n}\n` +
      `protocol imap {\n  mail_max_userip_connections = ${limit}\n}\n`,
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
  return child;
}

// ---- memory -----------------------------------------------------------------------------------

function statusKiB(pid, key) {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : 0;
}

/** Sum of Pss over the process tree, and how many of them are imap processes. */
function treePss(pid) {
  let kib = 0;
  let imap = 0;
  for (const p of processTree(pid)) {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, "utf8"));
      kib += m ? Number(m[1]) : 0;
      if (readFileSync(`/proc/${p}/comm`, "utf8").trim() === "imap") imap++;
    } catch {}
  }
  return { kib, imap };
}

/** Loft: its process's RSS (PSS shown beside it); Dovecot: PSS summed over all its processes. */
function memory(name, pid) {
  const pss = treePss(pid);
  if (name === "loft") {
    const rss = statusKiB(pid, "VmRSS");
    return { kib: rss, text: `RSS ${fmt(rss / 1024)} MiB (PSS ${fmt(pss.kib / 1024)})` };
  }
  return { kib: pss.kib, text: `PSS ${fmt(pss.kib / 1024)} MiB (${pss.imap} imap processes)` };
}

const settle = () => new Promise((r) => setTimeout(r, 1500));

// ---- the runs ---------------------------------------------------------------------------------

/** Progress on stderr, so a long run shows where it is; the table on stdout is the result. */
const progress = (server, what, ms) => process.stderr.write(`  ${server}: ${what} ${fmt(ms)} ms\n`);

async function latency(server, port) {
  const out = {};
  const cold = await time(async () => (await login(port)).close());
  out["LOGIN+SELECT, cold"] = cold.ms;
  progress(server, "LOGIN+SELECT, cold", cold.ms);
  const warm = [];
  for (let r = 0; r < REPS; r++) warm.push((await time(async () => (await login(port)).close())).ms);
  out["LOGIN+SELECT, warm"] = median(warm);
  progress(server, "LOGIN+SELECT, warm", out["LOGIN+SELECT, warm"]);
  const c = await login(port);
  const counts = {};
  const ops = [
    ["UID FETCH 1:* (FLAGS)", "UID FETCH 1:* (FLAGS)", (r) => r.count],
    ["FETCH 1:* (ENVELOPE)", "FETCH 1:* (ENVELOPE)", (r) => r.count],
    [`UID SEARCH SUBJECT ${SUBJECT_WORD}`, `UID SEARCH SUBJECT ${SUBJECT_WORD}`, hits],
    [`UID SEARCH TEXT ${TEXT_WORD}`, `UID SEARCH TEXT ${TEXT_WORD}`, hits],
  ];
  for (const [label, command, count] of ops) {
    const runs = [];
    for (let r = 0; r < REPS; r++) {
      const t = await time(() => c.command(command, command.includes("SEARCH")));
      runs.push(t.ms);
      counts[label] = count(t.out);
    }
    out[label] = median(runs);
    progress(server, label, out[label]);
  }
  c.close();
  return { times: out, counts };
}

function hits(result) {
  const line = result.lines.find((l) => l.startsWith("* SEARCH"));
  return line ? line.split(" ").length - 2 : 0;
}

async function throughput(port) {
  const clients = [];
  for (let i = 0; i < CLIENTS; i++) clients.push(await login(port));
  // Time spent per kind of command too, to tell which one is slow.
  const spent = { NOOP: { n: 0, ms: 0 }, "UID FETCH": { n: 0, ms: 0 } };
  const end = Date.now() + SECONDS * 1000;
  const start = process.hrtime.bigint();
  await Promise.all(
    clients.map(async (c, k) => {
      let n = k;
      while (Date.now() < end) {
        n++;
        const kind = n % 2 ? "NOOP" : "UID FETCH";
        const t = await time(() =>
          c.command(kind === "NOOP" ? "NOOP" : `UID FETCH ${1 + ((n * 7919) % MESSAGES)} (FLAGS)`),
        );
        spent[kind].n++;
        spent[kind].ms += t.ms;
      }
    }),
  );
  const s = Number(process.hrtime.bigint() - start) / 1e9;
  for (const c of clients) c.close();
  const mean = (k) => (spent[k].n ? spent[k].ms / spent[k].n : 0);
  return {
    rate: (spent.NOOP.n + spent["UID FETCH"].n) / s,
    detail: `mean NOOP ${fmt(mean("NOOP"), 2)} ms, UID FETCH n (FLAGS) ${fmt(mean("UID FETCH"), 2)} ms`,
  };
}

/** Opens `count` sessions in IDLE, `batch` at a time; returns them. */
async function idleSessions(port, count) {
  const sessions = [];
  const batch = 50;
  for (let i = 0; i < count; i += batch) {
    const opened = await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, async () => {
        const c = await login(port);
        await c.idle();
        return c;
      }),
    );
    sessions.push(...opened);
  }
  return sessions;
}

function fdLimit() {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
  return !m || m[1] === "unlimited" ? Infinity : Number(m[1]);
}

const dovecotVersion = execFileSync("dovecot", ["--version"]).toString().trim();
const limit = fdLimit();
const notes = [];
if (SESSIONS + CLIENTS + 100 > limit) {
  const fitted = Math.max(10, limit - CLIENTS - 100);
  notes.push(`fd limit ${limit} (raise with ulimit -n): sessions lowered from ${SESSIONS} to ${fitted}`);
  SESSIONS = fitted;
}
console.log(
  `# node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}, Dovecot ${dovecotVersion}, fd limit ${limit}, tmpdir ${tmpdir()}`,
);
console.log(
  `# ${MESSAGES} messages in INBOX; ${REPS} repetitions (median); ${CLIENTS} clients for ${SECONDS} s; ` +
    `${SESSIONS} sessions in IDLE`,
);
for (const n of notes) console.log(`# note: ${n}`);

try {
  const loftHome = join(dir, "home", "loft");
  const doveHome = join(dir, "home", "dovecot");
  const built = await time(() => writeMaildirs([loftHome, doveHome], MESSAGES));
  if (isRoot) {
    chownSync(join(dir, "home"), 8, 8);
    chownTree(loftHome);
    chownTree(doveHome);
  }
  console.log(`# two copies of the Maildir written in ${fmt(built.ms / 1000)} s`);

  const result = {};
  for (const [name, start, home] of [
    ["loft", startLoft, loftHome],
    ["dovecot", startDovecot, doveHome],
  ]) {
    const port = await freePort();
    const child = await start(home, port);
    const r = await latency(name, port);
    const busy = await throughput(port);
    r.throughput = busy.rate;
    r.busy = busy.detail;
    await settle();
    const before = memory(name, child.pid);
    const sessions = await idleSessions(port, SESSIONS);
    await settle();
    const after = memory(name, child.pid);
    r.perSession = (after.kib - before.kib) / SESSIONS;
    r.memory = `${before.text} → ${after.text}`;
    for (const s of sessions) s.close();
    await stop(child);
    result[name] = r;
  }

  const l = result.loft;
  const d = result.dovecot;
  for (const [label, count] of Object.entries(l.counts)) {
    const same = count === d.counts[label] ? "" : ` (Dovecot: ${d.counts[label]})`;
    console.log(`# ${label}: ${count} ${label.includes("SEARCH") ? "hits" : "responses"}${same}`);
  }
  console.log(`# ${CLIENTS} busy clients: Loft ${l.busy}; Dovecot ${d.busy}`);
  console.log(`# memory: Loft ${l.memory}; Dovecot ${d.memory}`);
  const row = (a, b, c, e) =>
    console.log(`${a.padEnd(34)} ${b.padStart(12)} ${c.padStart(12)} ${e.padStart(8)}`);
  row("operation", "Loft", "Dovecot", "ratio");
  for (const label of Object.keys(l.times)) {
    row(
      label,
      `${fmt(l.times[label])} ms`,
      `${fmt(d.times[label])} ms`,
      ratio(d.times[label] / l.times[label]),
    );
  }
  row(
    `${CLIENTS} clients NOOP/UID FETCH`,
    `${fmt(l.throughput)}/s`,
    `${fmt(d.throughput)}/s`,
    ratio(l.throughput / d.throughput),
  );
  row(
    "memory per IDLE session",
    `${fmt(l.perSession)} KiB`,
    `${fmt(d.perSession)} KiB`,
    ratio(d.perSession / l.perSession),
  );
  console.log(
    "# ratio: Dovecot time / Loft time for latency, Loft / Dovecot for throughput, Dovecot / Loft for memory " +
      "(above 1: Loft better). Loft memory is RSS growth of its process; Dovecot's is PSS growth over all its processes.",
  );
} finally {
  for (const child of children) await stop(child);
  rmSync(dir, { recursive: true, force: true });
}
