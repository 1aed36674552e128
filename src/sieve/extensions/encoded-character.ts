// RFC 5228 §2.4.2.4: ${hex:…} and ${unicode:…} in string constants.
import type { Extension } from "../extension.js";

const ENCODED = /\$\{(hex|unicode):([\s0-9a-fA-F]*)\}/gi;

function decode(kind: string, body: string): string | null {
  const groups = body.trim() === "" ? [] : body.trim().split(/\s+/);
  // At least one group; hex groups are one octet of one or two digits.
  if (groups.length === 0) return null;
  if (kind.toLowerCase() === "hex") {
    if (groups.some((g) => g.length > 2)) return null;
    return Buffer.from(groups.map((b) => Number.parseInt(b, 16))).toString("utf8");
  }
  let out = "";
  for (const g of groups) {
    const cp = Number.parseInt(g, 16);
    // Surrogates and values past U+10FFFF are not characters (RFC 5228 §2.4.2.4).
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
    out += String.fromCodePoint(cp);
  }
  return out;
}

export const encodedCharacter: Extension = {
  name: "encoded-character",
  transformConstant(value) {
    if (!value.includes("${")) return value;
    // Malformed sequences are left as written.
    return value.replace(ENCODED, (whole, kind: string, body: string) => decode(kind, body) ?? whole);
  },
};
