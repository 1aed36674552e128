// Runs the script sequence for one recipient and merges the results as Pigeonhole's multiscript
// does: each script's implicit keep is only a decision to go on with the next script; the
// sequence stops at the first script that cancels it (or fails), and only the last script's
// implicit keep is carried out.
import type { Logger } from "pino";
import type {
  Envelope,
  ParseCache,
  SieveAction,
  SieveEngine,
  SieveEnvironment,
  SieveMessage,
} from "../sieve/index.js";
import type { HeaderField } from "./edited-message.js";
import type { ScriptSequence } from "./script-sequence.js";

export interface SieveOutcome {
  actions: SieveAction[];
  /** Ids to record once the message is delivered. */
  tracking: { kind: string; key: string }[];
  editedHeaders: HeaderField[] | null;
  /** The scripts that ran; none means the message is simply kept. */
  ran: string[];
}

export async function runScripts(
  engine: SieveEngine,
  sequence: ScriptSequence,
  input: { message: SieveMessage; envelope: Envelope; env: SieveEnvironment },
  log: Logger,
  personalParseCache?: ParseCache,
): Promise<SieveOutcome> {
  const paths = [
    ...sequence.before,
    ...(sequence.personal === null ? [] : [sequence.personal]),
    ...sequence.after,
  ];
  const outcome: SieveOutcome = { actions: [], tracking: [], editedHeaders: null, ran: [] };
  let keep: SieveAction | null = null;
  let keepApplies = false;
  for (const path of paths) {
    let compiled: ReturnType<SieveEngine["compileFile"]>;
    try {
      compiled = engine.compileFile(
        path,
        path === sequence.personal && personalParseCache !== undefined
          ? { parseCache: personalParseCache }
          : {},
      );
    } catch (err) {
      log.error({ script: path, err: (err as Error).message }, "cannot read Sieve script");
      continue;
    }
    if (!compiled.ok) {
      // Pigeonhole skips a script that does not compile and goes on as if it had kept.
      log.error(
        { script: path, errors: compiled.errors.map((e) => `${e.pos.line}: ${e.message}`) },
        "Sieve script does not compile; skipped",
      );
      continue;
    }
    outcome.ran.push(path);
    const result = await engine.run(compiled.script, input);
    if (result.status === "runtime_error") {
      // A failing script keeps the message (RFC 5228 §2.10.6); what earlier scripts did stands.
      log.error(
        { script: path, line: result.error?.line, err: result.error?.message },
        "Sieve runtime error",
      );
      keep = result.implicitKeepAction;
      keepApplies = true;
      break;
    }
    for (const a of result.actions) if (a !== result.implicitKeepAction) outcome.actions.push(a);
    for (const t of result.tracking) outcome.tracking.push({ kind: t.kind, key: t.key });
    if (result.editedHeaders !== null) outcome.editedHeaders = result.editedHeaders;
    keep = result.implicitKeepAction;
    // "done-earlier": an explicit store into the same mailbox already carries the keep.
    keepApplies = result.implicitKeep === "kept";
    if (result.implicitKeep === "cancelled") break;
  }
  if (keep !== null && keepApplies) outcome.actions.push(keep);
  return outcome;
}
