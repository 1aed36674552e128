// What the benchmarks share: options, a scratch directory that goes away with the run, the mail
// user's files for Dovecot, loopback ports and stopping the servers they start.
import { chmodSync, chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const args = process.argv.slice(2);
export const isRoot = process.geteuid() === 0;
/** As root, Dovecot's processes run as Debian's `mail` user (uid and gid 8). */
export const MAIL_ID = isRoot ? 8 : process.getuid();

/** A numeric command-line option: `--name N`. */
export function option(name, fallback) {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

/**
 * A scratch directory, removed when the run ends however it ends (a signal, a closed stdout), after
 * stopping the servers pushed onto `children`.
 */
export function scratchDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // Dovecot's processes run as the mail user and must reach their config and homes in here.
  if (isRoot) chmodSync(dir, 0o755);
  const children = [];
  process.on("exit", () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => process.exit(130));
  process.stdout.on("error", () => process.exit(1));
  return { dir, children };
}

/** Gives a tree to the mail user (as root), so Dovecot may read and write it. */
export function chownTree(path) {
  if (!isRoot) return;
  chownSync(path, MAIL_ID, MAIL_ID);
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.isDirectory()) chownTree(join(path, entry.name));
    else chownSync(join(path, entry.name), MAIL_ID, MAIL_ID);
  }
}

/** A loopback port that was free a moment ago. */
export function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Waits until `greet(port)` succeeds (a server's greeting), failing if the server exits or 20 s pass. */
export async function waitForGreeting(port, child, name, greet) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited ${child.exitCode}`);
    try {
      await greet(port);
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${name} did not answer on port ${port}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** SIGTERM, then SIGKILL after 10 s; resolves once the server is gone. */
export async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.on("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** PIDs of `pid` and all its descendants (a server's worker processes), from /proc. */
export function processTree(pid) {
  const children = new Map();
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(e));
    } catch {
      // Gone meanwhile.
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}
