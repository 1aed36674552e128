// Shared by the sieve-*.test.ts files: compile and run a script against a message.
import {
  type Envelope,
  type JsonValue,
  MemoryEnvironment,
  type MemoryEnvironmentOptions,
  resultToJSON,
  type SieveConfig,
  SieveEngine,
  SieveMessage,
  type SieveRunResult,
} from "../../src/sieve/index.js";

export const engine = new SieveEngine({ extensions: new Set(new SieveEngine().registry.names()) });

export const MESSAGE = [
  "Return-Path: <alice@example.org>",
  "From: Alice Example <alice@example.org>",
  "To: Bob <bob@example.net>, carol@example.com",
  "Cc: =?utf-8?q?D=C3=A9sir=C3=A9e?= <desiree@example.com>",
  "Subject: first test",
  "Date: Tue, 3 Feb 2026 10:20:30 +0100",
  "Message-ID: <m1@example.org>",
  "X-Num: 10",
  "X-Spam-Score: 7.5",
  "",
  "Hello world.",
  "",
].join("\r\n");

export interface RunInput {
  message?: string | Buffer;
  envelope?: Partial<Envelope>;
  env?: MemoryEnvironmentOptions;
  config?: Partial<SieveConfig>;
  trace?: boolean;
}

export async function runFull(script: string, input: RunInput = {}): Promise<SieveRunResult> {
  const e = input.config
    ? new SieveEngine({ extensions: engine.config.extensions, ...input.config })
    : engine;
  const compiled = e.compile(script, "test");
  if (!compiled.ok) throw new Error(`compile failed: ${JSON.stringify(compiled.errors)}`);
  return e.run(compiled.script, {
    message: new SieveMessage(input.message ?? MESSAGE),
    envelope: { from: "alice@example.org", to: "bob@example.net", ...input.envelope },
    env: new MemoryEnvironment(input.env),
    trace: input.trace ?? false,
  });
}

/** The `--json` object of a run. */
export async function run(script: string, input: RunInput = {}): Promise<{ [key: string]: JsonValue }> {
  return resultToJSON(await runFull(script, input));
}

/** Just the actions of a successful run (fails the test on a runtime error). */
export async function actions(script: string, input: RunInput = {}): Promise<JsonValue[]> {
  const result = await run(script, input);
  if (result.status !== "ok") throw new Error(`runtime error: ${String(result.message)}`);
  return result.actions as JsonValue[];
}

/** Whether the script's `if` fired: it files into "yes" when the test is true. */
export async function holds(test: string, require: string[] = [], input: RunInput = {}): Promise<boolean> {
  const req = ["fileinto", ...require].map((r) => JSON.stringify(r)).join(", ");
  const acts = await actions(`require [${req}];\nif ${test} { fileinto "yes"; }`, input);
  return acts.some((a) => (a as { mailbox?: string }).mailbox === "yes");
}

export function compileErrors(script: string): { line: number; column: number; message: string }[] {
  const result = engine.compile(script, "test");
  if (result.ok) return [];
  return result.errors.map((e) => ({ line: e.pos.line, column: e.pos.column, message: e.message }));
}

export const KEEP = { action: "keep", flags: [], implicit: true };
