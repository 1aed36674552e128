// Blowfish crypt ("$2y$"), which Dovecot computes with its own copy of crypt_blowfish.
import { randomBytes } from "node:crypto";
import bcrypt from "bcryptjs";
import { equalStrings } from "./constant-time.js";
import { MalformedHashError } from "./types.js";

export const BCRYPT_COST_DEFAULT = 5;
export const BCRYPT_COST_MIN = 4;
export const BCRYPT_COST_MAX = 31;
// "$2y$05$" + 22 salt characters + the first hash character: crypt_blowfish's CRYPT_BLF_PREFIX_LEN.
const PREFIX_LENGTH = 30;

/** Dovecot's crypt_generate_blowfish(): "$2y$", the cost clamped to 4..31 (default 5), 16 random bytes of salt. */
export async function bcryptHash(password: Buffer, rounds: number | undefined): Promise<string> {
  const cost = Math.min(Math.max(rounds || BCRYPT_COST_DEFAULT, BCRYPT_COST_MIN), BCRYPT_COST_MAX);
  const salt = bcrypt.encodeBase64(randomBytes(16), 16);
  return bcrypt.hash(password.toString("utf8"), `$2y$${String(cost).padStart(2, "0")}$${salt}`);
}

export function isBcryptHash(stored: string): boolean {
  return /^\$2[a-z]\$/.test(stored);
}

/**
 * Dovecot's crypt_verify_blowfish(). $2a$, $2b$ and $2y$ are the same algorithm for the passwords
 * bcryptjs can hash; $2x$ (crypt_blowfish's compatibility mode for the old sign-extension bug) is
 * beyond what bcryptjs offers, so such a hash never matches here.
 */
export async function bcryptVerify(password: Buffer, stored: string): Promise<boolean> {
  if (stored.length === 0) return false;
  if (stored.length < PREFIX_LENGTH || !isBcryptHash(stored)) {
    throw new MalformedHashError("Password is not blowfish password");
  }
  let computed: string;
  try {
    computed = await bcrypt.hash(password.toString("utf8"), stored.slice(0, PREFIX_LENGTH - 1));
  } catch {
    return false;
  }
  return equalStrings(computed, stored);
}
