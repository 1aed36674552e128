import { isAbsolute, join, resolve } from "node:path";

/** Where a user's scripts live: Dovecot's `sieve = file:~/sieve;active=~/.dovecot.sieve`. */
export interface ScriptLocation {
  /** Directory holding NAME.sieve files. */
  dir: string;
  /** The symlink (or plain file, in old setups) that is the active script. */
  active: string;
}

/** Parses Dovecot's `file:DIR;active=PATH` (the `file:` prefix optional) for a user's home. */
export function parseScriptLocation(spec: string, home: string): ScriptLocation {
  const [main = "", ...options] = spec.replace(/^file:/, "").split(";");
  let active = "~/.dovecot.sieve";
  for (const option of options) {
    const eq = option.indexOf("=");
    const key = option.slice(0, eq);
    if (eq < 0 || key !== "active")
      throw new Error(`unknown option in Sieve location ${JSON.stringify(spec)}: ${option}`);
    active = option.slice(eq + 1);
  }
  return { dir: expandHome(main, home), active: expandHome(active, home) };
}

function expandHome(path: string, home: string): string {
  const expanded = path === "~" ? home : path.startsWith("~/") ? join(home, path.slice(2)) : path;
  if (!isAbsolute(expanded))
    throw new Error(`Sieve location paths must be absolute or start with ~/: ${path}`);
  return resolve(expanded);
}
