// Script text → syntax tree, with line:column errors. The grammar lives in grammar/sieve.ne.
import nearley from "nearley";
import grammar, { scriptOf, sieveLexer } from "../generated/sieve-grammar.js";
import type { Position, Script } from "./ast.js";
import { type Diagnostic, SieveSyntaxError } from "./syntax-error.js";

export type ParseResult = { ok: true; script: Script } | { ok: false; error: Diagnostic };

// Made on the first parse: a delivery whose scripts' trees are cached never needs it.
let compiled: nearley.Grammar | undefined;

interface EarleyState {
  rule: { symbols: unknown[] };
  dot: number;
}

const TOKEN_NAMES: Record<string, string> = {
  identifier: "identifier",
  tag: "tagged argument",
  number: "number",
  string: "string",
  multiline: "string",
  lbracket: "'['",
  rbracket: "']'",
  lparen: "'('",
  rparen: "')'",
  lbrace: "'{'",
  rbrace: "'}'",
  comma: "','",
  semicolon: "';'",
};

/** What the parser could have accepted next, read from the last Earley column. */
function expected(parser: nearley.Parser, columnIndex: number): string {
  const table = (parser as unknown as { table: { states: EarleyState[] }[] }).table;
  const names = new Set<string>();
  for (const state of table[columnIndex]?.states ?? []) {
    const symbol = state.rule.symbols[state.dot];
    if (symbol !== null && typeof symbol === "object" && "type" in symbol) {
      const type = String((symbol as { type: unknown }).type);
      names.add(TOKEN_NAMES[type] ?? type);
    }
  }
  const list = [...names].sort();
  if (list.length === 0) return "";
  if (list.length === 1) return `; expected ${list[0]}`;
  return `; expected ${list.slice(0, -1).join(", ")} or ${list[list.length - 1]}`;
}

function describe(token: { type?: string; text?: string }): string {
  if (token.type === "string" || token.type === "multiline") return "string";
  if (token.type === "number") return `number ${token.text}`;
  if (token.type === "tag") return `tagged argument ${token.text}`;
  if (token.type === "identifier") return `identifier '${token.text}'`;
  return `'${token.text}'`;
}

function endPosition(source: string): Position {
  const lines = source.split("\n");
  return { line: lines.length, column: (lines[lines.length - 1]?.length ?? 0) + 1 };
}

function failure(err: SieveSyntaxError): ParseResult {
  return { ok: false, error: { message: err.message, pos: err.pos } };
}

export function parse(source: string): ParseResult {
  compiled ??= nearley.Grammar.fromCompiled(grammar as unknown as nearley.CompiledRules);
  const parser = new nearley.Parser(compiled);
  try {
    parser.feed(source);
  } catch (err) {
    if (sieveLexer.failure !== null) return failure(sieveLexer.failure);
    if (err instanceof SieveSyntaxError) return failure(err);
    const token = (err as { token?: { type?: string; text?: string; line?: number; col?: number } }).token;
    if (token?.line === undefined) throw err;
    const table = (parser as unknown as { table: unknown[] }).table;
    return {
      ok: false,
      error: {
        message: `unexpected ${describe(token)}${expected(parser, table.length - 2)}`,
        pos: { line: token.line, column: token.col ?? 1 },
      },
    };
  }
  if (sieveLexer.failure !== null) return failure(sieveLexer.failure);
  if (parser.results.length === 0) {
    const table = (parser as unknown as { table: unknown[] }).table;
    return {
      ok: false,
      error: {
        message: `unexpected end of script${expected(parser, table.length - 1)}`,
        pos: endPosition(source),
      },
    };
  }
  // The grammar is written to be unambiguous; more than one parse is a bug in grammar/sieve.ne.
  if (parser.results.length !== 1) {
    throw new Error(`sieve grammar is ambiguous: ${parser.results.length} parses`);
  }
  return { ok: true, script: scriptOf(parser.results[0]) as Script };
}
