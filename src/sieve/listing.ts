// The result as Pigeonhole's sieve-test prints it (sieve.md §3.1), for `loft sieve-test`.
import type { SieveAction } from "./actions.js";
import type { SieveRunResult } from "./result.js";

/** sieve-test shows control characters of an action line (a CRLF in a name) as '?'. */
function sanitize(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, "?");
}

function actionLines(action: SieveAction): string[] {
  const { text, lines } = action.describe();
  return [` * ${sanitize(text)}`, ...lines];
}

/** The "Performed actions" / "Implicit keep" listing written to stdout. */
export function formatListing(result: SieveRunResult): string {
  const out: string[] = ["", "Performed actions:", ""];
  const performed = result.actions.filter((a) => a !== result.implicitKeepAction);
  // Pigeonhole lists duplicate tracking among the actions, where the test ran.
  const tracked = (k: number) =>
    result.tracking.filter((t) => t.listing !== undefined && t.position === k).map((t) => ` * ${t.listing}`);
  const lines: string[] = [];
  for (const [k, action] of performed.entries()) lines.push(...tracked(k), ...actionLines(action));
  lines.push(...tracked(performed.length));
  if (lines.length === 0) out.push("  (none)");
  out.push(...lines);
  out.push("", "Implicit keep:", "");
  if (result.implicitKeepAction === null) out.push("  (none)");
  else out.push(...actionLines(result.implicitKeepAction));
  out.push("");
  return `${out.join("\n")}\n`;
}
