import { readFileSync } from "node:fs";

/** After the ports are bound, a root process becomes the configured `user` (and `group`). */
export function dropPrivileges(user: string, group: string): boolean {
  if (user === "" || process.getuid?.() !== 0) return false;
  const gid: string | number = group !== "" ? group : primaryGid(user);
  // Groups first: once the uid changes, the process may no longer change them.
  process.setgroups!([gid]);
  process.setgid!(gid);
  process.setuid!(user);
  return true;
}

function primaryGid(user: string): number {
  for (const line of readFileSync("/etc/passwd", "utf8").split("\n")) {
    const f = line.split(":");
    if (f[0] === user && f[3] !== undefined) return Number(f[3]);
  }
  throw new Error(`user ${JSON.stringify(user)} (the config key "user") is not in /etc/passwd`);
}
