// RFC 5229: variables — `set` with modifiers, ${…} substitution, match variables, `string`.
import { matchValues } from "../core/header-access.js";
import type { Extension, TagSpec, Validation } from "../extension.js";
import { SieveRuntimeError } from "../result.js";
import type { Runtime } from "../runtime.js";
import { stringsOf } from "../runtime.js";

/** Pigeonhole's limits: variables per scope, value size, match values. */
const MAX_VARIABLES = 255;
const MAX_VALUE_SIZE = 4096;
const MAX_MATCH_VALUES = 32;

const IDENTIFIER = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const REFERENCE = /\$\{([a-zA-Z_][a-zA-Z0-9_]*(?:\.[a-zA-Z_][a-zA-Z0-9_]*)*|[0-9]+)\}/g;

export interface VariableStore {
  locals: Map<string, string>;
  matches: string[];
}

/** The variable store of the running script (other extensions read and write through it). */
export function variableStore(rt: Runtime): VariableStore {
  let store = rt.scope.state.get("variables") as VariableStore | undefined;
  if (store === undefined) {
    store = { locals: new Map(), matches: [] };
    rt.scope.state.set("variables", store);
  }
  return store;
}

/** Variables declared `global` (include extension) live in a map shared by all scripts. */
export function globalVariables(rt: Runtime): Map<string, string> {
  let globals = rt.shared.get("variables.global") as Map<string, string> | undefined;
  if (globals === undefined) {
    globals = new Map();
    rt.shared.set("variables.global", globals);
  }
  return globals;
}

/** Names the current script declared global (set by the include extension's `global`). */
export function globalNames(rt: Runtime): Set<string> {
  let names = rt.scope.state.get("variables.globalNames") as Set<string> | undefined;
  if (names === undefined) {
    names = new Set();
    rt.scope.state.set("variables.globalNames", names);
  }
  return names;
}

function truncate(value: string): string {
  if (Buffer.byteLength(value, "utf8") <= MAX_VALUE_SIZE) return value;
  let out = Buffer.from(value, "utf8").subarray(0, MAX_VALUE_SIZE).toString("utf8");
  if (out.endsWith("\ufffd")) out = out.slice(0, -1);
  return out;
}

export function getVariable(rt: Runtime, name: string): string | null {
  const lower = name.toLowerCase();
  if (lower.startsWith("global.")) return globalVariables(rt).get(lower.slice(7)) ?? null;
  if (globalNames(rt).has(lower)) return globalVariables(rt).get(lower) ?? null;
  return variableStore(rt).locals.get(lower) ?? null;
}

export function setVariable(rt: Runtime, name: string, value: string, line: number): void {
  const lower = name.toLowerCase();
  const stored = truncate(value);
  if (lower.startsWith("global.")) {
    globalVariables(rt).set(lower.slice(7), stored);
    return;
  }
  if (globalNames(rt).has(lower)) {
    globalVariables(rt).set(lower, stored);
    return;
  }
  const locals = variableStore(rt).locals;
  if (!locals.has(lower) && locals.size >= MAX_VARIABLES) {
    throw new SieveRuntimeError(`too many variables (max ${MAX_VARIABLES})`, line);
  }
  locals.set(lower, stored);
}

/** Substitutes ${name} and ${N}; unknown variables are empty, other namespaces stay as written. */
function expand(rt: Runtime, value: string): string {
  if (!value.includes("${")) return value;
  return value.replace(REFERENCE, (whole, name: string) => {
    if (/^[0-9]+$/.test(name)) return variableStore(rt).matches[Number(name)] ?? "";
    if (name.includes(".") && !name.toLowerCase().startsWith("global.")) {
      const ns = rt.shared.get(`variables.namespace.${name.split(".")[0]!.toLowerCase()}`) as
        | ((rt: Runtime, name: string) => string | null)
        | undefined;
      return ns === undefined ? whole : (ns(rt, name) ?? "");
    }
    return getVariable(rt, name) ?? "";
  });
}

function quoteWildcard(s: string): string {
  return s.replace(/[*?\\]/g, "\\$&");
}

// Case modifiers change ASCII letters only, as Pigeonhole does (observed: :upper "élan" is
// "éLAN"); RFC 5229 §4.1 leaves non-ASCII case mapping to the implementation.
const asciiUpper = (s: string) => s.replace(/[a-z]+/g, (m) => m.toUpperCase());
const asciiLower = (s: string) => s.replace(/[A-Z]+/g, (m) => m.toLowerCase());

function upperFirst(s: string): string {
  return s.length === 0 ? s : asciiUpper(s[0]!) + s.slice(1);
}

function lowerFirst(s: string): string {
  return s.length === 0 ? s : asciiLower(s[0]!) + s.slice(1);
}

const modifier = (name: string, precedence: number, apply: (s: string) => string): TagSpec => ({
  name,
  setModifier: { precedence, apply },
});

/** The modifiers of `set` (RFC 5229 §4.1), also taken by extracttext (RFC 5703 §7). */
export const setModifiers: TagSpec[] = [
  modifier(":lower", 40, asciiLower),
  modifier(":upper", 40, asciiUpper),
  modifier(":lowerfirst", 30, lowerFirst),
  modifier(":upperfirst", 30, upperFirst),
  modifier(":quotewildcard", 20, quoteWildcard),
  modifier(":length", 10, (s) => String(Array.from(s).length)),
];

function checkVariableName(name: string, pos: { line: number; column: number }, v: Validation): void {
  const lower = name.toLowerCase();
  const plain = lower.startsWith("global.") ? lower.slice(7) : lower;
  if (!IDENTIFIER.test(plain)) v.error(pos, `invalid variable name '${name}'`);
}

export const variables: Extension = {
  name: "variables",
  commands: [
    {
      name: "set",
      type: "command",
      positional: ["string", "string"],
      tags: setModifiers,
      validate(node, v) {
        checkVariableName(stringsOf(node.positional[0])[0] ?? "", node.positional[0]!.pos, v);
        const seen = new Map<number, string>();
        for (const tag of node.tagSpecs) {
          if (tag.setModifier === undefined) continue;
          const other = seen.get(tag.setModifier.precedence);
          // RFC 5229 §4.1: two modifiers of the same precedence cannot be combined.
          if (other !== undefined) v.error(node.pos, `modifiers ${other} and ${tag.name} cannot be combined`);
          seen.set(tag.setModifier.precedence, tag.name);
        }
      },
      execute(node, rt) {
        const name = stringsOf(node.positional[0])[0] ?? "";
        let value = rt.string(node, 1);
        const modifiers = node.tagSpecs.flatMap((t) => (t.setModifier ? [t.setModifier] : []));
        modifiers.sort((a, b) => b.precedence - a.precedence);
        for (const m of modifiers) value = m.apply(value);
        rt.trace(node.pos.line, "set command");
        rt.trace(node.pos.line, `assign \`${name}' [${value.length}] "${value}"`, 1);
        setVariable(rt, name, value, node.pos.line);
        return undefined;
      },
    },
    {
      name: "string",
      type: "test",
      positional: ["strings", "strings"],
      groups: ["comparator", "match-type"],
      evaluate(node, rt) {
        let values = rt.strings(node, 0);
        // RFC 5229 §5: with :count, empty strings are not counted.
        if (node.matchType?.tag === ":count") values = values.filter((s) => s !== "");
        return matchValues(node, rt, values, rt.strings(node, 1));
      },
    },
  ],
  enterScript(rt) {
    rt.scope.expand = (value) => expand(rt, value);
    rt.scope.onMatch = (values) => {
      variableStore(rt).matches = values.slice(0, MAX_MATCH_VALUES).map(truncate);
    };
  },
};
