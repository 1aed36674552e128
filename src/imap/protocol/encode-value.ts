import { isAtomChar } from "./char-classes.js";

/**
 * A value in a server response (RFC 3501 §4). Strings are binary strings (one char per
 * byte) or Buffers; the encoder picks the form:
 * - a JS string or Buffer is a `string`: quoted when it is 7-bit without CR, LF or NUL
 *   (escaping `\` and `"`), a literal `{n}` otherwise;
 * - `{ astring }` is an atom when it can be one (not "NIL"), else a string (mailbox names);
 * - `{ atom }` is written bare when every byte is an ATOM-CHAR (a leading `\` allowed, for
 *   flags, and `\*`), else as a string, so a bad keyword from disk cannot break the framing;
 * - `{ literal8 }` is `~{n}` (RFC 3516 §4.2), the only form that may carry NULs;
 * - `{ raw }` is trusted, already-formatted text (fetch item names, a date-time);
 * - null is NIL; numbers and bigints are numbers; arrays are parenthesised lists.
 */
export type ImapValue =
  | null
  | number
  | bigint
  | string
  | Buffer
  | { atom: string }
  | { astring: string }
  | { literal8: Buffer }
  | { raw: string }
  | readonly ImapValue[];

function bytesOf(s: string | Buffer): Buffer {
  return typeof s === "string" ? Buffer.from(s, "latin1") : s;
}

/** Whether a string may go out quoted (RFC 3501 §9 quoted: TEXT-CHAR without CR/LF). */
export function canQuote(b: Buffer): boolean {
  for (const c of b) if (c === 0 || c === 0x0d || c === 0x0a || c >= 0x80) return false;
  return true;
}

function isAtom(s: string, allowFlag: boolean): boolean {
  // flag-perm = flag / "\*" (RFC 3501 §9, PERMANENTFLAGS)
  if (allowFlag && s === "\\*") return true;
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (i === 0 && allowFlag && c === 0x5c && s.length > 1) continue;
    if (!isAtomChar(c)) return false;
  }
  return true;
}

function pushString(out: Buffer[], b: Buffer): void {
  if (canQuote(b)) {
    out.push(Buffer.from(`"${b.toString("latin1").replace(/[\\"]/g, "\\$&")}"`, "latin1"));
  } else {
    out.push(Buffer.from(`{${b.length}}\r\n`, "latin1"), b);
  }
}

function isList(v: ImapValue): v is readonly ImapValue[] {
  return Array.isArray(v);
}

/** Appends the encoding of `v` to `out`. */
export function encodeValueInto(out: Buffer[], v: ImapValue): void {
  if (v === null) {
    out.push(Buffer.from("NIL"));
  } else if (typeof v === "number" || typeof v === "bigint") {
    out.push(Buffer.from(String(v)));
  } else if (typeof v === "string" || Buffer.isBuffer(v)) {
    pushString(out, bytesOf(v));
  } else if (isList(v)) {
    out.push(Buffer.from("("));
    v.forEach((item: ImapValue, i: number) => {
      if (i > 0) out.push(Buffer.from(" "));
      encodeValueInto(out, item);
    });
    out.push(Buffer.from(")"));
  } else if ("atom" in v) {
    if (isAtom(v.atom, true)) out.push(Buffer.from(v.atom, "latin1"));
    else pushString(out, bytesOf(v.atom));
  } else if ("astring" in v) {
    if (isAtom(v.astring, false) && v.astring.toUpperCase() !== "NIL")
      out.push(Buffer.from(v.astring, "latin1"));
    else pushString(out, bytesOf(v.astring));
  } else if ("literal8" in v) {
    out.push(Buffer.from(`~{${v.literal8.length}}\r\n`), v.literal8);
  } else {
    out.push(Buffer.from(v.raw, "latin1"));
  }
}

export function encodeValue(v: ImapValue): Buffer {
  const out: Buffer[] = [];
  encodeValueInto(out, v);
  return Buffer.concat(out);
}

/** Values separated by single spaces. */
export function encodeValues(values: readonly ImapValue[]): Buffer {
  const out: Buffer[] = [];
  values.forEach((v, i) => {
    if (i > 0) out.push(Buffer.from(" "));
    encodeValueInto(out, v);
  });
  return Buffer.concat(out);
}
