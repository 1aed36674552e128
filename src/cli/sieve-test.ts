// `loft sieve-test`: run a Sieve script against a message without delivering it, like
// Pigeonhole's sieve-test. Every implemented extension is available here.
//
// Exit codes: 0 success; 1 the script failed at run time (the implicit keep applies, as
// sieve-test's "failed; resolved with successful implicit keep"); 65 EX_DATAERR the script does
// not compile; 66 EX_NOINPUT a file cannot be read.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { EX_DATAERR, EX_NOINPUT, ExitError } from "../exit-codes/index.js";
import {
  type Diagnostic,
  MemoryEnvironment,
  resultToJSON,
  type ScriptLocation,
  SieveEngine,
  SieveMessage,
  type SieveRunResult,
} from "../sieve/index.js";
import { formatListing } from "../sieve/listing.js";

export interface SieveTestOptions {
  json?: boolean;
  trace?: boolean;
  from?: string;
  to?: string;
  origTo?: string;
  auth?: string;
  mailbox?: string[];
  personalDir?: string;
  globalDir?: string;
}

function readInput(path: string): Buffer {
  try {
    return path === "-" ? readFileSync(0) : readFileSync(path);
  } catch (err) {
    throw new ExitError(`cannot read ${path}: ${(err as Error).message}`, EX_NOINPUT);
  }
}

/** The envelope sender when --from is absent: Return-Path, else the From address. */
function defaultSender(message: SieveMessage): string {
  for (const name of ["return-path", "from"]) {
    const field = message.root.headers.find((h) => h.name.toLowerCase() === name);
    const m = field ? (/<([^>]*)>/.exec(field.raw) ?? /([^\s<>]+@[^\s<>]+)/.exec(field.raw)) : null;
    if (m) return m[1]!;
  }
  return "";
}

function scriptDir(dir: string | undefined): (name: string) => string | null {
  return (name) => {
    if (dir === undefined) return null;
    const path = join(dir, `${name}.sieve`);
    return existsSync(path) ? readFileSync(path, "utf8") : null;
  };
}

/** Reads NAME.sieve from the personal or global directory; undefined when neither is given. */
export function scriptLoader(
  personalDir: string | undefined,
  globalDir: string | undefined,
): ((name: string, location: ScriptLocation) => string | null) | undefined {
  if (personalDir === undefined && globalDir === undefined) return undefined;
  const personal = scriptDir(personalDir);
  const global = scriptDir(globalDir);
  return (name, location) => (location === "global" ? global(name) : personal(name));
}

export function scriptLabel(path: string): string {
  return (path.split("/").pop() ?? path).replace(/\.sieve$/, "");
}

export function formatDiagnostic(label: string, d: Diagnostic): string {
  return `${label}: line ${d.pos.line}: error: ${d.message}.`;
}

/** Where the command writes (the process streams, or a capture in tests). */
export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

const processOutput: Output = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

export async function sieveTest(
  scriptPath: string,
  messagePath: string,
  opts: SieveTestOptions,
  io: Output = processOutput,
): Promise<number> {
  const engine = new SieveEngine({ extensions: new Set(new SieveEngine().registry.names()) });
  const source = readInput(scriptPath).toString("utf8");
  const label = scriptLabel(scriptPath);
  // Included scripts are checked when compiling, as Pigeonhole's sieve-test does.
  const loadScript = scriptLoader(opts.personalDir, opts.globalDir) ?? (() => null);
  const compiled = engine.compile(source, label, { loadScript });
  if (!opts.json) {
    for (const w of compiled.warnings) io.stderr(`${label}: line ${w.pos.line}: warning: ${w.message}.\n`);
  }
  if (!compiled.ok) {
    if (opts.json) {
      const message = compiled.errors
        .map((e) => `line ${e.pos.line}, column ${e.pos.column}: ${e.message}`)
        .join("; ");
      io.stdout(`${JSON.stringify({ status: "compile_error", message })}\n`);
    } else {
      for (const e of compiled.errors) io.stderr(`${formatDiagnostic(label, e)}\n`);
      const stage = compiled.stage === "parse" ? "parse" : "validation";
      io.stderr(`${label}: error: ${stage} failed.\nsieve-test: Fatal: failed to compile sieve script\n`);
    }
    return EX_DATAERR;
  }
  const message = new SieveMessage(readInput(messagePath));
  const env = new MemoryEnvironment({
    mailboxes: opts.mailbox ?? [],
    loadScript,
  });
  const envelope = {
    from: opts.from ?? defaultSender(message),
    to: opts.to ?? "recipient@example.com",
    ...(opts.origTo !== undefined ? { origTo: opts.origTo } : {}),
    ...(opts.auth !== undefined ? { auth: opts.auth } : {}),
  };
  const result: SieveRunResult = await engine.run(compiled.script, {
    message,
    envelope,
    env,
    trace: opts.trace === true,
  });
  if (opts.json) {
    const json = resultToJSON(result);
    io.stdout(`${JSON.stringify(opts.trace ? { ...json, trace: result.trace } : json)}\n`);
  } else {
    if (opts.trace) io.stdout(`\n${result.trace.join("\n")}\n`);
    if (result.status === "ok") io.stdout(formatListing(result));
    else io.stderr(`${label}: line ${result.error?.line ?? 0}: error: ${result.error?.message}.\n`);
    io.stderr(
      `sieve-test: Info: final result: ${result.status === "ok" ? "success" : "failed; resolved with successful implicit keep"}\n`,
    );
  }
  return result.status === "ok" ? 0 : 1;
}

export function register(program: Command): void {
  program
    .command("sieve-test")
    .description("run a Sieve script against a message and show the actions, without delivering")
    .argument("<script>", "the Sieve script")
    .argument("<message>", "the message file (- for stdin)")
    .option("--json", "print one JSON object: status and actions")
    .option("--trace", "show each command and test with its line")
    .option("--from <addr>", "envelope sender (default: Return-Path or From of the message)")
    .option("--to <addr>", "envelope recipient", "recipient@example.com")
    .option("--orig-to <addr>", "original envelope recipient")
    .option("--auth <user>", "authenticated user")
    .option(
      "--mailbox <name>",
      "a mailbox that exists besides INBOX (repeatable)",
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option("--personal-dir <dir>", "directory of the user's scripts (NAME.sieve) for include")
    .option("--global-dir <dir>", "directory of global scripts for include :global")
    .action(async (script: string, messagePath: string, opts: SieveTestOptions) => {
      const code = await sieveTest(script, messagePath, opts);
      if (code !== 0) process.exitCode = code;
    });
}
