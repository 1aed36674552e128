// CRAM-MD5 / HMAC-MD5: Dovecot stores the two HMAC-MD5 chaining states reached after hashing the
// key padded with opad and with ipad (RFC 2195 section 3, RFC 2104), so a CRAM-MD5 server can answer
// without the cleartext. 32 bytes: outer a,b,c,d then inner a,b,c,d, each little-endian.
import { createHash } from "node:crypto";
import { MD5_INITIAL_STATE, type Md5State, md5Compress, md5Finish } from "./md5-state.js";
import { MalformedHashError, type PasswordScheme } from "./types.js";

export const CRAM_MD5_CONTEXT_LENGTH = 32;
const BLOCK = 64;

export interface CramMd5Context {
  inner: Md5State;
  outer: Md5State;
}

export function cramMd5ContextFromPassword(password: Buffer): CramMd5Context {
  // RFC 2104: keys longer than the block are hashed first.
  const key = password.length > BLOCK ? createHash("md5").update(password).digest() : password;
  const ipad = Buffer.alloc(BLOCK, 0x36);
  const opad = Buffer.alloc(BLOCK, 0x5c);
  for (let i = 0; i < key.length; i++) {
    ipad[i] ^= key[i];
    opad[i] ^= key[i];
  }
  return { inner: md5Compress(MD5_INITIAL_STATE, ipad), outer: md5Compress(MD5_INITIAL_STATE, opad) };
}

export function encodeCramMd5Context(context: CramMd5Context): Buffer {
  const out = Buffer.alloc(CRAM_MD5_CONTEXT_LENGTH);
  [...context.outer, ...context.inner].forEach((word, i) => {
    out.writeInt32LE(word, i * 4);
  });
  return out;
}

/** Reads the 32 decoded bytes of a stored {CRAM-MD5} value. Throws MalformedHashError. */
export function decodeCramMd5Context(raw: Uint8Array): CramMd5Context {
  if (raw.length !== CRAM_MD5_CONTEXT_LENGTH) {
    throw new MalformedHashError(
      `Input length isn't valid (${raw.length} instead of ${CRAM_MD5_CONTEXT_LENGTH})`,
    );
  }
  const view = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const word = (i: number) => view.readInt32LE(i * 4);
  return { outer: [word(0), word(1), word(2), word(3)], inner: [word(4), word(5), word(6), word(7)] };
}

/** HMAC-MD5(key, challenge) from a stored context: the digest a CRAM-MD5 client sends, in hex. */
export function cramMd5Response(context: CramMd5Context, challenge: Uint8Array): string {
  const innerDigest = md5Finish(context.inner, BLOCK, challenge);
  return md5Finish(context.outer, BLOCK, innerDigest).toString("hex");
}

const generate = (password: Buffer): Buffer => encodeCramMd5Context(cramMd5ContextFromPassword(password));

function cramScheme(name: string): PasswordScheme {
  return { name, encoding: "hex", rawLength: CRAM_MD5_CONTEXT_LENGTH, generate };
}

export const cramMd5Schemes: PasswordScheme[] = [cramScheme("CRAM-MD5"), cramScheme("HMAC-MD5")];
