// RFC 4790 §9.1: i;ascii-numeric compares the leading digits as an unsigned integer; a string
// without leading digits is positive infinity.
import type { Comparator, Extension } from "../extension.js";

function leadingNumber(s: string): string | null {
  const m = /^[0-9]+/.exec(s);
  if (m === null) return null;
  return m[0].replace(/^0+(?=\d)/, "");
}

function compare(a: string, b: string): number {
  const x = leadingNumber(a);
  const y = leadingNumber(b);
  if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : x > y ? 1 : 0;
}

const asciiNumeric: Comparator = {
  name: "i;ascii-numeric",
  equals: (a, b) => compare(a, b) === 0,
  compare,
};

export const comparatorAsciiNumeric: Extension = {
  name: "comparator-i;ascii-numeric",
  comparators: [asciiNumeric],
};
