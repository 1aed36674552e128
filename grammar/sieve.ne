# Sieve (RFC 5228 §8) grammar. Compiled by nearleyc at build time into src/generated/sieve-grammar.ts.
# The grammar is unambiguous: src/sieve/parser.ts asserts exactly one parse per input.
@preprocessor typescript

@{%
import moo from "moo";
import type { Argument, CommandNode, Position, StringListArgument, TestNode } from "../sieve/ast.js";
import { SieveSyntaxError } from "../sieve/syntax-error.js";

// Pigeonhole's limits (sieve-limits.h): deeper nesting is refused while lexing, before the
// parser builds anything, so that 10,000 nested blocks fail fast.
export const MAX_BLOCK_NESTING = 32;
export const MAX_TEST_NESTING = 32;

/** RFC 5228 §2.4.2: `\"` and `\\` are escapes; a backslash before anything else is dropped. */
function unquote(text: string): string {
  return text.slice(1, -1).replace(/\\([\s\S])/g, "$1");
}

/**
 * RFC 5228 §2.4.2: drop the `text:` line and the final `.` line, and one dot of a leading `..`.
 * Lines end in CRLF in the value, as the grammar has them (Pigeonhole does the same for
 * scripts saved with bare LF).
 */
function unstuff(text: string): string {
  const body = text.slice(text.indexOf("\n") + 1).replace(/(^|\n)\.(?:\r?\n)?$/, "$1");
  return body.replace(/(^|\n)\.\./g, "$1.").replace(/\r?\n/g, "\r\n");
}

const QUANTIFIERS: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

const RULES: moo.Rules = {
  ws: { match: /[ \t\r\n]+/, lineBreaks: true },
  hashComment: /#[^\n]*/,
  bracketComment: { match: /\/\*[\s\S]*?\*\//, lineBreaks: true },
  unterminatedComment: { match: /\/\*[\s\S]*/, lineBreaks: true },
  multiline: {
    match: /text:[ \t]*(?:#[^\n]*)?\r?\n(?:[^\n]*\n)*?\.(?:\r?\n|$)/,
    lineBreaks: true,
    value: unstuff,
  },
  unterminatedMultiline: { match: /text:[ \t]*(?:#[^\n]*)?\r?\n[\s\S]*/, lineBreaks: true },
  string: { match: /"(?:[^"\\]|\\[\s\S])*"/, lineBreaks: true, value: unquote },
  unterminatedString: { match: /"[\s\S]*/, lineBreaks: true },
  number: /[0-9]+[KMGkmg]?/,
  tag: /:[a-zA-Z_][a-zA-Z0-9_]*/,
  identifier: /[a-zA-Z_][a-zA-Z0-9_]*/,
  lbracket: "[",
  rbracket: "]",
  lparen: "(",
  rparen: ")",
  lbrace: "{",
  rbrace: "}",
  comma: ",",
  semicolon: ";",
  error: moo.error,
};

// Compiled on first use: a delivery whose scripts' syntax trees are cached never lexes (and the
// grammar's token checks below, made as this module loads, are answered from RULES).
let compiledLexer: moo.Lexer | undefined;
const base = (): moo.Lexer => (compiledLexer ??= moo.compile(RULES));

const LEXER_ERRORS: Record<string, string> = {
  unterminatedComment: "unterminated bracket comment",
  unterminatedMultiline: "unterminated multi-line string (no line with a single '.')",
  unterminatedString: "unterminated quoted string",
  error: "unexpected character",
};

/**
 * moo's lexer without whitespace and comments, refusing over-deep nesting. A lexical error ends
 * the token stream and is kept in `failure` (nearley would otherwise wrap it in its own message).
 */
class SieveLexer {
  private blockDepth = 0;
  private parenDepth = 0;
  failure: SieveSyntaxError | null = null;
  reset(chunk: string, state?: moo.LexerState): void {
    base().reset(chunk, state);
    this.blockDepth = 0;
    this.parenDepth = 0;
    this.failure = null;
  }
  private fail(message: string, pos: Position): undefined {
    this.failure = new SieveSyntaxError(message, pos);
    return undefined;
  }
  next(): moo.Token | undefined {
    if (this.failure !== null) return undefined;
    for (;;) {
      const token = base().next();
      if (token === undefined) return undefined;
      const type = token.type ?? "";
      if (type === "ws" || type === "hashComment" || type === "bracketComment") continue;
      const pos = { line: token.line, column: token.col };
      const lexError = LEXER_ERRORS[type];
      if (lexError !== undefined) {
        const shown = type === "error" ? `: ${JSON.stringify(token.text.slice(0, 1))}` : "";
        return this.fail(`${lexError}${shown}`, pos);
      }
      if (type === "lbrace" && ++this.blockDepth > MAX_BLOCK_NESTING) {
        return this.fail(`cannot nest command blocks deeper than ${MAX_BLOCK_NESTING} levels`, pos);
      }
      if (type === "lparen" && ++this.parenDepth > MAX_TEST_NESTING) {
        return this.fail(`cannot nest tests deeper than ${MAX_TEST_NESTING} levels`, pos);
      }
      if (type === "rbrace") this.blockDepth--;
      if (type === "rparen") this.parenDepth--;
      return token;
    }
  }
  save(): moo.LexerState {
    return base().save();
  }
  formatError(token: moo.Token, message?: string): string {
    return base().formatError(token, message);
  }
  has(name: string): boolean {
    return Object.hasOwn(RULES, name);
  }
}

export const sieveLexer = new SieveLexer();

const at = (token: moo.Token): Position => ({ line: token.line, column: token.col });

function toNumber(token: moo.Token): number {
  const last = token.text.slice(-1).toLowerCase();
  const factor = QUANTIFIERS[last] ?? 1;
  const digits = factor === 1 ? token.text : token.text.slice(0, -1);
  const value = Number(digits) * factor;
  // Pigeonhole's sieve_number_t is 64-bit; we stop where doubles stop being exact.
  if (!Number.isSafeInteger(value)) throw new SieveSyntaxError(`number is too large: ${token.text}`, at(token));
  return value;
}

type TestPart = { tests: TestNode[]; testList: boolean };

interface Cons<T> {
  prev: Cons<T> | null;
  item: T;
}

function toArray<T>(list: Cons<T> | null): T[] {
  const out: T[] = [];
  for (let cell = list; cell !== null; cell = cell.prev) out.push(cell.item);
  return out.reverse();
}

/** The script from the parser's one result. */
export function scriptOf(result: unknown): CommandNode[] {
  return toArray(result as Cons<CommandNode> | null);
}

function depthOf(tests: TestNode[]): number {
  let depth = 0;
  for (const t of tests) depth = Math.max(depth, (t as TestNode & { depth?: number }).depth ?? 1);
  return depth;
}

function makeTest(name: moo.Token, args: Argument[], part: TestPart | null): TestNode {
  const tests = part?.tests ?? [];
  const depth = depthOf(tests) + 1;
  if (depth > MAX_TEST_NESTING) {
    throw new SieveSyntaxError(`cannot nest tests deeper than ${MAX_TEST_NESTING} levels`, at(name));
  }
  const node: TestNode = { name: name.text.toLowerCase(), pos: at(name), args, tests, testList: part?.testList ?? false };
  Object.defineProperty(node, "depth", { value: depth, enumerable: false });
  return node;
}

function makeCommand(name: moo.Token, args: Argument[], part: TestPart | null, block: CommandNode[] | null): CommandNode {
  return {
    name: name.text.toLowerCase(),
    pos: at(name),
    args,
    tests: part?.tests ?? [],
    testList: part?.testList ?? false,
    block,
  };
}

function strings(first: moo.Token, values: string[], bracketed: boolean): StringListArgument {
  return { kind: "strings", values, bracketed, pos: at(first) };
}
%}

@lexer sieveLexer

# Lists are built as cons cells and turned into arrays once: nearley's own EBNF operators
# copy the array at every element, which makes long scripts quadratic.
# The start symbol completes at every top-level `;`, so it stays cheap: scriptOf() converts.
start -> commands {% id %}

commands -> null {% () => null %} | commands command {% ([prev, item]) => ({ prev, item }) %}

arguments -> null {% () => null %} | arguments argument {% ([prev, item]) => ({ prev, item }) %}

command ->
    %identifier arguments testpart:? %semicolon
      {% ([name, args, part]) => makeCommand(name, toArray<Argument>(args), part, null) %}
  | %identifier arguments testpart:? block
      {% ([name, args, part, block]) => makeCommand(name, toArray<Argument>(args), part, block) %}

block -> %lbrace commands %rbrace {% ([, list]) => toArray<CommandNode>(list) %}

testpart ->
    test {% ([test]) => ({ tests: [test], testList: false }) %}
  | %lparen tests %rparen {% ([, list]) => ({ tests: toArray<TestNode>(list), testList: true }) %}

tests -> test {% ([item]) => ({ prev: null, item }) %} | tests %comma test {% ([prev, , item]) => ({ prev, item }) %}

test -> %identifier arguments testpart:? {% ([name, args, part]) => makeTest(name, toArray<Argument>(args), part) %}

argument ->
    string {% ([s]) => strings(s, [s.value], false) %}
  | %lbracket stringlist %rbracket
      {% ([open, list]) => strings(open, toArray<moo.Token>(list).map((t) => t.value), true) %}
  | %number {% ([n]) => ({ kind: "number", value: toNumber(n), pos: at(n) }) %}
  | %tag {% ([t]) => ({ kind: "tag", name: t.text.toLowerCase(), pos: at(t) }) %}

stringlist -> string {% ([item]) => ({ prev: null, item }) %}
  | stringlist %comma string {% ([prev, , item]) => ({ prev, item }) %}

string -> %string {% id %} | %multiline {% id %}
