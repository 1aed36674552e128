// The local part of an SMTP address (RFC 5321 §4.1.2): a Dot-string (`bob`) or a Quoted-string
// (`"b ob"`), which name the same mailbox when their contents are equal (`"bob"` is `bob`).
// Addresses travel through Loft in one canonical form, quoted only when a Dot-string cannot
// carry the local part (as Dovecot encodes them in replies, Delivered-To and Return-Path).

/** atext (RFC 5321 §4.1.2) and, as RFC 6531 allows, any non-ASCII character. */
const DOT_STRING =
  /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+)*$/u;

/**
 * Reads the Quoted-string whose opening quote is at `start`: its content with the quoted pairs
 * resolved, and the index just past the closing quote. Null when it is not one: no closing quote,
 * or a control character (NUL, CR, LF, TAB, DEL...) inside, which qtextSMTP and quoted-pairSMTP
 * do not allow.
 */
export function readQuotedString(text: string, start: number): { value: string; end: number } | null {
  let value = "";
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return null;
    if (c === 0x22) return { value, end: i + 1 };
    if (c === 0x5c) {
      const next = text.charCodeAt(++i);
      if (!(next >= 0x20 && next <= 0x7e)) return null;
    }
    value += text[i];
  }
  return null;
}

/** The local part as it is written in an address: as is when it is a Dot-string, else quoted. */
export function encodeLocalPart(local: string): string {
  return DOT_STRING.test(local) ? local : `"${local.replace(/["\\]/g, "\\$&")}"`;
}

/**
 * An address (`local@domain`, or a bare local part) split into its local part, unquoted, and
 * its domain with the "@" (or ""). The "@" of a domain is the first one after a quoted local part.
 */
export function splitAddress(address: string): { local: string; domain: string } {
  if (address.startsWith('"')) {
    const quoted = readQuotedString(address, 0);
    const rest = quoted === null ? "" : address.slice(quoted.end);
    if (quoted !== null && (rest === "" || rest.startsWith("@")))
      return { local: quoted.value, domain: rest };
  }
  const at = address.lastIndexOf("@");
  return at < 0 ? { local: address, domain: "" } : { local: address.slice(0, at), domain: address.slice(at) };
}
