// Store benchmarks (issue 3, item 8): save 10,000 messages through the store; open a
// 100,000-message Maildir with a cold and a warm index; read all flags. With --vs-dovecot the same
// through doveadm on the same data, and the ratios. Prints figures and conditions; asserts nothing.
// Options: --save N (default 10000), --big N (default 100000), --vs-dovecot.
import { execFileSync } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, hostname, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openUserStore } from "../../dist/store/index.js";
import { args, chownTree, isRoot, option } from "../bench-kit.mjs";

const SAVE = option("--save", 10_000);
const BIG = option("--big", 100_000);
const VS_DOVECOT = args.includes("--vs-dovecot");
const owner = isRoot ? { uid: 8, gid: 8 } : {};

const dir = mkdtempSync(join(tmpdir(), "loft-bench-store-"));
if (isRoot) chownSync(dir, 8, 8);
const results = [];
const time = async (label, work) => {
  const start = process.hrtime.bigint();
  const detail = await work();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  results.push({ label, ms, detail });
  console.log(`${label.padEnd(44)} ${ms.toFixed(0).padStart(8)} ms  ${detail ?? ""}`);
  return ms;
};

function message(i) {
  return Buffer.from(
    `From: sender${i % 97}@example.org\r\nTo: user@example.org\r\nSubject: message ${i}\r\n` +
      `Message-ID: <${i}@bench>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n${"Body line of text.\r\n".repeat(20)}`,
  );
}

/** A big Maildir written directly (no fsync), as Dovecot would have left it: files and a uidlist. */
function writeBigMaildir(root, count) {
  for (const sub of ["cur", "new", "tmp"]) mkdirSync(join(root, sub), { recursive: true });
  const body = message(0).toString("latin1").replace(/\r\n/g, "\n");
  const size = Buffer.byteLength(body);
  const vsize = size + body.split("\n").length - 1;
  const lines = [`3 V1700000000 N${count + 1} G0123456789abcdef0123456789abcdef`];
  const host = hostname();
  for (let i = 1; i <= count; i++) {
    const base = `1700000000.M${i}P1.${host},S=${size},W=${vsize}`;
    writeFileSync(join(root, "cur", `${base}:2,${i % 3 === 0 ? "S" : ""}`), body);
    lines.push(`${i} :${base}`);
  }
  writeFileSync(join(root, "dovecot-uidlist"), `${lines.join("\n")}\n`);
}

function doveadmConf(home) {
  const conf = join(dir, `dovecot-${Math.random().toString(16).slice(2)}.conf`);
  writeFileSync(
    conf,
    `base_dir = ${dir}/run\nstate_dir = ${dir}/state\nlog_path = ${dir}/dovecot.log\ninstance_name = loft-bench\n` +
      `protocols =\nssl = no\nfirst_valid_uid = 1\nmail_location = maildir:${home}/Maildir\n`,
  );
  for (const sub of ["run", "state"]) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, "dovecot.log"), "", { flag: "a" });
  chownTree(dir);
  return (cmdArgs, input) =>
    execFileSync("doveadm", ["-c", conf, ...cmdArgs], {
      env: { PATH: process.env.PATH, HOME: home, USER: "bench" },
      input,
      maxBuffer: 1 << 30,
      ...(isRoot ? { uid: 8, gid: 8 } : {}),
    });
}

console.log(
  `# node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}, tmpdir ${tmpdir()}`,
);
console.log(`# save ${SAVE} messages, open a ${BIG}-message INBOX${VS_DOVECOT ? ", against doveadm" : ""}`);
try {
  // 1. Saving through the store: tmp → fsync → rename → fsync dir → uidlist, one message at a time.
  const saveHome = join(dir, "save");
  const store = await openUserStore({
    user: "bench",
    home: saveHome,
    mailLocation: "maildir:~/Maildir",
    ...owner,
  });
  const inbox = await store.openMailbox("INBOX");
  const saveStart = process.hrtime.bigint();
  const loftSave = await time(`loft: save ${SAVE}`, async () => {
    for (let i = 0; i < SAVE; i++) await inbox.append(message(i));
    return `${((SAVE * 1000) / (Number(process.hrtime.bigint() - saveStart) / 1e6)).toFixed(0)} messages/s`;
  });
  store.close();

  // 2. A big mailbox: open with a cold index (none), then warm; read every message's flags.
  const bigHome = join(dir, "big");
  writeBigMaildir(join(bigHome, "Maildir"), BIG);
  chownTree(bigHome);
  const cold = await time("loft: open, cold index", async () => {
    const s = await openUserStore({
      user: "bench",
      home: bigHome,
      mailLocation: "maildir:~/Maildir",
      ...owner,
    });
    const status = (await s.openMailbox("INBOX")).status();
    s.close();
    return `${status.messages} messages`;
  });
  const warm = await time("loft: open, warm index", async () => {
    const s = await openUserStore({
      user: "bench",
      home: bigHome,
      mailLocation: "maildir:~/Maildir",
      ...owner,
    });
    const status = (await s.openMailbox("INBOX")).status();
    s.close();
    return `${status.messages} messages`;
  });
  const flags = await time("loft: read all flags (warm)", async () => {
    const s = await openUserStore({
      user: "bench",
      home: bigHome,
      mailLocation: "maildir:~/Maildir",
      ...owner,
    });
    const seen = (await s.openMailbox("INBOX")).messages().filter((m) => m.flags.includes("\\Seen")).length;
    s.close();
    return `${seen} \\Seen`;
  });

  if (VS_DOVECOT) {
    const doveSaveHome = join(dir, "dove-save");
    mkdirSync(doveSaveHome);
    chownTree(doveSaveHome);
    const saveRun = doveadmConf(doveSaveHome);
    // One doveadm process per message, as deliveries arrive; capped so the run stays short.
    const n = Math.min(SAVE, 1000);
    const doveSave = await time(`doveadm: save ${n} (one process each)`, async () => {
      for (let i = 0; i < n; i++) saveRun(["save", "-m", "INBOX"], message(i));
      return "";
    });
    const bigRun = doveadmConf(bigHome);
    const dCold = await time("doveadm: mailbox status, cold index", async () => {
      for (const f of readdirSync(join(bigHome, "Maildir"))) {
        if (f.startsWith("dovecot.index") || f.startsWith("dovecot.list"))
          rmSync(join(bigHome, "Maildir", f));
      }
      return bigRun(["-f", "tab", "mailbox", "status", "messages", "INBOX"]).toString().split("\n")[1];
    });
    const dWarm = await time(
      "doveadm: mailbox status, warm index",
      async () => bigRun(["-f", "tab", "mailbox", "status", "messages", "INBOX"]).toString().split("\n")[1],
    );
    const dFlags = await time("doveadm: fetch flags all", async () => {
      const out = bigRun(["-f", "tab", "fetch", "flags", "mailbox", "INBOX", "all"]).toString();
      return `${out.split("\n").filter((l) => l.includes("\\Seen")).length} \\Seen`;
    });
    console.log("# ratios (Loft time / Dovecot time; below 1 means Loft is faster)");
    console.log(`save per message        ${(loftSave / SAVE / (doveSave / n)).toFixed(2)}`);
    console.log(`open, cold index        ${(cold / dCold).toFixed(2)}`);
    console.log(`open, warm index        ${(warm / dWarm).toFixed(2)}`);
    console.log(`read all flags          ${(flags / dFlags).toFixed(2)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
