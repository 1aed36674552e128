// POP3 benchmarks (issue 7, item 6): login + UIDL on a 10,000-message INBOX, and RETR of every
// message of a 1,000-message INBOX, through `loft serve` over loopback and through Dovecot's pop3
// (Debian's dovecot-pop3d, run preauthenticated over a pipe with a throwaway config) on the same
// Maildirs, in the same run, with the ratios. Prints figures and conditions; asserts nothing.
// Options: --uidl N (default 10000), --retr N (default 1000), --rounds N (default 3).
import { spawn } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { cpus, hostname, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { chownTree, freePort, isRoot, option } from "../bench-kit.mjs";

const UIDL_COUNT = option("--uidl", 10_000);
const RETR_COUNT = option("--retr", 1_000);
const ROUNDS = option("--rounds", 3);
const PASSWORD = "bench-password";
const root = new URL("../..", import.meta.url).pathname;

const dir = mkdtempSync(join(tmpdir(), "loft-bench-pop3-"));
// Dovecot's pop3 runs as the mail user and must reach its config in here.
if (isRoot) chmodSync(dir, 0o755);

function body(i) {
  return (
    `From: sender${i % 97}@example.org\nTo: user@example.org\nSubject: message ${i}\n` +
    `Message-ID: <${i}@bench>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\n${"Body line of text.\n".repeat(20 + (i % 50))}` +
    (i % 10 === 0 ? ".a line with a leading dot\n" : "")
  );
}

/** A Maildir as Dovecot leaves it after delivery: files with S= and W=, a dovecot-uidlist. */
function writeMaildir(home, count) {
  const maildir = join(home, "Maildir");
  for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(maildir, sub), { recursive: true });
  const lines = [`3 V1700000000 N${count + 1} G0123456789abcdef0123456789abcdef`];
  const host = hostname();
  for (let i = 1; i <= count; i++) {
    const text = body(i);
    const size = Buffer.byteLength(text);
    const vsize = size + text.split("\n").length - 1;
    const base = `1700000000.M${i}P1.${host},S=${size},W=${vsize}`;
    writeFileSync(join(maildir, "cur", `${base}:2,${i % 3 === 0 ? "S" : ""}`), text);
    lines.push(`${i} :${base}`);
  }
  writeFileSync(join(maildir, "dovecot-uidlist"), `${lines.join("\n")}\n`);
  chownTree(home);
}

/** Sends the lines pipelined; resolves with everything received once the server closes. */
function exchange(port, lines) {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: "127.0.0.1" });
    const chunks = [];
    socket.on("data", (d) => chunks.push(d));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.write(lines.map((l) => `${l}\r\n`).join(""));
  });
}

function dovecotConf(name) {
  const base = join(dir, `dovecot-${name}`);
  for (const sub of ["run", "state"]) mkdirSync(join(base, sub), { recursive: true });
  writeFileSync(join(base, "log"), "");
  chownTree(base);
  const conf = join(base, "dovecot.conf");
  writeFileSync(
    conf,
    `base_dir = ${base}/run\nstate_dir = ${base}/state\nlog_path = ${base}/log\n` +
      "mail_location = maildir:~/Maildir\nfirst_valid_uid = 1\n",
  );
  return conf;
}

/** Dovecot's pop3 logged in as `user` (as after pop3-login): lines in, everything out. */
function dovecotExchange(conf, user, home, lines) {
  return new Promise((resolve, reject) => {
    const command = isRoot ? "setpriv" : "/usr/lib/dovecot/pop3";
    const prefix = isRoot ? ["--reuid=mail", "--regid=mail", "--clear-groups", "/usr/lib/dovecot/pop3"] : [];
    const child = spawn(command, [...prefix, "-c", conf], {
      env: { PATH: process.env.PATH, USER: user, HOME: home },
      stdio: ["pipe", "pipe", "ignore"],
    });
    const chunks = [];
    child.stdout.on("data", (d) => chunks.push(d));
    child.on("error", reject);
    child.on("close", () => resolve(Buffer.concat(chunks).toString("latin1")));
    child.stdin.on("error", () => {});
    child.stdin.end(lines.map((l) => `${l}\r\n`).join(""));
  });
}

async function time(work) {
  const start = process.hrtime.bigint();
  const out = await work();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, out };
}

function report(label, runs) {
  const ms = runs.map((r) => r.ms);
  const best = Math.min(...ms);
  console.log(
    `${label.padEnd(48)} first ${ms[0].toFixed(0).padStart(6)} ms   best ${best.toFixed(0).padStart(6)} ms`,
  );
  return { first: ms[0], best };
}

console.log(
  `# node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}, tmpdir ${tmpdir()}`,
);
console.log(
  `# login + UIDL on ${UIDL_COUNT} messages; RETR of all ${RETR_COUNT} messages; ${ROUNDS} rounds each, ` +
    "the first with no index (Loft's index.sqlite, Dovecot's dovecot.index*)",
);
let server;
try {
  const bigHome = join(dir, "home", "big");
  const midHome = join(dir, "home", "mid");
  writeMaildir(bigHome, UIDL_COUNT);
  writeMaildir(midHome, RETR_COUNT);
  if (isRoot) chownSync(join(dir, "home"), 8, 8);
  const uid = isRoot ? 8 : process.getuid();
  writeFileSync(
    join(dir, "users"),
    `big:{PLAIN}${PASSWORD}:${uid}:${uid}::${bigHome}\nmid:{PLAIN}${PASSWORD}:${uid}:${uid}::${midHome}\n`,
  );
  const port = await freePort();
  writeFileSync(
    join(dir, "loft.toml"),
    `state_dir = "state"\n[auth]\npasswd_file = "users"\n[log]\nlevel = "info"\nformat = "json"\n` +
      `[imap]\nlisten = []\n[lmtp]\nlisten = []\n[managesieve]\nlisten = []\n[pop3]\nlisten = ["127.0.0.1:${port}"]\n`,
  );
  server = spawn(process.execPath, [join(root, "bin", "loft"), "serve", "-c", join(dir, "loft.toml")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (d) => {
      out += d;
      if (out.includes("loft started")) resolve();
    });
    server.on("exit", (code) => reject(new Error(`loft exited ${code}`)));
  });

  const login = (user) => [`USER ${user}`, `PASS ${PASSWORD}`];
  const retrAll = Array.from({ length: RETR_COUNT }, (_, i) => `RETR ${i + 1}`);
  const loftUidl = [];
  const loftRetr = [];
  const doveUidl = [];
  const doveRetr = [];
  const bigConf = dovecotConf("big");
  const midConf = dovecotConf("mid");
  for (let round = 0; round < ROUNDS; round++) {
    loftUidl.push(await time(() => exchange(port, [...login("big"), "UIDL", "QUIT"])));
    doveUidl.push(await time(() => dovecotExchange(bigConf, "big", bigHome, ["UIDL", "QUIT"])));
    loftRetr.push(await time(() => exchange(port, [...login("mid"), ...retrAll, "QUIT"])));
    doveRetr.push(await time(() => dovecotExchange(midConf, "mid", midHome, [...retrAll, "QUIT"])));
  }
  const uidlOf = (out) => out.slice(out.indexOf("+OK\r\n1 "));
  const same = uidlOf(loftUidl.at(-1).out) === uidlOf(doveUidl.at(-1).out);
  const bytes = (out) => Buffer.byteLength(out, "latin1");
  console.log(
    `# UIDL listings identical: ${same ? "yes" : "NO"}; RETR bytes Loft ${bytes(loftRetr.at(-1).out)}, ` +
      `Dovecot ${bytes(doveRetr.at(-1).out)} (Loft's include its greeting and login lines)`,
  );
  const lu = report(`loft: login + UIDL (${UIDL_COUNT})`, loftUidl);
  const du = report(`dovecot pop3: UIDL (${UIDL_COUNT}, process start)`, doveUidl);
  const lr = report(`loft: login + RETR all (${RETR_COUNT})`, loftRetr);
  const dr = report(`dovecot pop3: RETR all (${RETR_COUNT}, process start)`, doveRetr);
  console.log("# ratios (Loft time / Dovecot time; below 1 means Loft is faster)");
  console.log(`login + UIDL, no index     ${(lu.first / du.first).toFixed(2)}`);
  console.log(`login + UIDL, warm         ${(lu.best / du.best).toFixed(2)}`);
  console.log(`RETR all, no index         ${(lr.first / dr.first).toFixed(2)}`);
  console.log(`RETR all, warm             ${(lr.best / dr.best).toFixed(2)}`);
} finally {
  server?.kill("SIGTERM");
  if (server) await new Promise((resolve) => server.on("exit", resolve));
  rmSync(dir, { recursive: true, force: true });
}
