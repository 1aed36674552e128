// RFC 5232: imap4flags — setflag/addflag/removeflag, hasflag, and :flags on keep/fileinto.
import { normalizeFlags, type SieveAction, StoreAction } from "../actions.js";
import type { Position } from "../ast.js";
import { matchValues } from "../core/header-access.js";
import type { CommandSpec, Extension, Validation } from "../extension.js";
import type { Runtime } from "../runtime.js";
import { stringsOf } from "../runtime.js";
import { getVariable, setVariable } from "./variables.js";

const SYSTEM_FLAGS = ["\\seen", "\\answered", "\\flagged", "\\deleted", "\\draft"];

/** RFC 3501 §2.3.2: a settable system flag, or a keyword atom. */
function isValidFlag(flag: string): boolean {
  if (flag.startsWith("\\")) return SYSTEM_FLAGS.includes(flag.toLowerCase());
  return /^[^(){ %*"\\\]\x00-\x1f\x7f]+$/.test(flag);
}

function flagWords(list: string[]): string[] {
  return list.flatMap((s) => s.split(/\s+/)).filter((f) => f !== "");
}

/** Splits flag strings at spaces (RFC 5232 §3); invalid flags are ignored, as Pigeonhole does. */
export function splitFlags(list: string[]): string[] {
  return normalizeFlags(flagWords(list).filter(isValidFlag));
}

/** Pigeonhole warns about the first invalid constant flag of a command and ignores it. */
function warnInvalid(values: string[], command: string, pos: Position, v: Validation): void {
  const bad = flagWords(values.filter((s) => !s.includes("${"))).find((f) => !isValidFlag(f));
  if (bad !== undefined) {
    v.warning(
      pos,
      `IMAP flag '${bad}' specified for the ${command} command is invalid and will be ignored (only first invalid is reported)`,
    );
  }
}

function internalFlags(rt: Runtime): string[] {
  return (rt.shared.get("imap4flags") as string[] | undefined) ?? [];
}

/** The flag list in a named variable (with variables), or the internal variable. */
function readFlags(rt: Runtime, variable: string | null): string[] {
  if (variable === null) return internalFlags(rt);
  return splitFlags([getVariable(rt, variable) ?? ""]);
}

function writeFlags(rt: Runtime, variable: string | null, flags: string[], line: number): void {
  if (variable === null) rt.shared.set("imap4flags", flags);
  else setVariable(rt, variable, flags.join(" "), line);
}

type Operation = (current: string[], given: string[]) => string[];

const remove: Operation = (current, given) => {
  const drop = new Set(given.map((f) => f.toLowerCase()));
  return current.filter((f) => !drop.has(f.toLowerCase()));
};

function flagCommand(name: string, verb: string, op: Operation): CommandSpec {
  return {
    name,
    type: "command",
    // RFC 5232 §3: `[<variablename: string>] <list-of-flags: string-list>`; the validator only
    // knows trailing optional arguments, so the variable name is checked here.
    positional: ["strings", "strings"],
    optionalPositional: 1,
    validate(node, v) {
      const first = node.positional[0];
      if (node.positional.length === 2 && first?.kind === "strings" && first.bracketed) {
        v.error(first.pos, `the ${name} command expects a variable name string, not a string list`);
      }
      if (node.positional.length === 2 && !v.has("variables")) {
        v.error(node.pos, `the ${name} command takes a variable name only with the variables extension`);
      }
      const flags = node.positional[node.positional.length - 1];
      if (flags !== undefined) warnInvalid(stringsOf(flags), name, flags.pos, v);
    },
    execute(node, rt) {
      const variable = node.positional.length === 2 ? rt.string(node, 0) : null;
      const given = splitFlags(rt.strings(node, node.positional.length - 1));
      const updated = normalizeFlags(op(readFlags(rt, variable), given));
      rt.trace(node.pos.line, `${name} command`);
      rt.trace(node.pos.line, `${verb} flags \`${given.join(" ")}'`, 1);
      writeFlags(rt, variable, updated, node.pos.line);
      return undefined;
    },
  };
}

export const imap4flags: Extension = {
  name: "imap4flags",
  commands: [
    flagCommand("setflag", "set", (_current, given) => given),
    flagCommand("addflag", "add", (current, given) => [...current, ...given]),
    flagCommand("removeflag", "remove", remove),
    {
      name: "hasflag",
      type: "test",
      positional: ["strings", "strings"],
      optionalPositional: 1,
      groups: ["comparator", "match-type"],
      evaluate(node, rt) {
        const hasVariables = node.positional.length === 2;
        const variables = hasVariables ? rt.strings(node, 0) : [null];
        const keys = rt.strings(node, node.positional.length - 1);
        const flags = variables.flatMap((v) => readFlags(rt, v));
        // RFC 5232 §4: each flag is a value; keys are split at spaces as well.
        if (node.matchType?.tag === ":count") return matchValues(node, rt, flags, keys);
        return matchValues(node, rt, flags, splitFlags(keys));
      },
    },
  ],
  tags: [
    {
      to: ["keep", "fileinto"],
      tag: {
        name: ":flags",
        param: "strings",
        validate(node, param, v) {
          if (param !== null) warnInvalid(stringsOf(param), node.name, param.pos, v);
        },
        modifyAction(action: SieveAction, node, rt) {
          if (action instanceof StoreAction) action.flags = splitFlags(rt.tagStrings(node, ":flags") ?? []);
        },
      },
    },
  ],
  enterScript(rt) {
    rt.keepFlags = () => internalFlags(rt);
  },
};
