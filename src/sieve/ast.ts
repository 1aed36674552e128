// The syntax tree the grammar produces (RFC 5228 §8): commands with arguments, tests and blocks.

export interface Position {
  line: number;
  column: number;
}

export interface StringListArgument {
  kind: "strings";
  /** Values after unescaping quoted strings and dot-unstuffing multi-line ones. */
  values: string[];
  /** True when written as `[...]`; a bare string is a list of one. */
  bracketed: boolean;
  pos: Position;
}

export interface NumberArgument {
  kind: "number";
  value: number;
  pos: Position;
}

export interface TagArgument {
  kind: "tag";
  /** Lower-cased, with the leading colon (`:comparator`). */
  name: string;
  pos: Position;
}

export type Argument = StringListArgument | NumberArgument | TagArgument;

export interface TestNode {
  /** Lower-cased identifier: identifiers are case-insensitive (RFC 5228 §2.3). */
  name: string;
  pos: Position;
  args: Argument[];
  tests: TestNode[];
  /** True when the tests were written as a parenthesised test-list. */
  testList: boolean;
}

export interface CommandNode extends TestNode {
  /** The `{ ... }` block, or null when the command ended with `;`. */
  block: CommandNode[] | null;
}

export type Script = CommandNode[];
