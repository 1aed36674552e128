import { lchownSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
// The class itself, not the config face, which would bring the schema into loft-lda.
import { ConfigError } from "../config/config-error.js";
import type { ListenAddress } from "../config/index.js";

/** The unprivileged account `loft serve` becomes after binding its ports. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
}

export function runningAsRoot(): boolean {
  return process.geteuid?.() === 0;
}

/** Field lists of a colon-separated system database (/etc/passwd, /etc/group). */
function systemEntries(path: string): string[][] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.split(":"));
}

/**
 * The config keys `user` and `group` as numeric ids, or null when `user` is empty. Names are
 * looked up in /etc/passwd and /etc/group (numbers are taken as they are); an unknown one is
 * a config error naming its key.
 */
export function resolveAccount(user: string, group: string): Account | null {
  if (user === "") return null;
  const passwd = systemEntries("/etc/passwd");
  const entry = /^\d+$/.test(user) ? passwd.find((f) => f[2] === user) : passwd.find((f) => f[0] === user);
  if (!entry && !/^\d+$/.test(user))
    throw new ConfigError(`user: no account ${JSON.stringify(user)} in /etc/passwd`);
  const uid = Number(entry ? entry[2] : user);
  let gid: number;
  if (group !== "") {
    const g = /^\d+$/.test(group) ? null : systemEntries("/etc/group").find((f) => f[0] === group);
    if (g === undefined) throw new ConfigError(`group: no group ${JSON.stringify(group)} in /etc/group`);
    gid = Number(g === null ? group : g[2]);
  } else if (entry) gid = Number(entry[3]);
  else throw new ConfigError(`group: user ${user} has no /etc/passwd entry to take a group from; set group`);
  // Dropping "to" root would keep every privilege while the config claims otherwise.
  if (uid === 0) throw new ConfigError(`user: ${JSON.stringify(user)} is root; name an unprivileged account`);
  return { name: entry ? entry[0]! : user, uid, gid };
}

function isLoopback(address: ListenAddress): boolean {
  if (address.kind === "unix") return true;
  const host = address.host.toLowerCase();
  return host === "localhost" || host === "::1" || /^(::ffff:)?127\./.test(host);
}

/**
 * Root without an account to become would serve the network as root: Loft refuses any address
 * beyond loopback (and unix sockets) then, naming the key that fixes it.
 */
export function checkRootListen(protocol: string, addresses: ListenAddress[], account: Account | null): void {
  if (account !== null || !runningAsRoot()) return;
  const open = addresses.find((a) => !isLoopback(a));
  if (open === undefined) return;
  const where = open.kind === "tcp" ? `${open.host}:${open.port}` : "";
  throw new ConfigError(
    `refusing to listen on ${where} (${protocol}) as root without an unprivileged account: set the config key "user" (e.g. user = "vmail"), or listen on loopback only`,
  );
}

/** Gives Loft's own state (passwd-file, homes of users without a uid, indexes) to the account. */
export function chownTree(path: string, account: Account): void {
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (stat.uid === 0) lchownSync(path, account.uid, account.gid);
  if (stat.isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), account);
}

/**
 * Becomes the account for good: supplementary groups first, then the gid, then the uid (once
 * the uid changes the process may no longer change its groups). Then checks that root cannot
 * be regained.
 */
export function dropPrivileges(account: Account): void {
  process.setgroups!([account.gid]);
  process.setgid!(account.gid);
  process.setuid!(account.uid);
  const ids = [process.getuid!(), process.geteuid!(), process.getgid!(), process.getegid!()];
  if (ids.join() !== [account.uid, account.uid, account.gid, account.gid].join())
    throw new Error(`privileges not dropped: uid/euid/gid/egid are ${ids.join("/")}`);
  let regained = true;
  try {
    process.setuid!(0);
  } catch {
    regained = false;
  }
  if (regained) throw new Error("privileges not dropped: setuid(0) still succeeds");
}
