// SCRAM-SHA-1 and SCRAM-SHA-256 verifiers (RFC 5802, RFC 7677), stored as Dovecot writes them:
// "iterations,base64(salt),base64(StoredKey),base64(ServerKey)".

import { createHash, createHmac, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import type Saslprep from "@mongodb-js/saslprep";
import { equalBytes } from "./constant-time.js";
import { decodeBase64 } from "./encoding.js";
import { pbkdf2Async } from "./pbkdf2.js";
import { MalformedHashError, type PasswordScheme } from "./types.js";

const require = createRequire(import.meta.url);
let saslprepModule: typeof Saslprep | undefined;

/** SASLprep, loaded on first use: its tables take milliseconds to build, which loft-lda never needs. */
function saslprep(text: string): string {
  saslprepModule ??= require("@mongodb-js/saslprep") as typeof Saslprep;
  return saslprepModule(text);
}

export type ScramHash = "SHA-1" | "SHA-256";

const NODE_NAME = { "SHA-1": "sha1", "SHA-256": "sha256" } as const;
const DIGEST_LENGTH = { "SHA-1": 20, "SHA-256": 32 } as const;

// Dovecot's SCRAM_MIN_ITERATE_COUNT (RFC 5802 section 5.1: at least 4096) and INT_MAX; it always
// generates 4096 and ignores the requested rounds, and so does Loft.
export const SCRAM_ITERATIONS_MIN = 4096;
export const SCRAM_ITERATIONS_MAX = 2 ** 31 - 1;

export interface ScramCredentials {
  iterations: number;
  salt: Buffer;
  storedKey: Buffer;
  serverKey: Buffer;
}

/**
 * Parses a stored {SCRAM-SHA-1}/{SCRAM-SHA-256} value (without the prefix) into what a SCRAM
 * server needs (Dovecot's scram_scheme_parse()). Throws MalformedHashError.
 */
export function parseScramCredentials(value: string, hash: ScramHash): ScramCredentials {
  const scheme = `SCRAM-${hash}`;
  const fields = value.split(",");
  if (fields.length !== 4) throw new MalformedHashError(`Invalid ${scheme} passdb entry format`);
  const iterations = /^[0-9]{1,10}$/.test(fields[0]) ? Number(fields[0]) : Number.NaN;
  if (!(iterations >= SCRAM_ITERATIONS_MIN && iterations <= SCRAM_ITERATIONS_MAX)) {
    throw new MalformedHashError(`Invalid ${scheme} iteration count in passdb`);
  }
  const salt = decodeBase64(fields[1]);
  const storedKey = decodeBase64(fields[2]);
  if (storedKey.length !== DIGEST_LENGTH[hash])
    throw new MalformedHashError(`Invalid ${scheme} StoredKey in passdb`);
  const serverKey = decodeBase64(fields[3]);
  if (serverKey.length !== DIGEST_LENGTH[hash])
    throw new MalformedHashError(`Invalid ${scheme} ServerKey in passdb`);
  return { iterations, salt, storedKey, serverKey };
}

/** SaltedPassword := Hi(password, salt, i) — PBKDF2 with HMAC of the hash, one block. */
export function scramSaltedPassword(password: Buffer, salt: Buffer, iterations: number, hash: ScramHash) {
  return pbkdf2Async(password, salt, iterations, DIGEST_LENGTH[hash], NODE_NAME[hash]);
}

/** StoredKey := H(HMAC(SaltedPassword, "Client Key")); ServerKey := HMAC(SaltedPassword, "Server Key"). */
export function scramKeys(saltedPassword: Buffer, hash: ScramHash): { storedKey: Buffer; serverKey: Buffer } {
  const algorithm = NODE_NAME[hash];
  const clientKey = createHmac(algorithm, saltedPassword).update("Client Key").digest();
  return {
    storedKey: createHash(algorithm).update(clientKey).digest(),
    serverKey: createHmac(algorithm, saltedPassword).update("Server Key").digest(),
  };
}

/**
 * RFC 5802 hashes Normalize(password), SASLprep (RFC 4013); Dovecot hashes the bytes as given (a
 * known gap, marked in its source). The RFC wins for what Loft writes, so a SCRAM client's proof matches;
 * verification also accepts a verifier Dovecot made from the unnormalized bytes. Passwords SASLprep
 * rejects (control characters, ...) are used as given.
 */
function normalizedCandidates(password: Buffer): Buffer[] {
  const given = password.toString("utf8");
  let prepped: string;
  try {
    prepped = saslprep(given);
  } catch {
    return [password];
  }
  return prepped === given ? [password] : [Buffer.from(prepped, "utf8"), password];
}

function scramScheme(hash: ScramHash): PasswordScheme {
  return {
    name: `SCRAM-${hash}`,
    encoding: "none",
    rawLength: 0,
    generate: async (password) => {
      const salt = randomBytes(16);
      const salted = await scramSaltedPassword(
        normalizedCandidates(password)[0],
        salt,
        SCRAM_ITERATIONS_MIN,
        hash,
      );
      const { storedKey, serverKey } = scramKeys(salted, hash);
      const fields = [SCRAM_ITERATIONS_MIN, salt.toString("base64"), storedKey.toString("base64")];
      return Buffer.from(`${fields.join(",")},${serverKey.toString("base64")}`);
    },
    verify: async (password, raw) => {
      const stored = parseScramCredentials(raw.toString("utf8"), hash);
      let matched = false;
      for (const candidate of normalizedCandidates(password)) {
        const keys = scramKeys(
          await scramSaltedPassword(candidate, stored.salt, stored.iterations, hash),
          hash,
        );
        // Dovecot checks only StoredKey; Loft also wants the ServerKey a SCRAM login will use to
        // prove itself, so a damaged verifier fails here rather than halfway through a login.
        const storedOk = equalBytes(keys.storedKey, stored.storedKey);
        const serverOk = equalBytes(keys.serverKey, stored.serverKey);
        if (storedOk && serverOk) matched = true;
      }
      return matched;
    },
  };
}

export const scramSchemes: PasswordScheme[] = [scramScheme("SHA-1"), scramScheme("SHA-256")];
