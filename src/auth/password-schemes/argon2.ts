// ARGON2I and ARGON2ID, which Dovecot computes with libsodium's crypto_pwhash_*_str().
import { createRequire } from "node:module";
import type * as Argon2 from "@node-rs/argon2";
import { MalformedHashError, type PasswordScheme, type SchemeParams } from "./types.js";

const require = createRequire(import.meta.url);
let argon2Module: typeof Argon2 | undefined;

/** The native module, loaded on first hash or check: loft-lda, which checks no password, never loads it. */
function argon2(): typeof Argon2 {
  argon2Module ??= require("@node-rs/argon2") as typeof Argon2;
  return argon2Module;
}

interface SodiumLimits {
  ops: { interactive: number; moderate: number; sensitive: number };
  /** Bytes, as libsodium counts them. */
  mem: { interactive: number; moderate: number; sensitive: number };
}

// libsodium's crypto_pwhash_argon2{i,id}_{OPS,MEM}LIMIT_{INTERACTIVE,MODERATE,SENSITIVE}.
const LIMITS: Record<"ARGON2I" | "ARGON2ID", SodiumLimits> = {
  ARGON2I: {
    ops: { interactive: 4, moderate: 6, sensitive: 8 },
    mem: { interactive: 32 << 20, moderate: 128 << 20, sensitive: 512 << 20 },
  },
  ARGON2ID: {
    ops: { interactive: 2, moderate: 3, sensitive: 4 },
    mem: { interactive: 64 << 20, moderate: 256 << 20, sensitive: 1024 << 20 },
  },
};

/**
 * Dovecot's generate_argon2i/generate_argon2id(): the rounds (default: the INTERACTIVE ops limit)
 * pick the memory limit; ARGON2ID then raises the ops to at least 3 (a workaround Dovecot keeps
 * for libsodium 1.0.13). So the defaults are m=32768,t=4 and m=65536,t=3, one lane, 16-byte salt.
 */
export function argon2Parameters(name: "ARGON2I" | "ARGON2ID", rounds: number | undefined) {
  const { ops, mem } = LIMITS[name];
  let timeCost = rounds || ops.interactive;
  const memoryBytes =
    timeCost >= ops.sensitive ? mem.sensitive : timeCost >= ops.moderate ? mem.moderate : mem.interactive;
  if (name === "ARGON2ID" && timeCost < 3) timeCost = 3;
  return { timeCost, memoryCost: memoryBytes / 1024, parallelism: 1 };
}

/** KiB: libsodium's largest preset, MEMLIMIT_SENSITIVE of ARGON2ID. */
const MEMORY_COST_MAX = LIMITS.ARGON2ID.mem.sensitive / 1024;

function argon2Scheme(name: "ARGON2I" | "ARGON2ID"): PasswordScheme {
  const algorithm = () => (name === "ARGON2I" ? argon2().Algorithm.Argon2i : argon2().Algorithm.Argon2id);
  return {
    name,
    encoding: "none",
    rawLength: 0,
    generate: async (password: Buffer, params: SchemeParams) =>
      Buffer.from(
        await argon2().hash(password, { algorithm: algorithm(), ...argon2Parameters(name, params.rounds) }),
      ),
    // libsodium's crypto_pwhash_str_verify() accepts either variant whatever the scheme name says.
    verify: async (password, raw) => {
      const stored = raw.toString("utf8");
      if (!/^\$argon2id?\$/.test(stored)) throw new MalformedHashError("Not an Argon2 hash");
      let memoryCost: number;
      try {
        memoryCost = argon2().parseOptions(stored).memoryCost;
      } catch {
        throw new MalformedHashError("Invalid Argon2 hash");
      }
      // The library allocates whatever m= asks for and the process dies when that fails, where
      // libsodium would just fail the check. Dovecot never writes more than 1 GiB (ARGON2ID -r 4).
      if (memoryCost > MEMORY_COST_MAX) throw new MalformedHashError("Argon2 memory cost above 1 GiB");
      try {
        return await argon2().verify(stored, password);
      } catch {
        return false;
      }
    },
  };
}

export const argon2Schemes: PasswordScheme[] = [argon2Scheme("ARGON2I"), argon2Scheme("ARGON2ID")];
