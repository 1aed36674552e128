/**
 * The IMAP string forms ENVELOPE and BODYSTRUCTURE need (RFC 3501 §4.3, §9 "string" and
 * "nstring"), choosing between quoted and literal exactly as Dovecot 2.3 does (lib-imap
 * imap-quote.c). Input and output are binary strings (one char per byte); the IMAP writer
 * sends the result as latin1 bytes. Literals here are synchronising-form `{n}\r\n` text that
 * is only valid inside a server response.
 */

/** After this many quoted-specials a literal is shorter in the usual case (Dovecot's choice). */
const QUOTED_MAX_ESCAPES = 4;

function literal(s: string): string {
  return `{${s.length}}\r\n${s}`;
}

function quoted(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c >= 0x80) continue;
    if (c === 0x22 || c === 0x5c) out += "\\";
    out += s[i];
  }
  return `${out}"`;
}

/**
 * NIL, "quoted" or {literal}. Dovecot's strings are C strings: a NUL ends the value, so
 * callers pass values already cut at the first NUL where Dovecot would.
 */
export function imapNstring(s: string | null): string {
  if (s === null) return "NIL";
  let escapes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) {
      if (escapes++ < QUOTED_MAX_ESCAPES) continue;
      return literal(s);
    }
    if (c === 0x0d || c === 0x0a || c >= 0x80) return literal(s);
  }
  return quoted(s);
}

/** "quoted" or {literal}; never NIL. */
export function imapString(s: string): string {
  return imapNstring(s);
}

/** As imapNstring, but line breaks of a folded header are removed first. */
export function imapNstringNolf(s: string | null): string {
  if (s === null || !/[\r\n]/.test(s)) return imapNstring(s);
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch !== "\r" && ch !== "\n") {
      out += ch;
      continue;
    }
    // keep the words apart when the next line does not start with whitespace
    const next = s[i + 1];
    if (next !== undefined && next !== " " && next !== "\t" && next !== "\r" && next !== "\n") out += " ";
  }
  return imapNstring(out);
}

/**
 * Subject and display names: runs of whitespace (including folding) become one space,
 * leading and trailing whitespace goes, NUL becomes 0x80. Whenever anything had to change,
 * or the value holds 8-bit bytes or quoted-specials, Dovecot sends a literal.
 */
export function imapStringForHumans(src: string): string {
  let remove = 0;
  let prefix = true;
  let lastLwsp = true;
  let modify = false;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 0) {
      lastLwsp = false;
      modify = true;
    } else if (c === 0x0d || c === 0x0a || c === 0x09 || c === 0x20) {
      if (c !== 0x20) modify = true;
      if (lastLwsp) {
        modify = true;
        remove++;
      }
      lastLwsp = true;
    } else {
      if (c === 0x22 || c === 0x5c || c >= 0x80) modify = true;
      lastLwsp = false;
    }
    if (!lastLwsp) prefix = false;
  }
  if (lastLwsp && src.length > 0 && !prefix) {
    modify = true;
    remove++;
  }
  if (!modify) return `"${src}"`;
  if (src.length === remove) return '""';

  let out = "";
  lastLwsp = true;
  prefix = true;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 0) {
      out += "\x80";
      lastLwsp = false;
    } else if (c === 0x0d || c === 0x0a || c === 0x09 || c === 0x20) {
      if (!lastLwsp) out += " ";
      lastLwsp = true;
    } else {
      lastLwsp = false;
      out += src[i];
    }
    if (!lastLwsp) prefix = false;
  }
  if (lastLwsp && src.length > 0 && !prefix) out = out.slice(0, -1);
  return literal(out);
}
