// OTP (RFC 2289 one-time passwords): Dovecot stores "<algorithm> <sequence> <seed> <hex hash>",
// the state an OTP SASL exchange starts from, generated with sha1, sequence 1024 and a random
// 16-hex-digit seed.
import { createHash, randomBytes } from "node:crypto";
import { equalStrings } from "./constant-time.js";
import { md4 } from "./md4.js";
import { MalformedHashError, type PasswordScheme } from "./types.js";

type OtpAlgorithm = "md4" | "md5" | "sha1";

const SEQUENCE_DEFAULT = 1024;

function fullDigest(algorithm: OtpAlgorithm, data: Buffer): Buffer {
  return algorithm === "md4" ? md4(data) : createHash(algorithm).update(data).digest();
}

/** RFC 2289 section 6 folds each digest to 64 bits; for SHA-1 the words come out byte-swapped (appendix A). */
function fold(algorithm: OtpAlgorithm, data: Buffer): Buffer {
  const d = fullDigest(algorithm, data);
  const out = Buffer.alloc(8);
  for (let i = 0; i < 8; i++) out[i] = d[i] ^ d[i + 8];
  if (algorithm === "sha1") {
    for (let i = 0; i < 4; i++) out[i] ^= d[i + 16];
    out.subarray(0, 4).reverse();
    out.subarray(4, 8).reverse();
  }
  return out;
}

const STEPS_PER_SLICE = 50_000;

async function otpHash(
  algorithm: OtpAlgorithm,
  seed: string,
  password: Buffer,
  sequence: number,
): Promise<string> {
  let state = fold(algorithm, Buffer.concat([Buffer.from(seed, "latin1"), password]));
  for (let i = 0; i < sequence; i++) {
    if (i > 0 && i % STEPS_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    state = fold(algorithm, state);
  }
  return `${algorithm} ${sequence} ${seed} ${state.toString("hex")}`;
}

const ENTRY = /^(md4|md5|sha1) ([0-9]{1,9}) ([A-Za-z0-9]{1,16}) ([0-9a-fA-F]{16})$/;

export const otpScheme: PasswordScheme = {
  name: "OTP",
  encoding: "none",
  rawLength: 0,
  generate: async (password) =>
    Buffer.from(await otpHash("sha1", randomBytes(8).toString("hex"), password, SEQUENCE_DEFAULT)),
  verify: async (password, raw) => {
    const stored = raw.toString("utf8");
    const m = ENTRY.exec(stored);
    if (m === null) throw new MalformedHashError("Invalid OTP data in passdb");
    // Dovecot lower-cases the seed when parsing and compares the result case-insensitively.
    const computed = await otpHash(m[1] as OtpAlgorithm, m[3].toLowerCase(), password, Number(m[2]));
    return equalStrings(computed, stored.toLowerCase());
  },
};
