import type { Position } from "./ast.js";

/** One compile error (syntax or validation) at a line:column of the script. */
export interface Diagnostic {
  message: string;
  pos: Position;
}

/** Thrown by the lexer and the grammar's postprocessors; the parser turns it into a Diagnostic. */
export class SieveSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: Position,
  ) {
    super(message);
    this.name = "SieveSyntaxError";
  }
}
