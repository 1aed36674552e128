import { encodeRaw } from "./encoding.js";
import { lookupScheme } from "./registry.js";
import { UnknownSchemeError } from "./types.js";

/** The scheme `loft pw` and new users get unless the config says otherwise. */
export const DEFAULT_PASS_SCHEME = "ARGON2ID";

export interface HashOptions {
  /** Needed by DIGEST-MD5, which hashes "user:realm:password". */
  user?: string;
  /** Scheme cost; 0 or absent means the scheme's default (see each scheme for its range). */
  rounds?: number;
}

/**
 * Hashes `password` as Dovecot's `doveadm pw -s SCHEME` writes it: "{SCHEME}value", the scheme name
 * upper-cased with any ".b64"/".hex" suffix kept. Throws UnknownSchemeError, MissingParameterError
 * (DIGEST-MD5 without a user), RangeError (rounds not a non-negative integer).
 */
export async function hashPassword(
  scheme: string,
  password: string,
  opts: HashOptions = {},
): Promise<string> {
  const found = lookupScheme(scheme);
  if (found === null) throw new UnknownSchemeError(scheme.toUpperCase());
  const rounds = opts.rounds ?? 0;
  if (!Number.isSafeInteger(rounds) || rounds < 0)
    throw new RangeError(`Invalid number of rounds: ${rounds}`);
  const params = {
    ...(opts.user === undefined ? {} : { user: opts.user }),
    ...(rounds > 0 ? { rounds } : {}),
  };
  const raw = await found.scheme.generate(Buffer.from(password, "utf8"), params);
  return `{${scheme.toUpperCase()}}${encodeRaw(raw, found.encoding)}`;
}
