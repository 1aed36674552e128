import { isAstringChar, isAtomChar, isDigit } from "./char-classes.js";
import { ImapParseError } from "./protocol-error.js";
import type { CommandPart } from "./raw-command.js";

/** A position to return to (for the few places the grammar needs to look ahead). */
export interface CursorMark {
  part: number;
  pos: number;
  depth: number;
}

const MAX_NUMBER = 0xffffffff;
/** RFC 7162 §7: mod-sequence-value = 1*DIGIT, at most 2^63-1. */
const MAX_MODSEQ = (1n << 63n) - 1n;

/**
 * Reads a command's arguments, RFC 3501 §9 token by token, over the line pieces and
 * literals the reader framed. Strings come back as binary strings (one char per byte,
 * latin1) with nothing decoded: mailbox names stay modified UTF-7, search strings stay in
 * the command's CHARSET. Like Dovecot, runs of spaces between arguments are accepted.
 */
export class ArgCursor {
  private part = 0;
  private pos = 0;
  private depth = 0;

  constructor(
    private readonly parts: readonly CommandPart[],
    private readonly maxDepth: number,
  ) {}

  fail(reason: string): never {
    throw new ImapParseError(reason);
  }

  mark(): CursorMark {
    return { part: this.part, pos: this.pos, depth: this.depth };
  }

  reset(mark: CursorMark): void {
    this.part = mark.part;
    this.pos = mark.pos;
    this.depth = mark.depth;
  }

  private line(): Buffer {
    const p = this.parts[this.part];
    return p !== undefined && p.kind === "line" ? p.bytes : Buffer.alloc(0);
  }

  /** The byte at the cursor, or -1 at the end of a line piece (a literal or the end). */
  peek(): number {
    const line = this.line();
    return this.pos < line.length ? line[this.pos]! : -1;
  }

  /** A literal follows at the cursor. */
  atLiteral(): boolean {
    return this.pos >= this.line().length && this.part + 1 < this.parts.length;
  }

  /** Nothing but spaces is left. */
  atEnd(): boolean {
    const line = this.line();
    let i = this.pos;
    while (i < line.length && line[i] === 0x20) i++;
    return i >= line.length && this.part + 1 >= this.parts.length;
  }

  /** Requires the end of the command (trailing spaces allowed, as Dovecot does). */
  end(reason = "Invalid arguments"): void {
    if (this.atEnd()) return;
    while (this.peek() === 0x20) this.pos++;
    this.fail(this.peek() === 0x29 ? "Unexpected ')'" : reason);
  }

  /** One or more spaces. */
  sp(reason = "Missing arguments"): void {
    if (this.peek() !== 0x20)
      this.fail(this.atEnd() ? reason : this.peek() === 0x29 ? "Unexpected ')'" : "Invalid arguments");
    while (this.peek() === 0x20) this.pos++;
  }

  /** Consumes the spaces if more arguments follow; false at the end. */
  moreArgs(): boolean {
    if (this.atEnd()) {
      while (this.peek() === 0x20) this.pos++;
      return false;
    }
    this.sp();
    return true;
  }

  tryChar(c: number): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }

  char(c: number, reason: string): void {
    if (!this.tryChar(c)) this.fail(reason);
  }

  /** Bytes while pred holds, as a binary string (possibly empty). */
  take(pred: (c: number) => boolean): string {
    const line = this.line();
    const start = this.pos;
    while (this.pos < line.length && pred(line[this.pos]!)) this.pos++;
    return line.toString("latin1", start, this.pos);
  }

  atom(reason = "Invalid arguments"): string {
    const s = this.take(isAtomChar);
    if (s === "") this.fail(this.peek() === 0 ? "NULs not allowed in atoms" : reason);
    return s;
  }

  /** The atom at the cursor upper-cased, without consuming it ("" when none). */
  peekAtom(): string {
    const m = this.mark();
    const s = this.take(isAtomChar);
    this.reset(m);
    return s.toUpperCase();
  }

  /** Consumes `word` (case-insensitive) when it stands as a whole atom at the cursor. */
  tryKeyword(word: string): boolean {
    const m = this.mark();
    if (this.take(isAtomChar).toUpperCase() === word) return true;
    this.reset(m);
    return false;
  }

  enter(): void {
    if (++this.depth > this.maxDepth) this.fail("Too deep nesting");
  }

  leave(): void {
    this.depth--;
  }

  /** `(` ... `)` as a nesting level. */
  openList(reason = "Invalid arguments"): void {
    this.char(0x28, reason);
    this.enter();
  }

  /** Right after `(`: consumes `)` of an empty list (true), or leading spaces (false). */
  listEmpty(): boolean {
    while (this.peek() === 0x20) this.pos++;
    return this.listClose();
  }

  /** After an item: consumes `)` (true), or the spaces before the next item (false). */
  listNext(): boolean {
    if (this.listClose()) return true;
    if (this.peek() !== 0x20) this.fail(this.atEnd() ? "Missing ')'" : "Invalid arguments");
    return this.listEmpty();
  }

  private listClose(): boolean {
    if (this.tryChar(0x29)) {
      this.leave();
      return true;
    }
    if (this.atEnd()) this.fail("Missing ')'");
    return false;
  }

  /** quoted; 8-bit bytes are taken, as Dovecot does (clients quote UTF-8 search strings). */
  quoted(): string {
    this.char(0x22, "Invalid arguments");
    const line = this.line();
    const out: number[] = [];
    while (this.pos < line.length) {
      const c = line[this.pos++]!;
      if (c === 0x22) return Buffer.from(out).toString("latin1");
      if (c === 0) this.fail("NULs not allowed in strings");
      if (c === 0x5c) {
        const e = line[this.pos++];
        // RFC 3501 §9: only quoted-specials may be escaped
        if (e !== 0x22 && e !== 0x5c)
          this.fail(e === undefined ? "Missing '\"'" : "Invalid escape in string");
        out.push(e);
      } else {
        out.push(c);
      }
    }
    return this.fail("Missing '\"'");
  }

  /** A literal's bytes; literal8 only where `binary` allows it (RFC 3516 §4.2). */
  literalBytes(binary = false): { bytes: Buffer; binary: boolean } {
    if (!this.atLiteral()) this.fail("Invalid arguments");
    const p = this.parts[this.part + 1]!;
    if (p.kind !== "literal") return this.fail("Invalid arguments");
    if (p.binary && !binary) this.fail("literal8 not allowed here");
    if (!p.binary && p.bytes.includes(0)) this.fail("NULs not allowed in strings");
    this.part += 2;
    this.pos = 0;
    return { bytes: p.bytes, binary: p.binary };
  }

  /** A literal delivered as a stream, or a buffered one, as APPEND's message. */
  messageLiteral(): { size: number; binary: boolean; bytes: Buffer | null } {
    if (!this.atLiteral()) this.fail("Invalid arguments");
    const p = this.parts[this.part + 1]!;
    if (p.kind === "line") return this.fail("Invalid arguments");
    this.part += 2;
    this.pos = 0;
    if (p.kind === "streamed") return { size: p.size, binary: p.binary, bytes: null };
    return { size: p.bytes.length, binary: p.binary, bytes: p.bytes };
  }

  /** string = quoted / literal */
  string(reason = "Invalid arguments"): string {
    if (this.peek() === 0x22) return this.quoted();
    if (this.atLiteral()) return this.literalBytes().bytes.toString("latin1");
    return this.fail(this.atEnd() ? "Missing arguments" : reason);
  }

  /** astring = 1*ASTRING-CHAR / string */
  astring(reason = "Invalid arguments"): string {
    const c = this.peek();
    if (c === 0x22 || this.atLiteral()) return this.string(reason);
    const s = this.take(isAstringChar);
    if (s === "") this.fail(this.atEnd() ? "Missing arguments" : reason);
    return s;
  }

  /** nstring = string / NIL */
  nstring(): string | null {
    if (this.tryKeyword("NIL")) return null;
    return this.string();
  }

  /** Digits; `whole` also requires that no other atom character follows ("12x"). */
  private digits(reason: string, whole: boolean): string {
    const s = this.take(isDigit);
    if (s === "" || (whole && isAtomChar(this.peek()))) this.fail(reason);
    return s;
  }

  /** number = 1*DIGIT, a 32-bit unsigned value. */
  number(reason = "Invalid number", whole = true): number {
    const n = Number(this.digits(reason, whole));
    if (n > MAX_NUMBER) this.fail(reason);
    return n;
  }

  nzNumber(reason = "Invalid number", whole = true): number {
    const n = this.number(reason, whole);
    if (n === 0) this.fail(reason);
    return n;
  }

  /** mod-sequence-value (RFC 7162 §7), 0 allowed. */
  modseq(reason = "Invalid modseq"): bigint {
    const n = BigInt(this.digits(reason, true));
    if (n > MAX_MODSEQ) this.fail(reason);
    return n;
  }
}
