/**
 * RFC 3501 §9 character classes over bytes.
 * atom-specials = "(" / ")" / "{" / SP / CTL / list-wildcards / quoted-specials / resp-specials
 */
export function isAtomChar(c: number): boolean {
  if (c <= 0x20 || c >= 0x7f) return false;
  return !(
    c === 0x28 || // (
    c === 0x29 || // )
    c === 0x7b || // {
    c === 0x25 || // %
    c === 0x2a || // *
    c === 0x22 || // "
    c === 0x5c || // \
    c === 0x5d // ]
  );
}

/** ASTRING-CHAR = ATOM-CHAR / resp-specials */
export function isAstringChar(c: number): boolean {
  return c === 0x5d || isAtomChar(c);
}

/** list-char = ATOM-CHAR / list-wildcards / resp-specials (RFC 3501 LIST patterns). */
export function isListChar(c: number): boolean {
  return c === 0x25 || c === 0x2a || isAstringChar(c);
}

export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
