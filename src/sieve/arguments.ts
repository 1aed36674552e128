// Tagged and positional arguments of one command or test (RFC 5228 §2.6): which tags it
// takes (its own, those other extensions add, and the shared comparator / match type /
// address part groups), their parameters and conflicts, and the positional types and count.
import type { Argument, Position } from "./ast.js";
import type { ArgType, CompiledNode, Extension, TagSpec } from "./extension.js";
import { addressParts, comparators, matchTypes, tagsFor } from "./registry.js";

/** What argument checking needs from the validator. */
export interface ArgumentContext {
  /** The core and the extensions the script required. */
  active: Extension[];
  error(pos: Position, message: string): void;
  /** A value cached for the current set of active extensions. */
  lookup<T>(key: string, make: () => T): T;
}

const TYPE_NAMES: Record<ArgType, string> = { string: "string", strings: "string list", number: "number" };

function describeArg(arg: Argument): string {
  if (arg.kind === "number") return "number";
  if (arg.kind === "tag") return `tagged argument ${arg.name}`;
  return arg.bracketed ? "string list" : "string";
}

function fits(arg: Argument, type: ArgType): boolean {
  if (type === "number") return arg.kind === "number";
  if (type === "strings") return arg.kind === "strings";
  return arg.kind === "strings" && !arg.bracketed;
}

export function compileArguments(node: CompiledNode, args: Argument[], cx: ArgumentContext): void {
  const spec = node.spec;
  const tags = cx.lookup(`tags:${spec.type}:${spec.name}`, () => tagsFor(cx.active, spec));
  const groups = new Set(spec.groups ?? []);
  const groupSeen = new Map<string, string>();
  const what = `${node.name} ${spec.type}`;
  let unknownTag = false;
  let i = 0;
  for (; i < args.length && args[i]!.kind === "tag"; i++) {
    const arg = args[i] as Extract<Argument, { kind: "tag" }>;
    const name = arg.name;
    let tag: TagSpec | undefined = tags.find((t) => t.name === name);
    let group: string | undefined = tag?.group;
    if (tag === undefined && groups.has("comparator") && name === ":comparator") {
      tag = { name, param: "string", group: "comparator" };
      group = "comparator";
    }
    const matchType = groups.has("match-type")
      ? cx.lookup("matchTypes", () => matchTypes(cx.active)).find((m) => m.tag === name)
      : undefined;
    if (tag === undefined && matchType !== undefined) {
      tag = { name, ...(matchType.param ? { param: matchType.param } : {}) };
      group = "match type";
    }
    const part = groups.has("address-part")
      ? cx.lookup("addressParts", () => addressParts(cx.active)).find((p) => p.tag === name)
      : undefined;
    if (tag === undefined && part !== undefined) {
      tag = { name };
      group = "address part";
    }
    if (tag === undefined) {
      cx.error(arg.pos, `unknown tagged argument '${name}' for the ${what}`);
      // The tag's parameter (if it had one) cannot be told apart from positional arguments.
      unknownTag = true;
      continue;
    }
    if (node.tags.has(name)) {
      cx.error(arg.pos, `tagged argument '${name}' is specified more than once for the ${what}`);
    }
    if (group !== undefined) {
      const other = groupSeen.get(group);
      if (other !== undefined) {
        cx.error(arg.pos, `multiple ${group} arguments specified for the ${what} ('${other}' and '${name}')`);
      }
      groupSeen.set(group, name);
    }
    let param: Argument | null = null;
    if (tag.param !== undefined) {
      const next = args[i + 1];
      if (next === undefined || !fits(next, tag.param)) {
        const found = next === undefined ? "none" : describeArg(next);
        cx.error(
          arg.pos,
          `the ${name} tag for the ${what} requires a ${TYPE_NAMES[tag.param]} argument, but ${found} was found`,
        );
      } else {
        param = next;
        i++;
      }
    }
    node.tags.set(name, param);
    node.tagSpecs.push(tag);
    if (matchType !== undefined && group === "match type") {
      node.matchType = matchType;
      node.matchParam = param?.kind === "strings" ? (param.values[0] ?? null) : null;
    }
    if (part !== undefined && group === "address part") node.addressPart = part;
    if (group === "comparator" && param?.kind === "strings") {
      const cname = param.values[0] ?? "";
      const comparator = cx.lookup("comparators", () => comparators(cx.active)).find((c) => c.name === cname);
      if (comparator === undefined) cx.error(param.pos, `unknown comparator '${cname}'`);
      else node.comparator = comparator;
    }
  }
  const positional = args.slice(i);
  node.positional = positional;
  if (unknownTag) return;
  const expected = spec.positional ?? [];
  const minimum = expected.length - (spec.optionalPositional ?? 0);
  for (const [k, arg] of positional.entries()) {
    if (arg.kind === "tag") {
      cx.error(arg.pos, `tagged argument ${arg.name} found after the positional arguments of the ${what}`);
      return;
    }
    const type = expected[k];
    if (type === undefined) {
      cx.error(arg.pos, `too many arguments for the ${what}: expected ${expected.length}`);
      return;
    }
    if (!fits(arg, type)) {
      cx.error(
        arg.pos,
        `the ${what} expects a ${TYPE_NAMES[type]} as argument ${k + 1}, but ${describeArg(arg)} was found`,
      );
    }
  }
  if (positional.length < minimum) {
    const missing = expected.slice(positional.length, minimum).map((t) => TYPE_NAMES[t]);
    cx.error(
      node.pos,
      `the ${what} requires ${minimum} positional argument(s) (missing ${missing.join(", ")})`,
    );
  }
  node.positional = positional;
  resolveDefaults(node, groups, cx);
}

function resolveDefaults(node: CompiledNode, groups: Set<string>, cx: ArgumentContext): void {
  if (groups.has("comparator") && node.comparator === null) {
    node.comparator =
      cx.lookup("comparators", () => comparators(cx.active)).find((c) => c.name === "i;ascii-casemap") ??
      null;
  }
  if (groups.has("match-type") && node.matchType === null) {
    node.matchType =
      cx.lookup("matchTypes", () => matchTypes(cx.active)).find((m) => m.tag === ":is") ?? null;
  }
  if (groups.has("address-part") && node.addressPart === null) {
    node.addressPart =
      cx.lookup("addressParts", () => addressParts(cx.active)).find((p) => p.tag === ":all") ?? null;
  }
  if (node.matchType !== null && node.comparator !== null && node.matchType.checkComparator) {
    const problem = node.matchType.checkComparator(node.comparator);
    if (problem !== null) cx.error(node.pos, problem);
  }
}
