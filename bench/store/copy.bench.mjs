// COPY and MOVE of many messages between two mailboxes of one store, per format: wall-clock and
// this process's CPU time (user + system). Maildir and sdbox copy by hard link, the other formats by
// writing each message again. Prints figures and conditions; asserts nothing.
// Options: --count N (default 1000), --formats maildir,sdbox,mdbox,mbox.
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { openUserStore } from "../../dist/store/index.js";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1] : fallback;
};
const COUNT = Number(option("--count", "1000"));
const FORMATS = option("--formats", "maildir,sdbox,mdbox,mbox").split(",");
const isRoot = process.geteuid() === 0;
const owner = isRoot ? { uid: 8, gid: 8 } : {};

function message(i) {
  return Buffer.from(
    `From: sender${i % 97}@example.org\r\nTo: user@example.org\r\nSubject: message ${i}\r\n` +
      `Message-ID: <${i}@bench>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n${"Body line of text.\r\n".repeat(200)}`,
  );
}

async function measure(label, work) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await work();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  const cpuMs = (used.user + used.system) / 1000;
  console.log(
    `${label.padEnd(32)} wall ${ms.toFixed(0).padStart(6)} ms   cpu ${cpuMs.toFixed(0).padStart(6)} ms`,
  );
}

console.log(
  `# ${COUNT} messages of ${message(0).length} bytes; ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}`,
);
for (const format of FORMATS) {
  const dir = mkdtempSync(join(tmpdir(), "loft-bench-copy-"));
  if (isRoot) chownSync(dir, 8, 8);
  const home = join(dir, "home");
  const location = format === "maildir" ? `maildir:${home}/Maildir` : `${format}:${home}/Mail`;
  const store = await openUserStore({
    user: "bench",
    home,
    mailLocation: location,
    separator: "/",
    ...owner,
  });
  try {
    await store.createMailbox("Archive");
    await store.createMailbox("Moved");
    const inbox = await store.openMailbox("INBOX");
    for (let i = 0; i < COUNT; i++) await inbox.append(message(i), i % 3 === 0 ? { flags: ["\\Seen"] } : {});
    await measure(`${format}: COPY ${COUNT}`, () => inbox.copy(inbox.uids(), "Archive"));
    const archive = await store.openMailbox("Archive");
    await measure(`${format}: MOVE ${COUNT}`, () => archive.move(archive.uids(), "Moved"));
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
