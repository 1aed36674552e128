// What SASL mechanisms ask a passdb for: the stored secret in the scheme the mechanism needs
// (CRAM-MD5 context, SCRAM verifier, DIGEST-MD5 hash, cleartext), as Dovecot's
// passdb_get_credentials() does.
import { isSchemeAlias, lookupScheme } from "./registry.js";
import { decodeStoredValue, splitStoredPassword } from "./stored.js";
import { MalformedHashError, MissingParameterError, UnknownSchemeError } from "./types.js";
import { PASSWD_FILE_DEFAULT_SCHEME, type VerifyOptions } from "./verify.js";

/**
 * The raw (decoded) credentials of `stored` in scheme `wanted`: the stored bytes when the stored
 * scheme is `wanted` or an alias of it, or — when the password is stored in cleartext — `wanted`
 * generated from it. Null when neither holds, when the stored value is malformed, or when the
 * scheme needs a user name that was not given. Throws UnknownSchemeError for an unknown `wanted`.
 */
export async function getCredentials(
  stored: string,
  wanted: string,
  opts: VerifyOptions = {},
): Promise<Buffer | null> {
  const target = lookupScheme(wanted);
  if (target === null) throw new UnknownSchemeError(wanted);
  const split = splitStoredPassword(stored);
  const storedScheme = split.scheme ?? opts.defaultScheme ?? PASSWD_FILE_DEFAULT_SCHEME;
  try {
    const raw = decodeStoredValue(split.value, storedScheme);
    if (isSchemeAlias(storedScheme, wanted)) return raw;
    if (!isSchemeAlias(storedScheme, "PLAIN")) return null;
    return await target.scheme.generate(raw, opts.user === undefined ? {} : { user: opts.user });
  } catch (err) {
    if (
      err instanceof MalformedHashError ||
      err instanceof MissingParameterError ||
      err instanceof UnknownSchemeError
    ) {
      return null;
    }
    throw err;
  }
}

/**
 * True when getCredentials() could give `wanted` for `stored`: the stored scheme is `wanted` (or
 * an alias of it) or cleartext. Says nothing about whether the stored value is well-formed.
 */
export function canSupplyCredentials(stored: string, wanted: string, defaultScheme?: string): boolean {
  if (stored === "") return false;
  const scheme = splitStoredPassword(stored).scheme ?? defaultScheme ?? PASSWD_FILE_DEFAULT_SCHEME;
  return isSchemeAlias(scheme, wanted) || isSchemeAlias(scheme, "PLAIN");
}
