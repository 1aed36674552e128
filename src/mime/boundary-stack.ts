/** RFC 2046 allows 70; Dovecot matches on at most 80 bytes of a boundary parameter. */
export const BOUNDARY_MAX = 80;

export interface Boundary<T> {
  text: string;
  owner: T;
}

/** The boundaries of the multiparts being parsed, innermost last. */
export class BoundaryStack<T> {
  private items: Boundary<T>[] = [];

  get size(): number {
    return this.items.length;
  }

  get innermost(): Boundary<T> | undefined {
    return this.items[this.items.length - 1];
  }

  push(text: string, owner: T): void {
    this.items.push({ text: text.slice(0, BOUNDARY_MAX), owner });
  }

  clear(): void {
    this.items = [];
  }

  /**
   * After boundary `b`: a closing one ends its multipart (and every inner one); an opening
   * one ends the inner multiparts it skipped.
   */
  cutAt(b: Boundary<T>, closing: boolean): void {
    const idx = this.items.indexOf(b);
    this.items.length = closing ? idx : idx + 1;
  }

  /**
   * The boundary a line starts with, as Dovecot 2.3.19 finds it (RFC 2046 §5.1.1 asks only
   * for the prefix). From the innermost boundary outwards, a longer match replaces a
   * shorter one, but the search stops at an exact match: the whole line (without CR), or
   * the line less a trailing "--". So "--b--" ends "b" if "b" is found before "b-", and
   * opens a part for "b-" otherwise. A last line without LF (`term` 0) is compared as is.
   */
  find(head: string, length: number, term: number): Boundary<T> | null {
    if (this.items.length === 0 || head.charCodeAt(0) !== 0x2d || head.charCodeAt(1) !== 0x2d) return null;
    let size = length - 2;
    let dashes = false;
    if (term > 0) {
      dashes = size > 2 && head.charCodeAt(size + 1) === 0x2d && head.charCodeAt(size) === 0x2d;
    } else if (size > BOUNDARY_MAX + 4) {
      size = BOUNDARY_MAX + 4;
    }
    let best: Boundary<T> | null = null;
    for (let i = this.items.length - 1; i >= 0; i--) {
      const b = this.items[i]!;
      const len = b.text.length;
      if (len <= size && (!best || best.text.length < len) && head.startsWith(b.text, 2)) {
        best = b;
        if (len === size || (dashes && len === size - 2)) break;
      }
    }
    return best;
  }

  /** Whether the boundary line continues with "--" (the multipart ends). */
  static closes<T>(b: Boundary<T>, head: string): boolean {
    return head.startsWith("--", 2 + b.text.length);
  }
}
