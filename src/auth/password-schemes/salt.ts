import { randomBytes } from "node:crypto";

// Dovecot's password_generate_salt(): random bytes mapped onto crypt(3)'s 64-character alphabet
// (256 is a multiple of 64, so the mapping is uniform).
const SALT_CHARS = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export function cryptSalt(length: number): string {
  let salt = "";
  for (const byte of randomBytes(length)) salt += SALT_CHARS[byte % 64];
  return salt;
}

export function isCryptSaltChar(char: string): boolean {
  return char.length === 1 && SALT_CHARS.includes(char);
}
