// crypt(3)'s base64: the "./0-9A-Za-z" alphabet, 24-bit groups written least significant 6 bits
// first. MD5-crypt and SHA-crypt each shuffle the digest bytes into such groups.
const ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Encodes `digest` as groups of [byte2, byte1, byte0, characters] (byte index -1 means zero). */
export function cryptBase64(digest: Uint8Array, groups: readonly (readonly number[])[]): string {
  let out = "";
  for (const [b2, b1, b0, count] of groups) {
    let w = ((b2 < 0 ? 0 : digest[b2]) << 16) | ((b1 < 0 ? 0 : digest[b1]) << 8) | digest[b0];
    for (let i = 0; i < count; i++) {
      out += ALPHABET[w & 63];
      w >>= 6;
    }
  }
  return out;
}
