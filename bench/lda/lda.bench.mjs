// LDA benchmark (issue 5, item 6): wall time per message of `loft-lda`, of Dovecot's dovecot-lda
// and of a bare `node -e 0`, each run one message at a time as an MTA runs it, in a
// hyperfine-like way: a few warm-up runs, then R timed runs of each in turns, median and spread
// (in turns, a machine that slows down for a while slows all three alike). Both LDAs deliver
// into their own Maildir with a 20-rule Sieve script (compiled caches warm after the warm-up).
// Prints figures and conditions; asserts nothing. Run after `npm run build`.
// Options: --runs R (default 30), --quick (10 runs), --inbox N (both INBOXes start with N messages
// already in them, as a mail user's has: what a delivery reads grows with the mailbox).
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { args, chownTree, isRoot, MAIL_ID, option } from "../bench-kit.mjs";

const QUICK = args.includes("--quick");
const RUNS = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : QUICK ? 10 : 30;
const INBOX = option("--inbox", 0);
const WARMUP = 3;
const root = new URL("../..", import.meta.url).pathname;

const dir = mkdtempSync(join(tmpdir(), "loft-bench-lda-"));
if (isRoot) chmodSync(dir, 0o755);
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => process.exit(130));

const SCRIPT =
  'require ["fileinto", "mailbox", "imap4flags", "envelope"];\n' +
  Array.from(
    { length: 20 },
    (_, i) => `if header :contains "subject" "project-${i}" { fileinto :create "Project${i}"; stop; }`,
  ).join("\n") +
  "\n";

const MESSAGE =
  "From: Sender <sender@example.net>\nTo: bench@example.org\nSubject: a message\n" +
  "Message-ID: <1@bench.example>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\n" +
  "Line of the body: the quick brown fox jumps over the lazy dog.\n".repeat(60);

/** INBOX messages in cur/, named and listed in dovecot-uidlist as Dovecot's LMTP leaves them. */
function prefill(home) {
  const maildir = join(home, "Maildir");
  for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(maildir, sub), { recursive: true });
  const crlfSize = MESSAGE.length + MESSAGE.split("\n").length - 1;
  let uidlist = `3 V1700000000 N${INBOX + 1} G0123456789abcdef0123456789abcdef\n`;
  for (let i = 1; i <= INBOX; i++) {
    const base = `1700000000.M${i}P1.bench.example,S=${MESSAGE.length},W=${crlfSize}`;
    writeFileSync(join(maildir, "cur", `${base}:2,S`), MESSAGE);
    uidlist += `${i} :${base}\n`;
  }
  writeFileSync(join(maildir, "dovecot-uidlist"), uidlist);
}

function setup(name) {
  const base = join(dir, name);
  const home = join(base, "home");
  mkdirSync(home, { recursive: true });
  if (INBOX > 0) prefill(home);
  writeFileSync(join(home, ".dovecot.sieve"), SCRIPT);
  writeFileSync(join(base, "users"), `bench:{PLAIN}x:${MAIL_ID}:${MAIL_ID}::${home}\n`);
  return { base, home };
}

function loftCommand() {
  const { base } = setup("loft");
  writeFileSync(
    join(base, "loft.toml"),
    `state_dir = "state"\n[auth]\npasswd_file = "users"\n[log]\nlevel = "warn"\n`,
  );
  chownTree(base);
  const config = join(base, "loft.toml");
  return [
    process.execPath,
    [join(root, "bin", "loft-lda"), "-c", config, "-d", "bench", "-f", "sender@example.net"],
  ];
}

/** Without a running Dovecot there is no userdb: it runs as the mail user, HOME and USER set, as from a .forward. */
function dovecotCommand() {
  const { base, home } = setup("dovecot");
  for (const sub of ["run", "state"]) mkdirSync(join(base, sub), { recursive: true });
  writeFileSync(join(base, "log"), "");
  const conf = join(base, "dovecot.conf");
  writeFileSync(
    conf,
    `base_dir = ${base}/run\nstate_dir = ${base}/state\nlog_path = ${base}/log\n` +
      `instance_name = loft-bench-lda-${process.pid}\nprotocols =\nssl = no\nfirst_valid_uid = ${MAIL_ID}\n` +
      "mail_location = maildir:~/Maildir\nmail_fsync = always\n" +
      `passdb {\n  driver = passwd-file\n  args = ${base}/users\n}\n` +
      `userdb {\n  driver = passwd-file\n  args = ${base}/users\n}\n` +
      "protocol lda {\n  mail_plugins = sieve\n}\n" +
      "plugin {\n  sieve = file:~/sieve;active=~/.dovecot.sieve\n}\n",
  );
  chownTree(base);
  return [
    "/usr/lib/dovecot/dovecot-lda",
    ["-c", conf, "-f", "sender@example.net"],
    {
      env: { PATH: process.env.PATH, HOME: home, USER: "bench" },
      ...(isRoot ? { uid: MAIL_ID, gid: MAIL_ID } : {}),
    },
  ];
}

/**
 * Runs the commands in turns (one run of each, R + warm-up times), so that a change in the machine's
 * speed during the run weighs on all of them alike; the median and spread (min–max) of each.
 * Fails loudly on a bad exit.
 */
function measure(commands) {
  const times = commands.map(() => []);
  for (let i = 0; i < WARMUP + RUNS; i++) {
    commands.forEach(({ name, command: [command, commandArgs, options = {}], input }, c) => {
      const start = process.hrtime.bigint();
      const r = spawnSync(command, commandArgs, { input, stdio: ["pipe", "ignore", "pipe"], ...options });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== 0) throw new Error(`${name} exited ${r.status}: ${r.stderr}`);
      if (i >= WARMUP) times[c].push(ms);
    });
  }
  return times.map((t) => {
    t.sort((a, b) => a - b);
    return { median: t[Math.floor(t.length / 2)], min: t[0], max: t.at(-1) };
  });
}

console.log(
  `# node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}, tmpdir ${tmpdir()}`,
);
console.log(
  `# ${RUNS} runs each, in turns, after ${WARMUP} warm-up runs; a ${MESSAGE.length}-byte message, 20-rule Sieve script` +
    (INBOX > 0 ? `; INBOX holds ${INBOX} messages before` : ""),
);
try {
  const commands = [
    { name: "node -e 0", command: [process.execPath, ["-e", "0"]], input: "" },
    { name: "loft-lda", command: loftCommand(), input: MESSAGE },
    { name: "dovecot-lda", command: dovecotCommand(), input: MESSAGE },
  ];
  const times = measure(commands);
  const bare = times[0].median;
  for (const [i, { name }] of commands.entries()) {
    const t = times[i];
    console.log(
      `${name.padEnd(12)} ${t.median.toFixed(1).padStart(7)} ms a message (min ${t.min.toFixed(1)}, ` +
        `max ${t.max.toFixed(1)})  ${(t.median / bare).toFixed(2)} × bare node`,
    );
  }
  console.log("# aim: loft-lda within 1.3 × bare node");
} catch (err) {
  console.error(`lda bench failed: ${err.stack ?? err}`);
  process.exitCode = 1;
}
