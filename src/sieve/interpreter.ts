// Runs a compiled script against a message and returns the actions (RFC 5228 §2.10).
import { StoreAction } from "./actions.js";
import type { SieveConfig } from "./config.js";
import { evaluateTest } from "./core/language.js";
import type { Envelope, SieveEnvironment } from "./environment.js";
import type { CompiledNode, Signal } from "./extension.js";
import type { SieveMessage } from "./message.js";
import { ResultBuilder, type SieveRunResult, SieveRuntimeError } from "./result.js";
import { type CompiledScript, Runtime, type RuntimeHooks } from "./runtime.js";
import type { CompileResult } from "./validator.js";

export interface RunOptions {
  message: SieveMessage;
  envelope: Envelope;
  env: SieveEnvironment;
  config: SieveConfig;
  compile: (source: string, name: string) => CompileResult;
  trace?: boolean;
  log?: SieveLogger;
}

/** Where runtime failures are reported (a pino logger fits). Never given message content. */
export interface SieveLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

async function executeBlock(nodes: CompiledNode[], rt: Runtime): Promise<Signal> {
  // Whether the current if/elsif/else chain already ran a branch.
  let chainDone = true;
  for (const node of nodes) {
    rt.checkDeadline(node.pos.line);
    if (node.name === "if" || node.name === "elsif") {
      if (node.name === "if") chainDone = false;
      if (chainDone) continue;
      if (await evaluateTest(node.tests[0]!, rt)) {
        chainDone = true;
        const signal = await executeBlock(node.block ?? [], rt);
        if (signal !== undefined) return signal;
      }
      continue;
    }
    if (node.name === "else") {
      if (!chainDone) {
        chainDone = true;
        const signal = await executeBlock(node.block ?? [], rt);
        if (signal !== undefined) return signal;
      }
      continue;
    }
    chainDone = true;
    const signal = await node.spec.execute?.(node, rt);
    if (signal !== undefined) return signal;
  }
  return undefined;
}

async function executeScript(script: CompiledScript, rt: Runtime): Promise<Signal> {
  const saved = rt.scope;
  rt.scope = {
    name: script.name,
    state: new Map(),
    expand: null,
    onMatch: null,
  };
  try {
    for (const ext of script.extensions) ext.enterScript?.(rt);
    rt.trace(0, `## Started executing script '${script.name}'`);
    const signal = await executeBlock(script.nodes, rt);
    rt.trace(0, `## Finished executing script '${script.name}'`);
    return signal;
  } finally {
    rt.scope = saved;
  }
}

/**
 * Runs the script. A runtime error (or any unexpected failure) drops every action and keeps
 * the message in INBOX, so that a script can never lose a message (sieve.md §1.3). The fallback
 * is always a fresh store: Pigeonhole 0.5.19 skips it when the failed script had done
 * `fileinto "INBOX"` and loses the message (observed), which must not be copied.
 */
export async function runScript(script: CompiledScript, options: RunOptions): Promise<SieveRunResult> {
  const { config } = options;
  const result = new ResultBuilder(config.maxActions, config.maxRedirects);
  const hooks: RuntimeHooks = {
    executeBlock: (nodes) => executeBlock(nodes, rt),
    runScript: (s) => executeScript(s, rt),
    compile: options.compile,
  };
  const rt = new Runtime(
    options.message,
    options.envelope,
    options.env,
    config,
    result,
    options.trace === true,
    hooks,
  );
  try {
    await executeScript(script, rt);
    const implicit = result.finish(config.defaultMailbox, rt.keepFlags());
    return {
      status: "ok",
      actions: result.actions,
      error: null,
      implicitKeep: implicit.state,
      implicitKeepAction: implicit.keep,
      editedHeaders: rt.headersEdited ? rt.headers : null,
      rewrittenMessage: rt.messageVersion > 0 ? Buffer.from(rt.messageText(), "latin1") : null,
      tracking: result.tracking,
      trace: rt.traceLines,
    };
  } catch (err) {
    const error =
      err instanceof SieveRuntimeError
        ? { message: err.message, line: err.line }
        : { message: `internal error: ${err instanceof Error ? err.message : String(err)}`, line: 0 };
    options.log?.warn(
      { script: script.name, line: error.line, error: error.message },
      "sieve script failed at run time; actions dropped, message kept in INBOX",
    );
    const keep = new StoreAction("keep", "INBOX", 0, true);
    return {
      status: "runtime_error",
      actions: [keep],
      error,
      implicitKeep: "kept",
      implicitKeepAction: keep,
      editedHeaders: null,
      rewrittenMessage: null,
      tracking: [],
      trace: rt.traceLines,
    };
  }
}
