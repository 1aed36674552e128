// What an extension (and the core language, registered the same way) declares: its commands,
// tests, tagged arguments, comparators, match types, address parts and runtime hooks.

import type { SieveAction } from "./actions.js";
import type { ParsedAddress } from "./address.js";
import type { Argument, Position, StringListArgument } from "./ast.js";
import type { SieveConfig } from "./config.js";
import type { ScriptLocation } from "./environment.js";
import type { HeaderField } from "./message.js";
import type { Runtime } from "./runtime.js";
import type { CompileResult } from "./validator.js";

export type ArgType = "string" | "strings" | "number";

/** A tag group shared by many tests; extensions add members (e.g. `:regex` to match types). */
export type TagGroup = "comparator" | "match-type" | "address-part";

export interface TagSpec {
  /** With the colon, lower case: `:copy`. */
  name: string;
  /** The argument that must follow the tag, if any. */
  param?: ArgType;
  /** Tags of one group exclude each other (`:is`/`:contains`, `:over`/`:under`). */
  group?: string;
  /** Compile-time check of this tag (its parameter, its combination with others). */
  validate?(node: CompiledNode, param: Argument | null, v: Validation): void;
  /** Changes the action the command creates (`:copy`, `:flags`, `:create`). */
  modifyAction?(action: SieveAction, node: CompiledNode, rt: Runtime): void | Promise<void>;
  /** Replaces the header blocks a header-reading test looks at (`:mime`, `:anychild`). */
  headerSources?(node: CompiledNode, rt: Runtime): HeaderField[][];
  /** Narrows the raw occurrences of one header field (`:index`). */
  selectOccurrences?(values: string[], node: CompiledNode, rt: Runtime): string[];
  /** A modifier of the `set` command (RFC 5229 §4.1): applied highest precedence first. */
  setModifier?: { precedence: number; apply(value: string): string };
  /** Replaces decoded header values by parts of them (`:type`, `:param`). */
  mapValues?(name: string, values: string[], node: CompiledNode, rt: Runtime): string[];
}

/** Adds a tag to commands or tests that another extension (or the core) defines. */
export interface TagExtension {
  /** Command or test names that accept the tag. */
  to: string[];
  tag: TagSpec;
}

/** RFC 4790 comparator. */
export interface Comparator {
  name: string;
  equals(a: string, b: string): boolean;
  /** Ordering for relational `:value`. */
  compare(a: string, b: string): number;
  /** Substring test for `:contains`; absent when the comparator does not support it. */
  contains?(haystack: string, needle: string): boolean;
  /** Length-preserving fold for `:matches`/`:regex`; absent when unsupported. */
  fold?(s: string): string;
}

export interface MatchContext {
  /** Records `${0}`…`${n}` after a successful `:matches`/`:regex` (variables extension). */
  setMatchValues(values: string[]): void;
  runtime: Runtime;
}

export interface MatchType {
  tag: string;
  param?: ArgType;
  /** Compile-time check of the keys (e.g. that a constant regex compiles). */
  validate?(node: CompiledNode, keys: StringListArgument | null, param: Argument | null, v: Validation): void;
  /** Whether the comparator may be used with this match type; an error message if not. */
  checkComparator?(comparator: Comparator): string | null;
  /** Whether any value matches any key. `values` holds every value the test extracted. */
  match(
    values: string[],
    keys: string[],
    comparator: Comparator,
    param: string | null,
    ctx: MatchContext,
  ): boolean;
}

export interface AddressPart {
  tag: string;
  /** The part of the address to compare, or null when the address has no such part. */
  extract(address: ParsedAddress, runtime: Runtime): string | null;
}

/** What a command returns to the block that runs it. */
export type Signal =
  | undefined
  | { kind: "stop" }
  | { kind: "return" }
  | { kind: "break"; name: string | null };

export interface CommandSpec {
  name: string;
  type: "command" | "test";
  positional?: ArgType[];
  /** How many trailing positional arguments may be left out. */
  optionalPositional?: number;
  tags?: TagSpec[];
  /** Shared tag groups accepted (comparator, match type, address part). */
  groups?: TagGroup[];
  /** Sub-tests: none, exactly one, or a parenthesised list. */
  tests?: "one" | "list";
  /** Whether the command takes a block (`if`, `foreverypart`). */
  block?: boolean;
  validate?(node: CompiledNode, v: Validation): void;
  /**
   * For a test guarding a block (ihave): the capabilities the block may use. When one is not
   * available the block is not validated, as it can never run (RFC 5463 §4).
   */
  blockCapabilities?(node: CompiledNode): string[];
  execute?(node: CompiledNode, rt: Runtime): Signal | Promise<Signal>;
  evaluate?(node: CompiledNode, rt: Runtime): boolean | Promise<boolean>;
}

export interface CompiledNode {
  spec: CommandSpec;
  name: string;
  pos: Position;
  /** Tags present, with the argument following each (null for a tag without parameter). */
  tags: Map<string, Argument | null>;
  /** Specs of the tags present, in script order. */
  tagSpecs: TagSpec[];
  positional: Argument[];
  tests: CompiledNode[];
  block: CompiledNode[] | null;
  comparator: Comparator | null;
  matchType: MatchType | null;
  /** The match type's parameter (`:value "gt"`). */
  matchParam: string | null;
  addressPart: AddressPart | null;
  /** Per-node data computed at compile time, keyed by the extension that owns it. */
  data: Map<string, unknown>;
}

/** Compile-time access to included scripts. */
export interface IncludeAccess {
  load(name: string, location: ScriptLocation): string | null;
  /** Compiles an included script; "cycle" when it is already being compiled around this one. */
  compile(source: string, name: string, key: string): CompileResult | "cycle";
}

/** The compile-time view an extension gets. */
export interface Validation {
  error(pos: Position, message: string): void;
  warning(pos: Position, message: string): void;
  /** Whether the script required this capability (or it is implied). */
  has(capability: string): boolean;
  /** The engine's settings (limits an extension may check at compile time). */
  readonly config: SieveConfig;
  /** Other scripts, when the caller can read them at compile time (include checks). */
  includes(): IncludeAccess | null;
  /** The enclosing commands of the node being validated, innermost last. */
  ancestors: CompiledNode[];
}

export interface Extension {
  /** The capability string used in `require`. */
  name: string;
  /** Other capabilities that must be required along with this one. */
  needs?: string[];
  /** Capabilities that requiring this one makes available too. */
  implies?: string[];
  commands?: CommandSpec[];
  tags?: TagExtension[];
  comparators?: Comparator[];
  matchTypes?: MatchType[];
  addressParts?: AddressPart[];
  /** Rewrites string constants at compile time (encoded-character). */
  transformConstant?(value: string): string;
  /** Called for every compiled node after its own validation (e.g. variable name checks). */
  validateNode?(node: CompiledNode, v: Validation): void;
  /** Called when a script that required this extension starts running. */
  enterScript?(rt: Runtime): void;
}
