// SHA-256-crypt ($5$) and SHA-512-crypt ($6$), Ulrich Drepper's "Unix crypt using SHA-256 and
// SHA-512" specification, with the input checks of libxcrypt (Debian's crypt(3), which Dovecot
// calls). Written here rather than taken from the unixcrypt package because that package allocates
// an array as long as the rounds count, so a stored "rounds=999999999" exhausts the heap.
import { createHash } from "node:crypto";
import { cryptBase64 } from "./crypt-base64.js";

export const SHA_CRYPT_ROUNDS_DEFAULT = 5000;
export const SHA_CRYPT_ROUNDS_MIN = 1000;
export const SHA_CRYPT_ROUNDS_MAX = 999_999_999;
const SALT_MAX = 16;

const SHA256_GROUPS = [
  [0, 10, 20, 4],
  [21, 1, 11, 4],
  [12, 22, 2, 4],
  [3, 13, 23, 4],
  [24, 4, 14, 4],
  [15, 25, 5, 4],
  [6, 16, 26, 4],
  [27, 7, 17, 4],
  [18, 28, 8, 4],
  [9, 19, 29, 4],
  [-1, 31, 30, 3],
] as const;

// SHA-512's order: group i takes bytes i, i+21, i+42, rotated left i places.
const SHA512_GROUPS: number[][] = [];
for (let i = 0; i < 21; i++) {
  const trio = [i, i + 21, i + 42];
  const r = i % 3;
  SHA512_GROUPS.push([...trio.slice(r), ...trio.slice(0, r), 4]);
}
SHA512_GROUPS.push([-1, -1, 63, 2]);

type Variant = "5" | "6";
const ALGORITHM = { "5": "sha256", "6": "sha512" } as const;

export interface ShaCryptSetting {
  variant: Variant;
  /** null when the setting names no rounds (then the default 5000 applies and is not written). */
  rounds: number | null;
  salt: string;
}

/**
 * Parses "$5$[rounds=N$]salt[$hash]" as libxcrypt does; null where libxcrypt's crypt() fails
 * (bad rounds, characters crypt(3) refuses in a setting).
 */
export function parseShaCryptSetting(setting: string): ShaCryptSetting | null {
  const m = /^\$([56])\$(?:rounds=([1-9][0-9]{0,9})\$)?([^$]*)/.exec(setting);
  if (m === null || /[^\x21-\x7e]|[:;*!\\]/.test(setting)) return null;
  const rounds = m[2] === undefined ? null : Number(m[2]);
  if (rounds !== null && (rounds < SHA_CRYPT_ROUNDS_MIN || rounds > SHA_CRYPT_ROUNDS_MAX)) return null;
  if (m[2] === undefined && setting.startsWith("rounds=", 3)) return null;
  return { variant: m[1] as Variant, rounds, salt: m[3].slice(0, SALT_MAX) };
}

/** Repeats `block` cyclically to `length` bytes. */
function stretch(block: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += block.length) block.copy(out, i, 0, Math.min(block.length, length - i));
  return out;
}

// Yield to the event loop now and then: a stored hash may ask for up to 999,999,999 rounds.
const ROUNDS_PER_SLICE = 20_000;

export async function shaCrypt(password: Buffer, setting: ShaCryptSetting): Promise<string> {
  const algorithm = ALGORITHM[setting.variant];
  const hash = (...parts: Buffer[]): Buffer => {
    const h = createHash(algorithm);
    for (const part of parts) h.update(part);
    return h.digest();
  };
  const salt = Buffer.from(setting.salt, "latin1");
  const p = password;
  const b = hash(p, salt, p);
  const a = createHash(algorithm).update(p).update(salt).update(stretch(b, p.length));
  for (let n = p.length; n > 0; n >>= 1) a.update(n & 1 ? b : p);
  let c = a.digest();

  const dp = createHash(algorithm);
  for (let i = 0; i < p.length; i++) dp.update(p);
  const pSeq = stretch(dp.digest(), p.length);
  const ds = createHash(algorithm);
  for (let i = 0; i < 16 + c[0]; i++) ds.update(salt);
  const sSeq = stretch(ds.digest(), salt.length);

  const rounds = setting.rounds ?? SHA_CRYPT_ROUNDS_DEFAULT;
  for (let i = 0; i < rounds; i++) {
    if (i > 0 && i % ROUNDS_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    const h = createHash(algorithm);
    h.update(i & 1 ? pSeq : c);
    if (i % 3) h.update(sSeq);
    if (i % 7) h.update(pSeq);
    h.update(i & 1 ? c : pSeq);
    c = h.digest();
  }
  const roundsPart = setting.rounds === null ? "" : `rounds=${setting.rounds}$`;
  const encoded = cryptBase64(c, setting.variant === "5" ? SHA256_GROUPS : SHA512_GROUPS);
  return `$${setting.variant}$${roundsPart}${setting.salt}$${encoded}`;
}
