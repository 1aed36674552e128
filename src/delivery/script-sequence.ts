// Which Sieve scripts a delivery runs, in order: sieve_before, the user's active script,
// sieve_after (Pigeonhole's multiscript order). A configured directory stands for its *.sieve
// files in name order, as Pigeonhole reads a sieve_before directory.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseScriptLocation, SieveScriptStore } from "../sieve-scripts/index.js";

export interface ScriptSequence {
  before: string[];
  personal: string | null;
  after: string[];
  /** The user's script directory, for include :personal. */
  personalDir: string | null;
}

function expand(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      continue;
    }
    if (!isDir) out.push(path);
    else for (const f of readdirSync(path).sort()) if (f.endsWith(".sieve")) out.push(join(path, f));
  }
  return out;
}

export function scriptSequence(
  settings: { location: string; before: readonly string[]; after: readonly string[] },
  home: string,
): ScriptSequence {
  let personal: string | null = null;
  let personalDir: string | null = null;
  if (home !== "") {
    const location = parseScriptLocation(settings.location, home);
    personalDir = location.dir;
    const quota = { maxScripts: 0, maxStorage: 0, maxScriptSize: 0 };
    personal = new SieveScriptStore(location, quota).activeScriptPath();
  }
  return { before: expand(settings.before), personal, after: expand(settings.after), personalDir };
}
