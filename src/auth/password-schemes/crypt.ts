// The crypt(3) family: CRYPT, DES-CRYPT, MD5-CRYPT, MD5, SHA256-CRYPT, SHA512-CRYPT, BLF-CRYPT.
import { createHash } from "node:crypto";
import unixCryptDes from "unix-crypt-td-js";
import { bcryptHash, bcryptVerify, isBcryptHash } from "./bcrypt.js";
import { equalBytes, equalStrings } from "./constant-time.js";
import { decodeBase64, decodeHex } from "./encoding.js";
import { md5Crypt } from "./md5-crypt.js";
import { cryptSalt, isCryptSaltChar } from "./salt.js";
import {
  parseShaCryptSetting,
  SHA_CRYPT_ROUNDS_DEFAULT,
  SHA_CRYPT_ROUNDS_MAX,
  SHA_CRYPT_ROUNDS_MIN,
  shaCrypt,
} from "./sha-crypt.js";
import { MalformedHashError, type PasswordScheme, type SchemeParams } from "./types.js";

const text = (raw: Buffer): string => raw.toString("utf8");

function des(password: Buffer, setting: string): string | null {
  if (!isCryptSaltChar(setting.charAt(0)) || !isCryptSaltChar(setting.charAt(1))) return null;
  // Traditional DES crypt uses 7 bits of each of the first 8 bytes; give the library bytes.
  return unixCryptDes(password.toString("latin1"), setting.slice(0, 2));
}

/**
 * What libxcrypt's crypt(password, setting) returns for the methods Loft implements, or null where
 * it would fail (unsupported method such as yescrypt "$y$", bad setting).
 */
async function libcCrypt(password: Buffer, setting: string): Promise<string | null> {
  if (setting.startsWith("$1$")) return md5Crypt(password, setting);
  if (setting.startsWith("$5$") || setting.startsWith("$6$")) {
    const parsed = parseShaCryptSetting(setting);
    return parsed === null ? null : shaCrypt(password, parsed);
  }
  if (setting.startsWith("$") || setting.startsWith("_")) return null;
  return des(password, setting);
}

/** Dovecot's crypt_verify(): blowfish hashes go to its own crypt_blowfish, the rest to crypt(3). */
async function cryptVerify(password: Buffer, raw: Buffer): Promise<boolean> {
  const stored = text(raw);
  if (stored.length > 4 && isBcryptHash(stored)) return bcryptVerify(password, stored);
  if (stored.length === 0) return false;
  const computed = await libcCrypt(password, stored);
  return computed !== null && equalStrings(computed, stored);
}

function shaCryptGenerate(variant: "5" | "6") {
  return async (password: Buffer, params: SchemeParams): Promise<Buffer> => {
    const requested = params.rounds || SHA_CRYPT_ROUNDS_DEFAULT;
    const rounds = Math.min(Math.max(requested, SHA_CRYPT_ROUNDS_MIN), SHA_CRYPT_ROUNDS_MAX);
    // Dovecot writes "rounds=" only when it differs from the default.
    const setting = {
      variant,
      rounds: rounds === SHA_CRYPT_ROUNDS_DEFAULT ? null : rounds,
      salt: cryptSalt(16),
    };
    return Buffer.from(await shaCrypt(password, setting));
  };
}

const blowfishGenerate = async (password: Buffer, params: SchemeParams): Promise<Buffer> =>
  Buffer.from(await bcryptHash(password, params.rounds));

const md5CryptGenerate = (password: Buffer): Buffer => Buffer.from(md5Crypt(password, cryptSalt(8)));

const md5CryptVerify = (password: Buffer, raw: Buffer): boolean =>
  equalStrings(md5Crypt(password, text(raw)), text(raw));

/** Dovecot's md5_verify(): "MD5" is MD5-crypt when it looks like one, else a PLAIN-MD5 digest. */
function md5Verify(password: Buffer, raw: Buffer): boolean {
  const stored = text(raw);
  if (stored.startsWith("$1$")) return md5CryptVerify(password, raw);
  let digest: Buffer;
  try {
    digest = stored.length === 32 ? decodeHex(stored) : decodeBase64(stored);
  } catch {
    digest = Buffer.alloc(0);
  }
  if (digest.length !== 16) throw new MalformedHashError("Not a valid MD5-CRYPT or PLAIN-MD5 password");
  return equalBytes(createHash("md5").update(password).digest(), digest);
}

export const cryptSchemes: PasswordScheme[] = [
  // Dovecot 2.3 generates CRYPT as blowfish; verification takes whatever crypt(3) takes.
  { name: "CRYPT", encoding: "none", rawLength: 0, generate: blowfishGenerate, verify: cryptVerify },
  {
    name: "DES-CRYPT",
    encoding: "none",
    rawLength: 0,
    generate: (password) => Buffer.from(des(password, cryptSalt(2)) ?? ""),
    verify: cryptVerify,
  },
  {
    name: "SHA256-CRYPT",
    encoding: "none",
    rawLength: 0,
    generate: shaCryptGenerate("5"),
    verify: cryptVerify,
  },
  {
    name: "SHA512-CRYPT",
    encoding: "none",
    rawLength: 0,
    generate: shaCryptGenerate("6"),
    verify: cryptVerify,
  },
  {
    name: "BLF-CRYPT",
    encoding: "none",
    rawLength: 0,
    generate: blowfishGenerate,
    verify: (password, raw) => bcryptVerify(password, text(raw)),
  },
  { name: "MD5-CRYPT", encoding: "none", rawLength: 0, generate: md5CryptGenerate, verify: md5CryptVerify },
  { name: "MD5", encoding: "none", rawLength: 0, generate: md5CryptGenerate, verify: md5Verify },
];
