// Reading a stored password: its {SCHEME} prefix and its encoded value (Dovecot's
// password_get_scheme() and password_decode()).
import { decodeBase64, decodeHex } from "./encoding.js";
import { lookupScheme } from "./registry.js";
import { MalformedHashError, UnknownSchemeError } from "./types.js";

export interface StoredPassword {
  /** The scheme as written between the braces (suffix included), or null when there is none. */
  scheme: string | null;
  value: string;
}

/**
 * Splits "{SCHEME}value". A bare "$1$salt$hash" is taken as MD5-CRYPT, cut after the hash, as
 * Dovecot does for any passdb; anything else without braces has no scheme (the caller's default
 * applies).
 */
export function splitStoredPassword(stored: string): StoredPassword {
  if (stored.startsWith("$1$")) {
    const saltEnd = stored.indexOf("$", 3);
    if (saltEnd >= 0) {
      const hashEnd = stored.indexOf("$", saltEnd + 1);
      return { scheme: "MD5-CRYPT", value: hashEnd < 0 ? stored : stored.slice(0, hashEnd) };
    }
  }
  const close = stored.indexOf("}");
  if (!stored.startsWith("{") || close < 0) return { scheme: null, value: stored };
  return { scheme: stored.slice(1, close), value: stored.slice(close + 1) };
}

/**
 * Decodes a stored value for `schemeName`. Without a suffix, a fixed-length scheme's value is hex
 * when it is exactly twice that length and base64 otherwise (Dovecot guesses the same way).
 * Throws UnknownSchemeError or MalformedHashError.
 */
export function decodeStoredValue(value: string, schemeName: string): Buffer {
  const found = lookupScheme(schemeName);
  if (found === null) throw new UnknownSchemeError(schemeName);
  const { scheme, explicitEncoding } = found;
  let raw: Buffer;
  if (found.encoding === "none") {
    raw = Buffer.from(value, "utf8");
  } else if (!explicitEncoding && scheme.rawLength !== 0) {
    const guessHex = value.length === scheme.rawLength * 2;
    let hex: Buffer | null = null;
    if (guessHex) {
      try {
        hex = decodeHex(value);
      } catch {
        // Some lengths are valid as both; fall back to base64 as Dovecot does.
      }
    }
    raw = hex ?? decodeBase64(value);
  } else {
    raw = found.encoding === "hex" ? decodeHex(value) : decodeBase64(value);
  }
  if (scheme.rawLength !== 0 && raw.length !== scheme.rawLength) {
    throw new MalformedHashError(`Input length isn't valid (${raw.length} instead of ${scheme.rawLength})`);
  }
  return raw;
}
