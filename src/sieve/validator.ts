// Syntax tree → compiled nodes: require handling, argument types and counts, tags and their
// conflicts, and every extension's own checks. All errors are collected, each with line:column.
import type { Argument, CommandNode, Position, Script, TestNode } from "./ast.js";
import type { SieveConfig } from "./config.js";
import type { ArgType, CommandSpec, CompiledNode, Extension, TagSpec, Validation } from "./extension.js";
import { parse } from "./parser.js";
import { addressParts, comparators, findCommand, matchTypes, type Registry, tagsFor } from "./registry.js";
import type { CompiledScript } from "./runtime.js";
import type { Diagnostic } from "./syntax-error.js";

export type CompileResult =
  | { ok: true; script: CompiledScript; warnings: Diagnostic[] }
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[] };

/** Pigeonhole stops reporting after this many errors. */
const MAX_ERRORS = 25;

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

class Validator implements Validation {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  readonly ancestors: CompiledNode[] = [];
  private readonly required = new Set<string>();
  /** Everything required anywhere, including inside ihave blocks (their runtime setup runs). */
  private readonly everRequired = new Set<string>();
  private active: Extension[];
  /** Lookups that depend only on the active extensions, rebuilt when those change. */
  private lookups = new Map<string, unknown>();
  private readonly reportedUnknown = new Set<string>();

  constructor(
    private readonly registry: Registry,
    readonly config: SieveConfig,
  ) {
    this.active = registry.active([]);
  }

  error(pos: Position, message: string): void {
    if (this.errors.length < MAX_ERRORS) this.errors.push({ pos, message });
  }

  warning(pos: Position, message: string): void {
    this.warnings.push({ pos, message });
  }

  has(capability: string): boolean {
    return this.required.has(capability);
  }

  requiredExtensions(): Extension[] {
    return this.registry.active(this.everRequired).slice(1);
  }

  private setActive(active: Extension[]): void {
    this.active = active;
    this.lookups = new Map();
  }

  private lookup<T>(key: string, make: () => T): T {
    let value = this.lookups.get(key) as T | undefined;
    if (value === undefined) {
      value = make();
      this.lookups.set(key, value);
    }
    return value;
  }

  private available(name: string): boolean {
    return this.config.extensions.has(name) && this.registry.extension(name) !== undefined;
  }

  private requireAll(names: string[], pos: Position): void {
    for (const name of names) {
      if (!this.available(name)) {
        this.error(pos, `require command: unknown Sieve capability '${name}'`);
        continue;
      }
      for (const n of [name, ...(this.registry.extension(name)?.implies ?? [])]) {
        this.required.add(n);
        this.everRequired.add(n);
      }
    }
    this.setActive(this.registry.active(this.required));
  }

  private checkNeeds(pos: Position): void {
    for (const ext of this.requiredExtensions()) {
      for (const need of ext.needs ?? []) {
        if (!this.required.has(need)) {
          this.error(pos, `the ${ext.name} extension cannot be used without the ${need} extension`);
        }
      }
    }
  }

  /** Runs `fn` with extra capabilities available (inside an ihave block). */
  private withCapabilities<T>(names: string[], fn: () => T): T {
    const saved = new Set(this.required);
    const savedActive = this.active;
    for (const n of names) {
      this.required.add(n);
      this.everRequired.add(n);
    }
    this.setActive(this.registry.active(this.required));
    try {
      return fn();
    } finally {
      this.required.clear();
      for (const n of saved) this.required.add(n);
      this.setActive(savedActive);
    }
  }

  compileScript(script: Script): CompiledNode[] {
    let index = 0;
    for (; index < script.length && script[index]!.name === "require"; index++) {
      const cmd = script[index]!;
      const arg = cmd.args[0];
      if (cmd.args.length !== 1 || arg?.kind !== "strings" || cmd.tests.length > 0 || cmd.block !== null) {
        this.error(cmd.pos, "require command: expected a single string list argument");
        continue;
      }
      this.requireAll(arg.values, cmd.pos);
    }
    if (index > 0) this.checkNeeds(script[0]!.pos);
    return this.compileBlock(script.slice(index));
  }

  compileBlock(commands: CommandNode[]): CompiledNode[] {
    const out: CompiledNode[] = [];
    let previous: string | null = null;
    for (const cmd of commands) {
      if (cmd.name === "require") {
        this.error(cmd.pos, "require command can only be placed at top level at the beginning of the file");
        previous = cmd.name;
        continue;
      }
      if ((cmd.name === "elsif" || cmd.name === "else") && previous !== "if" && previous !== "elsif") {
        this.error(cmd.pos, `${cmd.name} command must follow an if or elsif command`);
      }
      previous = cmd.name;
      const node = this.compileNode(cmd, "command");
      if (node !== null) out.push(node);
    }
    return out;
  }

  private unknown(node: TestNode, type: CommandSpec["type"]): void {
    const key = `${type}:${node.name}`;
    if (this.reportedUnknown.has(key)) return;
    this.reportedUnknown.add(key);
    const owner = this.registry.owner(node.name, type);
    const hint =
      owner !== undefined && owner.name !== ""
        ? ` (the '${owner.name}' extension must be required first)`
        : "";
    this.error(node.pos, `unknown ${type} '${node.name}'${hint}`);
  }

  private compileNode(ast: CommandNode | TestNode, type: CommandSpec["type"]): CompiledNode | null {
    const spec = findCommand(this.active, ast.name, type);
    if (spec === undefined) {
      this.unknown(ast, type);
      return null;
    }
    const node: CompiledNode = {
      spec,
      name: ast.name,
      pos: ast.pos,
      tags: new Map(),
      tagSpecs: [],
      positional: [],
      tests: [],
      block: null,
      comparator: null,
      matchType: null,
      matchParam: null,
      addressPart: null,
      data: new Map(),
    };
    const errorsBefore = this.errors.length;
    this.compileArguments(
      node,
      ast.args.map((a) => this.transform(a)),
    );
    this.ancestors.push(node);
    try {
      this.compileTests(node, ast);
      if (type === "command") this.compileBody(node, ast as CommandNode);
    } finally {
      this.ancestors.pop();
    }
    if (this.errors.length === errorsBefore) {
      spec.validate?.(node, this);
      for (const tag of node.tagSpecs) tag.validate?.(node, node.tags.get(tag.name) ?? null, this);
      const keys = node.positional.find((a) => a.kind === "strings");
      if (node.matchType?.validate !== undefined) {
        node.matchType.validate(
          node,
          this.keysOf(node) ?? (keys?.kind === "strings" ? keys : null),
          null,
          this,
        );
      }
      for (const ext of this.active) ext.validateNode?.(node, this);
    }
    return node;
  }

  /** The key list of a matching test: its last positional string list. */
  private keysOf(node: CompiledNode): Extract<Argument, { kind: "strings" }> | null {
    const last = node.positional[node.positional.length - 1];
    return last?.kind === "strings" ? last : null;
  }

  private transform(arg: Argument): Argument {
    if (arg.kind !== "strings") return arg;
    const transforms = this.lookup("transforms", () =>
      this.active.flatMap((e) => (e.transformConstant ? [e.transformConstant] : [])),
    );
    if (transforms.length === 0) return arg;
    return { ...arg, values: arg.values.map((v) => transforms.reduce((s, f) => f(s), v)) };
  }

  private compileArguments(node: CompiledNode, args: Argument[]): void {
    const spec = node.spec;
    const tags = this.lookup(`tags:${spec.type}:${spec.name}`, () => tagsFor(this.active, spec));
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
        ? matchTypes(this.active).find((m) => m.tag === name)
        : undefined;
      if (tag === undefined && matchType !== undefined) {
        tag = { name, ...(matchType.param ? { param: matchType.param } : {}) };
        group = "match type";
      }
      const part = groups.has("address-part")
        ? addressParts(this.active).find((p) => p.tag === name)
        : undefined;
      if (tag === undefined && part !== undefined) {
        tag = { name };
        group = "address part";
      }
      if (tag === undefined) {
        this.error(arg.pos, `unknown tagged argument '${name}' for the ${what}`);
        // The tag's parameter (if it had one) cannot be told apart from positional arguments.
        unknownTag = true;
        continue;
      }
      if (node.tags.has(name)) {
        this.error(arg.pos, `tagged argument '${name}' is specified more than once for the ${what}`);
      }
      if (group !== undefined) {
        const other = groupSeen.get(group);
        if (other !== undefined) {
          this.error(
            arg.pos,
            `multiple ${group} arguments specified for the ${what} ('${other}' and '${name}')`,
          );
        }
        groupSeen.set(group, name);
      }
      let param: Argument | null = null;
      if (tag.param !== undefined) {
        const next = args[i + 1];
        if (next === undefined || !fits(next, tag.param)) {
          const found = next === undefined ? "none" : describeArg(next);
          this.error(
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
        const comparator = comparators(this.active).find((c) => c.name === cname);
        if (comparator === undefined) this.error(param.pos, `unknown comparator '${cname}'`);
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
        this.error(
          arg.pos,
          `tagged argument ${arg.name} found after the positional arguments of the ${what}`,
        );
        return;
      }
      const type = expected[k];
      if (type === undefined) {
        this.error(arg.pos, `too many arguments for the ${what}: expected ${expected.length}`);
        return;
      }
      if (!fits(arg, type)) {
        this.error(
          arg.pos,
          `the ${what} expects a ${TYPE_NAMES[type]} as argument ${k + 1}, but ${describeArg(arg)} was found`,
        );
      }
    }
    if (positional.length < minimum) {
      const missing = expected.slice(positional.length, minimum).map((t) => TYPE_NAMES[t]);
      this.error(
        node.pos,
        `the ${what} requires ${minimum} positional argument(s) (missing ${missing.join(", ")})`,
      );
    }
    node.positional = positional;
    this.resolveDefaults(node, groups);
  }

  private resolveDefaults(node: CompiledNode, groups: Set<string>): void {
    if (groups.has("comparator") && node.comparator === null) {
      node.comparator = comparators(this.active).find((c) => c.name === "i;ascii-casemap") ?? null;
    }
    if (groups.has("match-type") && node.matchType === null) {
      node.matchType = matchTypes(this.active).find((m) => m.tag === ":is") ?? null;
    }
    if (groups.has("address-part") && node.addressPart === null) {
      node.addressPart = addressParts(this.active).find((p) => p.tag === ":all") ?? null;
    }
    if (node.matchType !== null && node.comparator !== null && node.matchType.checkComparator) {
      const problem = node.matchType.checkComparator(node.comparator);
      if (problem !== null) this.error(node.pos, problem);
    }
  }

  private compileTests(node: CompiledNode, ast: TestNode): void {
    const wants = node.spec.tests;
    const what = `${node.name} ${node.spec.type}`;
    if (wants === undefined && ast.tests.length > 0) {
      this.error(ast.tests[0]!.pos, `the ${what} accepts no tests`);
      return;
    }
    if (wants === "one" && (ast.testList || ast.tests.length !== 1)) {
      this.error(ast.pos, `the ${what} requires exactly one test${ast.testList ? ", not a test list" : ""}`);
      return;
    }
    if (wants === "list" && !ast.testList) {
      this.error(ast.pos, `the ${what} requires a parenthesised test list`);
      return;
    }
    for (const t of ast.tests) {
      const compiled = this.compileNode(t, "test");
      if (compiled !== null) node.tests.push(compiled);
    }
  }

  private compileBody(node: CompiledNode, ast: CommandNode): void {
    const what = `${node.name} command`;
    if (node.spec.block === true && ast.block === null) {
      this.error(ast.pos, `the ${what} requires a block`);
      return;
    }
    if (node.spec.block !== true && ast.block !== null) {
      this.error(ast.pos, `the ${what} does not accept a block`);
      return;
    }
    if (ast.block === null) return;
    const guard = node.tests[0];
    const caps = guard?.spec.blockCapabilities?.(guard);
    if (caps !== undefined) {
      // RFC 5463 §4: a block guarded by ihave of an unavailable capability is not checked.
      if (caps.every((c) => this.available(c))) {
        node.block = this.withCapabilities(caps, () => this.compileBlock(ast.block!));
      } else node.block = [];
      return;
    }
    node.block = this.compileBlock(ast.block);
  }
}

export function compileSource(
  source: string,
  name: string,
  registry: Registry,
  config: SieveConfig,
): CompileResult {
  if (Buffer.byteLength(source, "utf8") > config.maxScriptSize) {
    return {
      ok: false,
      errors: [
        { pos: { line: 1, column: 1 }, message: `script is too large (max ${config.maxScriptSize} bytes)` },
      ],
      warnings: [],
    };
  }
  // A UTF-8 byte order mark some editors write is not part of the script.
  const parsed = parse(source.startsWith("\ufeff") ? source.slice(1) : source);
  if (!parsed.ok) return { ok: false, errors: [parsed.error], warnings: [] };
  const validator = new Validator(registry, config);
  const nodes = validator.compileScript(parsed.script);
  const byPosition = (list: Diagnostic[]) =>
    [...list].sort((a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column);
  const warnings = byPosition(validator.warnings);
  if (validator.errors.length > 0) return { ok: false, errors: byPosition(validator.errors), warnings };
  return { ok: true, script: { name, nodes, extensions: validator.requiredExtensions() }, warnings };
}
