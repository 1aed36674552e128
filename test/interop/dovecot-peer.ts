/**
 * A throwaway Dovecot configuration around a test's Maildir, driven through `doveadm` without a
 * running instance (test-peers.md): doveadm runs as the mail user with HOME and USER set. When the
 * tests run as root (CI), the mail user is Debian's `mail` (uid/gid 8) and Loft chowns what it creates.
 */
import { execFile, spawn } from "node:child_process";
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { OpenUserStoreOptions } from "../../src/store/index.js";

const isRoot = process.geteuid?.() === 0;
export const MAIL_UID = isRoot ? 8 : (process.geteuid?.() ?? 0);
export const MAIL_GID = isRoot ? 8 : (process.getegid?.() ?? 0);

export interface FetchRow {
  uid: number;
  flags: string[];
  mailbox: string;
  guid: string;
}

export interface DovecotPeer {
  dir: string;
  home: string;
  conf: string;
  mailLocation: string;
  storeOptions(extra?: Partial<OpenUserStoreOptions>): OpenUserStoreOptions;
  doveadm(args: string[], input?: string | Buffer): Promise<string>;
  fetch(query: string[]): Promise<FetchRow[]>;
  status(mailbox: string): Promise<Record<string, string>>;
  cleanup(): void;
}

function childOptions(home: string) {
  return {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, USER: "alice" },
    ...(isRoot ? { uid: MAIL_UID, gid: MAIL_GID } : {}),
  };
}

function parseTab(output: string): Record<string, string>[] {
  const lines = output.split("\n").filter((l) => l !== "");
  const header = lines.shift()?.split("\t") ?? [];
  return lines.map((line) => {
    const cells = line.split("\t");
    return Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ""]));
  });
}

export function makeDovecotPeer(location: string): DovecotPeer {
  const dir = mkdtempSync(join(tmpdir(), "loft-dovecot-"));
  const home = join(dir, "home");
  for (const sub of ["home", "run", "state"]) mkdirSync(join(dir, sub));
  const conf = join(dir, "dovecot.conf");
  writeFileSync(
    conf,
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
instance_name = loft-test-${process.pid}
protocols =
ssl = no
first_valid_uid = 1
mail_location = ${location}
mail_fsync = always
namespace inbox {
  inbox = yes
  separator = /
}
`,
  );
  writeFileSync(join(dir, "dovecot.log"), "");
  if (isRoot) {
    for (const path of [dir, home, join(dir, "run"), join(dir, "state"), join(dir, "dovecot.log"), conf]) {
      chownSync(path, MAIL_UID, MAIL_GID);
    }
  }
  const doveadm = (args: string[], input?: string | Buffer) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(
        "doveadm",
        ["-c", conf, ...args],
        { ...childOptions(home), timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
        (err, stdout, stderr) => {
          if (err) reject(new Error(`doveadm ${args.join(" ")}: ${err.message}\n${stderr}`));
          else resolve(stdout);
        },
      );
      if (input !== undefined) child.stdin?.end(input);
      else child.stdin?.end();
    });
  return {
    dir,
    home,
    conf,
    mailLocation: location,
    storeOptions: (extra = {}) => ({
      user: "alice",
      home,
      mailLocation: location,
      uid: MAIL_UID,
      gid: MAIL_GID,
      separator: "/",
      ...extra,
    }),
    doveadm,
    async fetch(query) {
      const out = await doveadm(["-f", "tab", "fetch", "uid flags mailbox guid", ...query]);
      return parseTab(out).map((r) => ({
        uid: Number(r.uid),
        flags: (r.flags ?? "").split(" ").filter((f) => f !== "" && f !== "\\Recent"),
        mailbox: r.mailbox ?? "",
        guid: r.guid ?? "",
      }));
    },
    async status(mailbox) {
      const out = await doveadm(["-f", "tab", "mailbox", "status", "uidvalidity uidnext messages", mailbox]);
      return parseTab(out)[0] ?? {};
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs a process as the mail user (for helpers that must write like Dovecot does). */
/**
 * `count` messages saved into INBOX by doveadm, `parallel` processes at a time; message i reads
 * `Subject: dovecot i`.
 */
export async function doveadmSaves(peer: DovecotPeer, count: number, parallel: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        const i = next++;
        await peer.doveadm(["save", "-m", "INBOX"], `Subject: dovecot ${i}\n\nfrom Dovecot ${i}\n`);
      }
    }),
  );
}

export function spawnAsMailUser(command: string, args: string[], home: string) {
  return spawn(command, args, { ...childOptions(home), stdio: ["pipe", "pipe", "pipe"] });
}
