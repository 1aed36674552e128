import { equalBytes } from "./constant-time.js";
import { lookupScheme } from "./registry.js";
import { decodeStoredValue, splitStoredPassword } from "./stored.js";
import { MalformedHashError, MissingParameterError, type SchemeParams, UnknownSchemeError } from "./types.js";

/** Dovecot's default for a passwd-file password without a {SCHEME} prefix. */
export const PASSWD_FILE_DEFAULT_SCHEME = "CRYPT";

export interface VerifyOptions {
  user?: string;
  /** Scheme for a stored value without a prefix; default CRYPT. */
  defaultScheme?: string;
}

export type PasswordCheck =
  | { result: "match"; scheme: string }
  | { result: "mismatch"; scheme: string }
  /** The stored value cannot be checked (bad encoding, unparsable fields, missing user name). */
  | { result: "invalid"; scheme: string; reason: string };

/**
 * Checks `password` against a stored "{SCHEME}value" and says why it failed. Throws only
 * UnknownSchemeError (a scheme, or encoding suffix, Loft does not know); a malformed value is
 * reported as "invalid", never as a match.
 */
export async function checkPassword(
  stored: string,
  password: string,
  opts: VerifyOptions = {},
): Promise<PasswordCheck> {
  const split = splitStoredPassword(stored);
  const schemeName = split.scheme ?? opts.defaultScheme ?? PASSWD_FILE_DEFAULT_SCHEME;
  const found = lookupScheme(schemeName);
  if (found === null) throw new UnknownSchemeError(schemeName);
  const plaintext = Buffer.from(password, "utf8");
  const params: SchemeParams = opts.user === undefined ? {} : { user: opts.user };
  try {
    const raw = decodeStoredValue(split.value, schemeName);
    const { scheme } = found;
    const ok =
      scheme.verify !== undefined
        ? await scheme.verify(plaintext, raw, params)
        : equalBytes(await scheme.generate(plaintext, params), raw);
    return { result: ok ? "match" : "mismatch", scheme: schemeName };
  } catch (err) {
    if (err instanceof MalformedHashError || err instanceof MissingParameterError) {
      return { result: "invalid", scheme: schemeName, reason: err.message };
    }
    throw err;
  }
}

/**
 * True when `password` matches the stored value. Comparisons are constant-time; a malformed stored
 * value is false. An unknown scheme throws UnknownSchemeError, so the caller can report it.
 */
export async function verifyPassword(
  stored: string,
  password: string,
  opts: VerifyOptions = {},
): Promise<boolean> {
  return (await checkPassword(stored, password, opts)).result === "match";
}
