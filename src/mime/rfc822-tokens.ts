/**
 * RFC 5322 / RFC 2045 lexical scanning over "binary strings" (one char per byte, latin1), with
 * the same leniency as Dovecot's lib-mail rfc822-parser: every function returns -1 on a syntax
 * error, 0 when the input ended and 1 when more input follows, so callers can reproduce
 * Dovecot's answers for broken headers byte for byte.
 */

/** Dovecot replaces NUL bytes inside quoted strings, comments and domain literals by U+FFFD. */
export const NUL_REPLACEMENT = "\xef\xbf\xbd";

// 1 = atext, 2 = alnum (and 8-bit), 4 = atext that is a MIME tspecial ("/", "=", "?").
const ATEXT = new Uint8Array(256);
{
  const ascii =
    "0000000000000000" +
    "0000000000000000" +
    "0101111100110104" +
    "2222222222000404" +
    "0222222222222222" +
    "2222222222200011" +
    "1222222222222222" +
    "2222222222211110";
  for (let i = 0; i < 128; i++) ATEXT[i] = ascii.charCodeAt(i) - 48;
  for (let i = 128; i < 256; i++) ATEXT[i] = 2;
}

export function isAtext(c: number): boolean {
  return ATEXT[c & 0xff] !== 0;
}

function isMimeTokenChar(c: number): boolean {
  return (ATEXT[c & 0xff]! & 3) !== 0 || c === 0x2e;
}

/** A growable output string, passed by reference like Dovecot's string_t. */
export interface Out {
  v: string;
}

export class Rfc822Reader {
  pos: number;
  readonly end: number;
  /** When set, the text of the last comment skipped (used for "addr (Name)" display names). */
  lastComment: Out | null;
  nulReplacement: string | null = null;

  constructor(
    readonly data: string,
    lastComment: Out | null = null,
    start = 0,
    end = data.length,
  ) {
    this.pos = start;
    this.end = end;
    this.lastComment = lastComment;
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  /** Char code at the cursor, or -1 at the end (Dovecot reads its NUL terminator there). */
  peek(): number {
    return this.pos < this.end ? this.data.charCodeAt(this.pos) : -1;
  }

  skipComment(): number {
    const d = this.data;
    const lc = this.lastComment;
    let level = 1;
    if (lc) lc.v = "";
    let start = ++this.pos;
    for (; this.pos < this.end; this.pos++) {
      const c = d.charCodeAt(this.pos);
      if (c === 0) {
        if (lc && this.nulReplacement !== null) {
          lc.v += d.slice(start, this.pos) + this.nulReplacement;
          start = this.pos + 1;
        }
      } else if (c === 0x28) {
        level++;
      } else if (c === 0x29) {
        if (--level === 0) {
          if (lc) lc.v += d.slice(start, this.pos);
          this.pos++;
          return this.pos < this.end ? 1 : 0;
        }
      } else if (c === 0x0a) {
        if (lc) {
          let len = this.pos - start;
          if (len > 0 && d.charCodeAt(start + len - 1) === 0x0d) len--;
          lc.v += d.slice(start, start + len);
          start = this.pos + 1;
        }
      } else if (c === 0x5c) {
        this.pos++;
        if (this.pos >= this.end) return -1;
        const n = d.charCodeAt(this.pos);
        if (n === 0x0d || n === 0x0a || n === 0) {
          this.pos--;
          continue;
        }
        if (lc) lc.v += d.slice(start, this.pos - 1);
        start = this.pos;
      }
    }
    return -1;
  }

  skipLwsp(): number {
    const d = this.data;
    while (this.pos < this.end) {
      const c = d.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
        this.pos++;
        continue;
      }
      if (c !== 0x28) break;
      if (this.skipComment() < 0) return -1;
    }
    return this.pos < this.end ? 1 : 0;
  }

  parseAtom(out: Out): number {
    if (this.pos >= this.end || !isAtext(this.data.charCodeAt(this.pos))) return -1;
    const start = this.pos++;
    while (this.pos < this.end && isAtext(this.data.charCodeAt(this.pos))) this.pos++;
    out.v += this.data.slice(start, this.pos);
    return this.pos < this.end ? this.skipLwsp() : 0;
  }

  parseDotAtom(out: Out): number {
    const d = this.data;
    if (this.pos >= this.end || !isAtext(d.charCodeAt(this.pos))) return -1;
    let start = this.pos++;
    while (this.pos < this.end) {
      if (isAtext(d.charCodeAt(this.pos))) {
        this.pos++;
        continue;
      }
      if (start === this.pos) return -1;
      out.v += d.slice(start, this.pos);
      const ret = this.skipLwsp();
      if (ret <= 0) return ret;
      if (d.charCodeAt(this.pos) !== 0x2e) return 1;
      this.pos++;
      out.v += ".";
      if (this.skipLwsp() <= 0) return -1;
      start = this.pos;
    }
    out.v += d.slice(start, this.pos);
    return 0;
  }

  parseMimeToken(out: Out): number {
    const start = this.pos;
    while (this.pos < this.end && isMimeTokenChar(this.data.charCodeAt(this.pos))) this.pos++;
    out.v += this.data.slice(start, this.pos);
    return this.pos < this.end ? this.skipLwsp() : 0;
  }

  parseQuotedString(out: Out): number {
    const d = this.data;
    this.pos++;
    let start = this.pos;
    for (; this.pos < this.end; this.pos++) {
      const c = d.charCodeAt(this.pos);
      if (c === 0) {
        if (this.nulReplacement !== null) {
          out.v += d.slice(start, this.pos) + this.nulReplacement;
          start = this.pos + 1;
        }
      } else if (c === 0x22) {
        out.v += d.slice(start, this.pos);
        this.pos++;
        return this.skipLwsp();
      } else if (c === 0x0a) {
        // folding whitespace: drop the (CR)LF, keep the indentation
        let len = this.pos - start;
        if (len > 0 && d.charCodeAt(start + len - 1) === 0x0d) len--;
        out.v += d.slice(start, start + len);
        start = this.pos + 1;
      } else if (c === 0x5c) {
        this.pos++;
        if (this.pos >= this.end) return -1;
        const n = d.charCodeAt(this.pos);
        if (n === 0x0d || n === 0x0a || n === 0) {
          this.pos--;
          continue;
        }
        out.v += d.slice(start, this.pos - 1);
        start = this.pos;
      }
    }
    return -1;
  }

  private parseAtomOrDot(out: Out): number {
    const start = this.pos;
    while (this.pos < this.end) {
      const c = this.data.charCodeAt(this.pos);
      if (!isAtext(c) && c !== 0x2e) break;
      this.pos++;
    }
    out.v += this.data.slice(start, this.pos);
    return this.pos < this.end ? this.skipLwsp() : 0;
  }

  parsePhrase(out: Out): number {
    if (this.pos >= this.end) return 0;
    if (this.peek() === 0x2e) return -1;
    for (;;) {
      const ret = this.peek() === 0x22 ? this.parseQuotedString(out) : this.parseAtomOrDot(out);
      if (ret <= 0) return ret;
      const c = this.peek();
      if (!isAtext(c) && c !== 0x22 && c !== 0x2e) break;
      out.v += " ";
    }
    return this.skipLwsp();
  }

  private parseDomainLiteral(out: Out): number {
    const d = this.data;
    let start = this.pos++;
    for (; this.pos < this.end; this.pos++) {
      const c = d.charCodeAt(this.pos);
      if (c === 0) {
        if (this.nulReplacement !== null) {
          out.v += d.slice(start, this.pos) + this.nulReplacement;
          start = this.pos + 1;
        }
      } else if (c === 0x5b) {
        return -1;
      } else if (c === 0x5d) {
        out.v += d.slice(start, this.pos + 1);
        this.pos++;
        return this.skipLwsp();
      } else if (c === 0x0a) {
        let len = this.pos - start;
        if (len > 0 && d.charCodeAt(start + len - 1) === 0x0d) len--;
        out.v += d.slice(start, start + len);
        start = this.pos + 1;
      } else if (c === 0x5c) {
        this.pos++;
        if (this.pos >= this.end) return -1;
        const n = d.charCodeAt(this.pos);
        if (n === 0x0d || n === 0x0a || n === 0) {
          out.v += d.slice(start, this.pos);
          start = this.pos;
          this.pos--;
        }
      }
    }
    return -1;
  }

  /** At '@': the domain after it (dot-atom or domain literal). */
  parseDomain(out: Out): number {
    this.pos++;
    if (this.skipLwsp() <= 0) return -1;
    return this.peek() === 0x5b ? this.parseDomainLiteral(out) : this.parseDotAtom(out);
  }

  /**
   * "type/subtype" into out; -1 when it does not parse. Like Dovecot 2.3.19, a lone type
   * ("Content-Type: text") stays in out, while anything broken after it (a type followed
   * by ";", an empty subtype, junk after the subtype) empties out again.
   */
  parseContentType(out: Out): number {
    const before = out.v;
    if (this.skipLwsp() <= 0) return -1;
    if (this.parseMimeToken(out) <= 0 || out.v.length === before.length) return -1;
    if (this.peek() !== 0x2f) {
      out.v = before;
      return -1;
    }
    this.pos++;
    if (this.skipLwsp() <= 0) {
      out.v = before;
      return -1;
    }
    out.v += "/";
    const subStart = out.v.length;
    const ret = this.parseMimeToken(out);
    if (ret < 0 || out.v.length === subStart || (this.pos < this.end && this.peek() !== 0x3b)) {
      out.v = before;
      return -1;
    }
    return ret;
  }

  /** One `; key=value`; returns 0 at the end, -1 when broken, 1 with key set. */
  parseContentParam(value: Out): { ret: number; key: string | null } {
    value.v = "";
    if (this.pos >= this.end) return { ret: 0, key: null };
    if (this.peek() !== 0x3b) return { ret: -1, key: null };
    this.pos++;
    if (this.skipLwsp() <= 0) return { ret: -1, key: null };
    const key: Out = { v: "" };
    if (this.parseMimeToken(key) <= 0) return { ret: -1, key: null };
    if (this.peek() !== 0x3d) return { ret: -1, key: null };
    this.pos++;
    let ret = this.skipLwsp();
    if (ret <= 0) {
      // broken or empty value
    } else if (this.peek() === 0x22) {
      ret = this.parseQuotedString(value);
    } else if (this.peek() === 0x3d) {
      // workaround for broken input: name==?utf-8?b?...?=
      const d = this.data;
      const start = this.pos;
      while (this.pos < this.end) {
        const c = d.charCodeAt(this.pos);
        if (c === 0x3b || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) break;
        this.pos++;
      }
      value.v += d.slice(start, this.pos);
    } else {
      ret = this.parseMimeToken(value);
    }
    return { ret: ret < 0 ? -1 : 1, key: key.v };
  }
}
