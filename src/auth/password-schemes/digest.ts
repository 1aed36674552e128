// Unsalted and salted plain digests: SHA*, PLAIN-MD4/MD5, LDAP-MD5, SSHA*, SMD5.
import { createHash, randomBytes } from "node:crypto";
import { equalBytes } from "./constant-time.js";
import { md4 } from "./md4.js";
import { MalformedHashError, type PasswordEncoding, type PasswordScheme } from "./types.js";

type Algorithm = "md5" | "sha1" | "sha256" | "sha512";

const DIGEST_LENGTH: Record<Algorithm, number> = { md5: 16, sha1: 20, sha256: 32, sha512: 64 };

const digest = (algorithm: Algorithm, ...parts: Uint8Array[]): Buffer => {
  const hash = createHash(algorithm);
  for (const part of parts) hash.update(part);
  return hash.digest();
};

// One generate function per digest, shared by the schemes that differ only in encoding (SHA and
// SHA1, PLAIN-MD5 and LDAP-MD5): Dovecot treats schemes with the same generator as aliases.
const GENERATORS = {
  md5: (password: Buffer) => digest("md5", password),
  sha1: (password: Buffer) => digest("sha1", password),
  sha256: (password: Buffer) => digest("sha256", password),
  sha512: (password: Buffer) => digest("sha512", password),
} satisfies Record<Algorithm, (password: Buffer) => Buffer>;

function unsalted(name: string, algorithm: Algorithm, encoding: PasswordEncoding): PasswordScheme {
  return { name, encoding, rawLength: DIGEST_LENGTH[algorithm], generate: GENERATORS[algorithm] };
}

// Dovecot appends a 4-byte salt when generating, and accepts any salt length > 0 when verifying
// (LDAP servers and other tools write longer ones).
const SALT_LENGTH = 4;

function salted(name: string, algorithm: Algorithm): PasswordScheme {
  const length = DIGEST_LENGTH[algorithm];
  return {
    name,
    encoding: "base64",
    rawLength: 0,
    generate: (password) => {
      const salt = randomBytes(SALT_LENGTH);
      return Buffer.concat([digest(algorithm, password, salt), salt]);
    },
    verify: (password, raw) => {
      if (raw.length <= length) throw new MalformedHashError(`${name} password is too short`);
      return equalBytes(digest(algorithm, password, raw.subarray(length)), raw.subarray(0, length));
    },
  };
}

export const digestSchemes: PasswordScheme[] = [
  unsalted("SHA", "sha1", "base64"),
  unsalted("SHA1", "sha1", "base64"),
  unsalted("SHA256", "sha256", "base64"),
  unsalted("SHA512", "sha512", "base64"),
  unsalted("PLAIN-MD5", "md5", "hex"),
  unsalted("LDAP-MD5", "md5", "base64"),
  { name: "PLAIN-MD4", encoding: "hex", rawLength: 16, generate: (password) => md4(password) },
  salted("SSHA", "sha1"),
  salted("SSHA256", "sha256"),
  salted("SSHA512", "sha512"),
  salted("SMD5", "md5"),
];
