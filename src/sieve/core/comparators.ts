// The two comparators every implementation has (RFC 4790 §9.3, §9.2; RFC 5228 §2.7.3).
import type { Comparator } from "../extension.js";

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Octet comparison. Strings hold UTF-8 text; UTF-16 order differs from octet order only past U+FFFF. */
export const octet: Comparator = {
  name: "i;octet",
  equals: (a, b) => a === b,
  compare: (a, b) =>
    compareStrings(Buffer.from(a, "utf8").toString("latin1"), Buffer.from(b, "utf8").toString("latin1")),
  contains: (h, n) => h.includes(n),
  fold: (s) => s,
};

/** Folds only ASCII letters: other characters compare exactly (RFC 4790 §9.2). */
export function asciiFold(s: string): string {
  // Pure ASCII text can use the native lower-casing; otherwise only A-Z may change.
  return /^[\x00-\x7f]*$/.test(s) ? s.toLowerCase() : s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

export const asciiCasemap: Comparator = {
  name: "i;ascii-casemap",
  equals: (a, b) => asciiFold(a) === asciiFold(b),
  compare: (a, b) => octet.compare(asciiFold(a), asciiFold(b)),
  contains: (h, n) => asciiFold(h).includes(asciiFold(n)),
  fold: asciiFold,
};
