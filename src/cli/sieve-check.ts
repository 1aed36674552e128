// `loft sieve check SCRIPT…`: compile scripts like Pigeonhole's sievec and print every error.
// Exit 0 when all compile, 1 otherwise (66 EX_NOINPUT when a file cannot be read).
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { EX_NOINPUT, ExitError } from "../exit-codes/index.js";
import { SieveEngine } from "../sieve/index.js";
import { scriptLabel, scriptLoader } from "./sieve-test.js";

export interface CheckOptions {
  /** Directories of personal and global scripts: when given, includes are checked too. */
  personalDir?: string;
  globalDir?: string;
}

export function checkScripts(paths: string[], opts: CheckOptions = {}): number {
  const loadScript = scriptLoader(opts.personalDir, opts.globalDir);
  const engine = new SieveEngine({ extensions: new Set(new SieveEngine().registry.names()) });
  let failed = false;
  for (const path of paths) {
    let source: string;
    try {
      source = readFileSync(path, "utf8");
    } catch (err) {
      throw new ExitError(`cannot read ${path}: ${(err as Error).message}`, EX_NOINPUT);
    }
    const result = engine.compile(source, scriptLabel(path), loadScript ? { loadScript } : {});
    for (const w of result.warnings) {
      process.stdout.write(`${path}:${w.pos.line}:${w.pos.column}: warning: ${w.message}\n`);
    }
    if (result.ok) continue;
    failed = true;
    for (const e of result.errors)
      process.stdout.write(`${path}:${e.pos.line}:${e.pos.column}: error: ${e.message}\n`);
  }
  return failed ? 1 : 0;
}

export function register(program: Command): void {
  const sieve = program.command("sieve").description("Sieve script tools");
  sieve
    .command("check")
    .description("compile Sieve scripts and report every error (like sievec)")
    .argument("<scripts...>", "script files")
    .option("--personal-dir <dir>", "directory of the user's scripts: check includes against it")
    .option("--global-dir <dir>", "directory of global scripts: check include :global against it")
    .action((paths: string[], opts: CheckOptions) => {
      const code = checkScripts(paths, opts);
      if (code !== 0) process.exitCode = code;
    });
}
