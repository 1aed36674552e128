import type { Logger } from "../log/index.js";
import type { Diagnostic, SieveEngine } from "../sieve/index.js";
import { ScriptError, type SieveScriptStore, scriptNameProblem } from "../sieve-scripts/index.js";
import type { Argument } from "./reader.js";
import { encodeString, response } from "./responses.js";

export const SCRIPT_COMMANDS = [
  "HAVESPACE",
  "PUTSCRIPT",
  "CHECKSCRIPT",
  "LISTSCRIPTS",
  "SETACTIVE",
  "GETSCRIPT",
  "DELETESCRIPT",
  "RENAMESCRIPT",
];

interface ScriptContext {
  scripts: SieveScriptStore;
  engine: SieveEngine;
  log: Logger;
}

type Signature = ("string" | "number")[];

const SIGNATURES: Record<string, Signature> = {
  HAVESPACE: ["string", "number"],
  PUTSCRIPT: ["string", "string"],
  CHECKSCRIPT: ["string"],
  LISTSCRIPTS: [],
  SETACTIVE: ["string"],
  GETSCRIPT: ["string"],
  DELETESCRIPT: ["string"],
  RENAMESCRIPT: ["string", "string"],
};

/** How many leading arguments of a command are script names. */
const NAMED: Record<string, number> = {
  HAVESPACE: 1,
  PUTSCRIPT: 1,
  SETACTIVE: 1,
  GETSCRIPT: 1,
  DELETESCRIPT: 1,
  RENAMESCRIPT: 2,
};

/** Runs a command on the logged-in user's scripts and returns the complete response. */
export function runScriptCommand(name: string, args: Argument[], ctx: ScriptContext): Buffer {
  const signature = SIGNATURES[name]!;
  if (args.length !== signature.length || args.some((a, i) => a.kind !== signature[i]))
    return response("NO", `Error in MANAGESIEVE command ${name}: Invalid arguments.`);
  const str = (i: number) => (args[i] as { value: Buffer }).value;
  const text = (i: number) => str(i).toString("utf8");
  // Names are checked before anything else, as Pigeonhole does (SETACTIVE "" deactivates).
  const names = args.slice(0, NAMED[name] ?? 0).map((_, i) => text(i));
  const refused = names.some(
    (n, i) => scriptNameProblem(n) !== null && !(name === "SETACTIVE" && n === "" && i === 0),
  );
  if (refused) return response("NO", badNameText(name, names));
  try {
    switch (name) {
      case "HAVESPACE":
        ctx.scripts.checkSpace(text(0), (args[1] as { value: number }).value);
        return response("OK", "Putscript would succeed.");
      case "PUTSCRIPT":
        return putScript(text(0), str(1), ctx);
      case "CHECKSCRIPT": {
        const compiled = ctx.engine.compile(str(0).toString("utf8"));
        if (!compiled.ok) return errorsResponse(compiled, null);
        return compiled.warnings.length > 0
          ? response("OK", formatDiagnostics(compiled.warnings, null, "warning"), "WARNINGS")
          : response("OK", "Script checked successfully.");
      }
      case "LISTSCRIPTS":
        return Buffer.concat([
          ...ctx.scripts
            .list()
            .map((s) =>
              Buffer.concat([encodeString(s.name), Buffer.from(s.active ? " ACTIVE\r\n" : "\r\n")]),
            ),
          response("OK", "Listscripts completed."),
        ]);
      case "SETACTIVE": {
        const target = text(0);
        if (target === "") {
          const was = ctx.scripts.activate(null);
          return response("OK", was ? "Active script is now deactivated." : "No scripts currently active.");
        }
        ctx.scripts.activate(target);
        return response("OK", "Setactive completed.");
      }
      case "GETSCRIPT": {
        const content = ctx.scripts.read(text(0));
        return Buffer.concat([
          Buffer.from(`{${content.length}}\r\n`),
          content,
          Buffer.from("\r\n"),
          response("OK", "Getscript completed."),
        ]);
      }
      case "DELETESCRIPT":
        ctx.scripts.delete(text(0));
        return response("OK", "Deletescript completed.");
      case "RENAMESCRIPT":
        ctx.scripts.rename(text(0), text(1));
        return response("OK", "Renamescript completed.");
    }
  } catch (err) {
    if (err instanceof ScriptError)
      return response("NO", err.message, err.code === "BADNAME" ? undefined : err.code);
    ctx.log.error({ err, command: name }, "script storage failed");
    return response("NO", "Internal error occurred. Refer to server log for more information.", "TRYLATER");
  }
  return response("NO", `Error in MANAGESIEVE command ${name}: Unknown command.`);
}

/** Pigeonhole's words for a script name it refuses, which differ by command. */
function badNameText(command: string, names: string[]): string {
  const bad = Math.max(
    0,
    names.findIndex((n) => scriptNameProblem(n) !== null),
  );
  // As Dovecot's str_sanitize(name, 80): control characters shown as '?', long names cut.
  let shown = names[bad]!.replace(/[\0-\x1f\x7f]/g, "?");
  if (shown.length > 80) shown = `${shown.slice(0, 77)}...`;
  if (command === "HAVESPACE") return "Invalid script name.";
  if (command === "PUTSCRIPT") return `Invalid Sieve script name \`${shown}'.`;
  if (command === "RENAMESCRIPT" && bad === 1) return `Invalid new Sieve script name \`${shown}'.`;
  return `Invalid script name \`${shown}'.`;
}

function putScript(name: string, content: Buffer, ctx: ScriptContext): Buffer {
  ctx.scripts.checkSpace(name, content.length);
  const compiled = ctx.engine.compile(content.toString("utf8"), name);
  if (!compiled.ok) return errorsResponse(compiled, name);
  ctx.scripts.put(name, content);
  ctx.log.info({ script: name, bytes: content.length }, "script stored");
  return compiled.warnings.length > 0
    ? response("OK", formatDiagnostics(compiled.warnings, name, "warning"), "WARNINGS")
    : response("OK", "PUTSCRIPT completed.");
}

/** Compile errors as Pigeonhole words them: one line each with its line number, then a summary. */
function errorsResponse(failed: { errors: Diagnostic[]; stage?: "parse" }, name: string | null): Buffer {
  const prefix = name === null ? "" : `${name}: `;
  const summary = `${prefix}error: ${failed.stage === "parse" ? "parse" : "validation"} failed.\r\n`;
  return response("NO", `${formatDiagnostics(failed.errors, name, "error")}${summary}`);
}

function formatDiagnostics(list: Diagnostic[], name: string | null, kind: "error" | "warning"): string {
  const prefix = name === null ? "" : `${name}: `;
  // Pigeonhole's messages end with a full stop, as sieve-test prints them here too.
  return list.map((d) => `${prefix}line ${d.pos.line}: ${kind}: ${d.message}.\r\n`).join("");
}
