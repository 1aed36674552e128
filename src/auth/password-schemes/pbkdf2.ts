// PBKDF2: Dovecot's own "$1$salt$rounds$hex" format, PBKDF2-HMAC-SHA1 with a 20-byte key.
import { pbkdf2 } from "node:crypto";
import { equalBytes } from "./constant-time.js";
import { decodeHex } from "./encoding.js";
import { cryptSalt } from "./salt.js";
import { MalformedHashError, type PasswordScheme } from "./types.js";

/** PBKDF2 on the thread pool. Not promisify(pbkdf2) at import: that would load node:crypto at every loft-lda start. */
export function pbkdf2Async(
  password: Buffer,
  salt: Buffer,
  iterations: number,
  keyLength: number,
  digest: string,
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    pbkdf2(password, salt, iterations, keyLength, digest, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

const KEY_LENGTH = 20;
const ROUNDS_DEFAULT = 5000;

const derive = (password: Buffer, salt: string, rounds: number): Promise<Buffer> =>
  pbkdf2Async(password, Buffer.from(salt, "utf8"), rounds, KEY_LENGTH, "sha1");

export const pbkdf2Scheme: PasswordScheme = {
  name: "PBKDF2",
  encoding: "none",
  rawLength: 0,
  generate: async (password, params) => {
    const rounds = params.rounds || ROUNDS_DEFAULT;
    const salt = cryptSalt(16);
    const key = await derive(password, salt, rounds);
    return Buffer.from(`$1$${salt}$${rounds}$${key.toString("hex")}`);
  },
  verify: async (password, raw) => {
    const stored = raw.toString("utf8");
    if (!stored.startsWith("$1$")) throw new MalformedHashError("Invalid PBKDF2 passdb entry prefix");
    const fields = stored.slice(3).split("$");
    if (fields.length !== 3 || !/^[0-9]{1,10}$/.test(fields[1]) || Number(fields[1]) > 0xffffffff) {
      throw new MalformedHashError("Invalid PBKDF2 passdb entry format");
    }
    if (fields[2].length !== KEY_LENGTH * 2)
      throw new MalformedHashError("PBKDF2 hash not 160bit hex-encoded");
    const expected = decodeHex(fields[2]);
    const rounds = Number(fields[1]);
    // Dovecot's pkcs5_pbkdf() refuses 0 iterations and then compares against an all-zero key;
    // never let such an entry match.
    if (rounds === 0) return false;
    return equalBytes(await derive(password, fields[0], rounds), expected);
  },
};
