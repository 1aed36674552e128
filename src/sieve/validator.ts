// Syntax tree → compiled nodes: require handling, argument types and counts, tags and their
// conflicts, and every extension's own checks. All errors are collected, each with line:column.
import { type ArgumentContext, compileArguments } from "./arguments.js";
import type { Argument, CommandNode, Position, Script, TestNode } from "./ast.js";
import type { SieveConfig } from "./config.js";
import type { ScriptLocation } from "./environment.js";
import type { CommandSpec, CompiledNode, Extension, IncludeAccess, Validation } from "./extension.js";
import { type ParseResult, parse } from "./parser.js";
import { findCommand, type Registry } from "./registry.js";
import type { CompiledScript } from "./runtime.js";
import type { Diagnostic } from "./syntax-error.js";

/** Optional compile-time access to other scripts, for tools that can read them synchronously. */
export interface CompileOptions {
  /** Reads a script for include; when given, includes of constant names are checked now. */
  loadScript?: (name: string, location: ScriptLocation) => string | null;
  /** The scripts being compiled around this one (`personal:name`), for include cycles. */
  includeChain?: string[];
  /** Syntax trees kept from earlier parses of the same text (loft-lda keeps them on disk). */
  parseCache?: ParseCache;
}

/** Syntax trees by script text: the grammar is the costly part of a compile. */
export interface ParseCache {
  get(source: string): Script | undefined;
  put(source: string, script: Script): void;
}

export type CompileResult =
  | { ok: true; script: CompiledScript; warnings: Diagnostic[] }
  // `parse`: the script is not Sieve syntax at all (Pigeonhole's "parse failed", not "validation failed").
  | { ok: false; errors: Diagnostic[]; warnings: Diagnostic[]; stage?: "parse" };

/** Pigeonhole stops reporting after this many errors. */
const MAX_ERRORS = 25;

class Validator implements Validation, ArgumentContext {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  readonly ancestors: CompiledNode[] = [];
  private readonly required = new Set<string>();
  /** Everything required anywhere, including inside ihave blocks (their runtime setup runs). */
  private readonly everRequired = new Set<string>();
  active: Extension[];
  /** Lookups that depend only on the active extensions, rebuilt when those change. */
  private lookups = new Map<string, unknown>();
  private readonly reportedUnknown = new Set<string>();

  constructor(
    private readonly registry: Registry,
    readonly config: SieveConfig,
    private readonly options: CompileOptions,
  ) {
    this.active = registry.active([]);
  }

  includes(): IncludeAccess | null {
    const load = this.options.loadScript;
    if (load === undefined) return null;
    const chain = this.options.includeChain ?? [];
    return {
      load,
      compile: (source, name, key) => {
        if (chain.includes(key)) return "cycle";
        return compileSource(source, name, this.registry, this.config, {
          loadScript: load,
          includeChain: [...chain, key],
        });
      },
    };
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

  lookup<T>(key: string, make: () => T): T {
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
    compileArguments(
      node,
      ast.args.map((a) => this.transform(a)),
      this,
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
      node.matchType?.validate?.(node, this.keysOf(node), null, this);
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
  options: CompileOptions = {},
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
  const text = source.startsWith("\ufeff") ? source.slice(1) : source;
  const cached = options.parseCache?.get(text);
  const parsed: ParseResult = cached !== undefined ? { ok: true, script: cached } : parse(text);
  if (!parsed.ok) return { ok: false, errors: [parsed.error], warnings: [], stage: "parse" };
  if (cached === undefined) options.parseCache?.put(text, parsed.script);
  const validator = new Validator(registry, config, {
    ...options,
    includeChain: options.includeChain ?? [`personal:${name}`],
  });
  const nodes = validator.compileScript(parsed.script);
  const byPosition = (list: Diagnostic[]) =>
    [...list].sort((a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column);
  const warnings = byPosition(validator.warnings);
  if (validator.errors.length > 0) return { ok: false, errors: byPosition(validator.errors), warnings };
  return { ok: true, script: { name, nodes, extensions: validator.requiredExtensions() }, warnings };
}
