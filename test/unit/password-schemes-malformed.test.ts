// Malformed stored hashes: checking a password against them never throws (only an unknown scheme
// does, by design) and never succeeds.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import saslprep from "@mongodb-js/saslprep";
import { Algorithm, hash as argon2Hash } from "@node-rs/argon2";
import fc from "fast-check";
import {
  checkPassword,
  hashPassword,
  listSchemes,
  verifyPassword,
} from "../../src/auth/password-schemes/index.js";

const PASSWORD = "correct horse battery staple";

async function neverMatches(stored: string, user?: string): Promise<void> {
  const check = await checkPassword(stored, PASSWORD, user === undefined ? {} : { user });
  assert.notEqual(check.result, "match", stored);
}

describe("random stored values", () => {
  for (const scheme of listSchemes()) {
    test(scheme, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" })),
          fc.constantFrom("", ".b64", ".hex"),
          async (value, suffix) => neverMatches(`{${scheme}${suffix}}${value}`, "user@example.com"),
        ),
        { numRuns: 150 },
      );
    });
  }
});

describe("damaged real hashes", () => {
  const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  // A replacement that changes the decoded bits: moving 32 places in the base64 alphabet flips the
  // top bit of the 6, which every encoded position uses (the low bits before "=" are ignored).
  const damage = (c: string) =>
    BASE64.includes(c) ? BASE64[(BASE64.indexOf(c) + 32) % 64] : c === "A" ? "B" : "A";

  async function validHash(scheme: string): Promise<string> {
    // Argon2 at Dovecot's costs takes ~0.1 s a check; the verification path is the same at m=1024,t=1.
    if (scheme === "ARGON2I" || scheme === "ARGON2ID") {
      const algorithm = scheme === "ARGON2I" ? Algorithm.Argon2i : Algorithm.Argon2id;
      return `{${scheme}}${await argon2Hash("another password", { algorithm, memoryCost: 1024, timeCost: 1 })}`;
    }
    // The cheapest costs each scheme allows keep the few hundred checks quick.
    const cheapest: Record<string, number> = {
      "SHA256-CRYPT": 1000,
      "SHA512-CRYPT": 1000,
      "BLF-CRYPT": 4,
      CRYPT: 4,
      PBKDF2: 100,
    };
    const rounds = cheapest[scheme];
    return hashPassword(scheme, "another password", { user: "user@example.com", rounds });
  }

  // PLAIN-TRUNC is left out on purpose: a cut "<n>-<first n bytes>" is meant to match.
  const schemes = listSchemes().filter((s) => s !== "PLAIN-TRUNC");
  for (const scheme of schemes) {
    test(`${scheme}: every prefix and every one-character change of a valid hash fails`, async () => {
      const stored = await validHash(scheme);
      assert.equal(await verifyPassword(stored, "another password", { user: "user@example.com" }), true);
      const value = stored.slice(stored.indexOf("}") + 1);
      const damaged = new Set<string>();
      for (let i = 0; i < value.length; i++) {
        damaged.add(value.slice(0, i));
        damaged.add(value.slice(0, i) + damage(value[i]) + value.slice(i + 1));
      }
      for (const v of damaged) {
        const check = await checkPassword(`{${scheme}}${v}`, "another password", {
          user: "user@example.com",
        });
        assert.notEqual(check.result, "match", v);
      }
    });
  }

  test("handpicked hostile values", async () => {
    const hostile = [
      "{SHA}",
      "{SHA}====",
      "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ",
      "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=!",
      "{SHA}zzzzfa1ba31ecd1ae84f75caaa474f3a663f05f4",
      "{SSHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",
      "{CRYPT}",
      "{CRYPT}$",
      "{CRYPT}$2y$",
      "{CRYPT}$2y$99$abcdefghijklmnopqrstuuZVEMa1pjhlynBQ1qXmSvGBJpN9h1w8G",
      "{CRYPT}$2x$05$abcdefghijklmnopqrstuuZVEMa1pjhlynBQ1qXmSvGBJpN9h1w8G",
      "{BLF-CRYPT}short",
      "{SHA512-CRYPT}$6$rounds=1000000000$abc$def",
      "{SHA512-CRYPT}$6$rounds=-5$abc$def",
      "{SHA512-CRYPT}$6$",
      "{MD5-CRYPT}$1$",
      "{MD5}$1$",
      "{MD5}not-md5",
      "{PBKDF2}$1$salt$0$0000000000000000000000000000000000000000",
      "{PBKDF2}$1$salt$-1$0000000000000000000000000000000000000000",
      "{PBKDF2}$1$salt$5000$00",
      "{PBKDF2}$2$salt$5000$0000000000000000000000000000000000000000",
      "{PBKDF2}$1$salt$5000$0000000000000000000000000000000000000000$extra",
      "{SCRAM-SHA-1}4095,AAAA,YSqMsyszS3ygrdKn0NAUX978t7w=,okYwqeKDccpzzTDMakTvLE7zKN4=",
      "{SCRAM-SHA-1}99999999999,AAAA,YSqMsyszS3ygrdKn0NAUX978t7w=,okYwqeKDccpzzTDMakTvLE7zKN4=",
      "{SCRAM-SHA-1}4096,AAAA,YSqMsyszS3ygrdKn0NAUX978t7w=",
      "{SCRAM-SHA-256}4096,AAAA,YSqMsyszS3ygrdKn0NAUX978t7w=,okYwqeKDccpzzTDMakTvLE7zKN4=",
      "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$$",
      "{ARGON2ID}$argon2id$v=19$m=4294967295,t=3,p=1$c2FsdHNhbHQ$aGFzaA",
      "{ARGON2I}$argon2d$v=19$m=65536,t=3,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
      "{OTP}sha1 -1 seed 0000000000000000",
      "{OTP}sha2 1 seed 0000000000000000",
      "{PLAIN-TRUNC}0-",
      "{PLAIN-TRUNC}x-abc",
      "{CRAM-MD5}00",
      "{DIGEST-MD5}00112233445566778899aabbccddeeff",
      "{LDAP-MD5}!!",
    ];
    for (const stored of hostile) await neverMatches(stored, "user@example.com");
    // DIGEST-MD5 without a user name cannot be checked at all.
    assert.equal(
      (await checkPassword("{DIGEST-MD5}30969131580e626606ce70ceaab77719", "secret")).result,
      "invalid",
    );
  });

  test("values without a {SCHEME} prefix use the default scheme and fail the same way", async () => {
    for (const stored of ["", "{", "{SHA", "}", "plain-text", "$6$", "$1$", "xx"]) {
      assert.equal(await verifyPassword(stored, PASSWORD), false, stored);
    }
  });
});

describe("round trips with random passwords", () => {
  // Argon2 at Dovecot's costs is too slow for many runs; its round trip is covered by the vectors
  // and the interop test.
  const schemes = listSchemes().filter((s) => !s.startsWith("ARGON2"));
  const prefix = (s: string, bytes: number) => Buffer.from(s, "utf8").subarray(0, bytes).toString("latin1");
  const prepped = (s: string) => {
    try {
      return saslprep(s);
    } catch {
      return s;
    }
  };
  for (const scheme of schemes) {
    test(scheme, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ unit: "grapheme", minLength: 1 }),
          fc.string({ minLength: 1 }),
          async (password, other) => {
            // DES crypt reads 8 bytes, PLAIN-TRUNC accepts longer passwords with the stored prefix,
            // and SASLprep maps some strings onto others.
            fc.pre(prefix(password, 8) !== prefix(other, 8) && prepped(password) !== prepped(other));
            const stored = await hashPassword(scheme, password, { user: "user@example.com", rounds: 4 });
            assert.equal(await verifyPassword(stored, password, { user: "user@example.com" }), true, stored);
            assert.equal(await verifyPassword(stored, other, { user: "user@example.com" }), false, stored);
          },
        ),
        { numRuns: 25 },
      );
    });
  }
});
