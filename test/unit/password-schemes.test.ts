// Known vectors for every scheme: hashes written by Dovecot 2.3.19's `doveadm pw` (password
// "secret", user "user@example.com"), libxcrypt's crypt(3), RFC 1320 and RFC 2289.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, test } from "node:test";
import { argon2Parameters } from "../../src/auth/password-schemes/argon2.js";
import {
  checkPassword,
  cramMd5Response,
  DEFAULT_PASS_SCHEME,
  decodeCramMd5Context,
  getCredentials,
  hashPassword,
  isKnownScheme,
  listSchemes,
  parseScramCredentials,
  scramKeys,
  scramSaltedPassword,
  splitStoredPassword,
  UnknownSchemeError,
  verifyPassword,
} from "../../src/auth/password-schemes/index.js";
import { md4 } from "../../src/auth/password-schemes/md4.js";
import { REQUIRED_SCHEMES } from "../fixtures/required-schemes.js";

const USER = "user@example.com";

// Written by `doveadm pw -s <scheme> -p secret -u user@example.com`.
const DOVECOT_SECRET: Record<string, string> = {
  SHA1: "{SHA1}5en6G6MezRroT3XKqkdPOmY/BfQ=",
  SHA: "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=",
  SHA256: "{SHA256}K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=",
  SHA512: "{SHA512}vSsar3708Jvp9Szi2NWZZ02Bqp1qRCFpbcTZPdBhnWgs5WtNZKnvCXdhztmeD2cmW192CF5bDufKRpayrW/isg==",
  SSHA: "{SSHA}0UwJcVu+Mxac030UlrFE6kql6Xy6Rtzv",
  SSHA256: "{SSHA256}kJ5MH6fIw20BAABQ8WTabBLYGMDwZYYCqIoyiu6Y1/MPILfa",
  SSHA512:
    "{SSHA512}XT0p4S5hxW8SBo+10lkn9xZ6IokbwSfhF4Leum3e89ajiABtIREBPuPhq3bbZILUXetS1kQLv9xJGz5XXnwwigXtRJo=",
  SMD5: "{SMD5}ssyZGDJSjPtffUJuk1njw2Qc0Qc=",
  "PLAIN-MD4": "{PLAIN-MD4}67d3dafef63ff00603aeef3769cfbf0d",
  "PLAIN-MD5": "{PLAIN-MD5}5ebe2294ecd0e0f08eab7690d2a6ee69",
  "LDAP-MD5": "{LDAP-MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==",
  "CRAM-MD5": "{CRAM-MD5}cd3ba7deaad6e5ca23448ba42e379747a9e0f7f1fbc00c8a81bbaac395731b56",
  "HMAC-MD5": "{HMAC-MD5}cd3ba7deaad6e5ca23448ba42e379747a9e0f7f1fbc00c8a81bbaac395731b56",
  "DIGEST-MD5": "{DIGEST-MD5}30969131580e626606ce70ceaab77719",
  PLAIN: "{PLAIN}secret",
  CLEAR: "{CLEAR}secret",
  CLEARTEXT: "{CLEARTEXT}secret",
  "MD5-CRYPT": "{MD5-CRYPT}$1$4wuFRsdG$Aqq.DEFN.3o1ntTeCHBhH1",
  MD5: "{MD5}$1$kw/ke0Ku$RY63SoedjjXQdQFRA0dlX0",
  "DES-CRYPT": "{DES-CRYPT}eIUeleWPyo5TY",
  CRYPT: "{CRYPT}$2y$05$Ms9UAqV0.uQUH3jRGFD5ZOLmdJvGNItDiYUX80bwidzGvikxoc192",
  "BLF-CRYPT": "{BLF-CRYPT}$2y$05$SLBWhT3OgLlUVl2Q.IfMnexumrbX0a5vWgjVtILaxrqShU0Ep.4da",
  "SHA256-CRYPT": "{SHA256-CRYPT}$5$1aQK26NQf8ABNwRM$duEM0hhXMPfvuElxHf76bmFWKqjYMpEnlzYwHFpsPiD",
  "SHA512-CRYPT":
    "{SHA512-CRYPT}$6$9aFW/hN7BKQFB2fc$gEUWvvmqfhvoE2/PKdj8g.7NDMdBxUxBA47pLuWjQ7G1rYO46XcWEd91ROagMNNBGA2FrJjpIbqg2wfSXBdLm.",
  ARGON2I:
    "{ARGON2I}$argon2i$v=19$m=32768,t=4,p=1$qonGsdPqEZGPMQBHUjcCGQ$hk+MJqsBCZvO1VtDu+7noFtQczSjE6DiafuHmE3Z+cM",
  ARGON2ID:
    "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$rX6avTyex3quUXW+bYJQGA$0Afiv8hp41sh3t7/JrWMpAhOQWDKex0iELy3ehh5XdY",
  PBKDF2: "{PBKDF2}$1$.8Vay05LZMY/oUvm$5000$0c2deaaa2ae03f980ba0bddab3ea2d29f110c8c8",
  "SCRAM-SHA-1":
    "{SCRAM-SHA-1}4096,k3EeA0tJfdQPsS4WwgW1+g==,YSqMsyszS3ygrdKn0NAUX978t7w=,okYwqeKDccpzzTDMakTvLE7zKN4=",
  "SCRAM-SHA-256":
    "{SCRAM-SHA-256}4096,aVgKflodfyNOoOWmAr1pLw==,sGAVpW2P1/oToQO3bsNJ3NGWnlw3CXrsGWWi96GYm3Q=,CL4ubYYl+v2NAMzlzDsck1NFCB5dv92m45mbuNpaN/M=",
  OTP: "{OTP}sha1 1024 a6dd7e02785a96f1 976495339a70be04",
  "SHA.HEX": "{SHA.HEX}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4",
  "PLAIN.B64": "{PLAIN.B64}c2VjcmV0",
  "PLAIN.HEX": "{PLAIN.HEX}736563726574",
};

describe("Dovecot-written hashes of 'secret'", () => {
  for (const [scheme, stored] of Object.entries(DOVECOT_SECRET)) {
    test(scheme, async () => {
      assert.equal(await verifyPassword(stored, "secret", { user: USER }), true);
      assert.equal(await verifyPassword(stored, "Secret", { user: USER }), false);
      assert.equal(await verifyPassword(stored, "", { user: USER }), false);
    });
  }

  test("unsalted schemes generate exactly Dovecot's value", async () => {
    for (const scheme of [
      "SHA1",
      "SHA",
      "SHA256",
      "SHA512",
      "PLAIN-MD4",
      "PLAIN-MD5",
      "LDAP-MD5",
      "CRAM-MD5",
      "HMAC-MD5",
      "DIGEST-MD5",
      "PLAIN",
      "SHA.HEX",
      "PLAIN.B64",
      "PLAIN.HEX",
    ]) {
      assert.equal(await hashPassword(scheme, "secret", { user: USER }), DOVECOT_SECRET[scheme], scheme);
    }
    assert.equal(
      await hashPassword("sha.hex", "secret"),
      "{SHA.HEX}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4",
    );
  });

  test("a fixed-length digest may be stored hex or base64 without a suffix (Dovecot guesses)", async () => {
    assert.equal(await verifyPassword("{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4", "secret"), true);
    assert.equal(await verifyPassword("{PLAIN-MD5}Xr4ilOzQ4PCOq3aQ0qbuaQ==", "secret"), true);
    assert.equal(await verifyPassword("{MD5}5ebe2294ecd0e0f08eab7690d2a6ee69", "secret"), true);
  });

  test("DIGEST-MD5 depends on the user and realm", async () => {
    assert.equal(
      await verifyPassword(DOVECOT_SECRET["DIGEST-MD5"], "secret", { user: "other@example.com" }),
      false,
    );
    const check = await checkPassword(DOVECOT_SECRET["DIGEST-MD5"], "secret");
    assert.equal(check.result, "invalid");
  });
});

describe("crypt(3) family against libxcrypt", () => {
  // crypt.crypt() of Python on Debian 12, i.e. libxcrypt, as Dovecot's CRYPT uses.
  const LIBXCRYPT: [string, string][] = [
    ["Hello world!", "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"],
    [
      "Hello world!",
      "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1",
    ],
    ["Hello world!", "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA"],
    [
      "Hello world!",
      "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.",
    ],
    [
      "a very much longer text to encrypt.  This one even stretches over morethan one line.",
      "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1",
    ],
    [
      "we have a short salt string but not a short password",
      "$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/",
    ],
    ["pässwörd", "$1$saltsalt$VReRfkQ8Hs1aayf/oxMkG/"],
    ["pässwörd", "$1$ab$bRZzLnQPD1ql12pSoshc71"],
    ["pässwörd", "ZxWa4bg3hpmZo"],
    ["pässwörd", "$2y$05$abcdefghijklmnopqrstuuZVEMa1pjhlynBQ1qXmSvGBJpN9h1w8G"],
    ["08/15!test~4711", "JBOZ0DgmtucwE"],
  ];
  for (const [password, hash] of LIBXCRYPT) {
    test(`CRYPT verifies ${hash.slice(0, 20)}…`, async () => {
      assert.equal(await verifyPassword(`{CRYPT}${hash}`, password), true);
      assert.equal(await verifyPassword(hash, password), true, "no prefix: CRYPT is the default");
      assert.equal(await verifyPassword(`{CRYPT}${hash}`, `${password}x`.slice(1)), false);
    });
  }

  test("every *-CRYPT scheme but BLF-CRYPT takes any crypt(3) hash, as Dovecot's crypt_verify does", async () => {
    for (const scheme of ["SHA512-CRYPT", "SHA256-CRYPT", "DES-CRYPT"]) {
      assert.equal(await verifyPassword(`{${scheme}}$1$saltsalt$VReRfkQ8Hs1aayf/oxMkG/`, "pässwörd"), true);
    }
    assert.equal(await verifyPassword("{BLF-CRYPT}$1$saltsalt$VReRfkQ8Hs1aayf/oxMkG/", "pässwörd"), false);
  });

  test("settings libxcrypt refuses never match", async () => {
    // Out-of-range or zero-padded rounds, a non-ASCII salt: libxcrypt returns "*0".
    for (const hash of [
      "$5$rounds=999$abc$x",
      "$5$rounds=01000$abc$x",
      "$6$sälz$x",
      "$y$j9T$abc$def",
      "_J9..CCCC",
    ]) {
      assert.equal(await verifyPassword(`{CRYPT}${hash}`, "x"), false, hash);
    }
  });

  test("DES crypt only reads the first 8 bytes, as crypt(3) does", async () => {
    assert.equal(await verifyPassword("{DES-CRYPT}ZxWa4bg3hpmZo", "pässwörd and more"), true);
  });

  test("a bare $1$ hash is MD5-CRYPT whatever the default, cut after the hash", async () => {
    assert.deepEqual(splitStoredPassword("$1$ab$bRZzLnQPD1ql12pSoshc71$ignored"), {
      scheme: "MD5-CRYPT",
      value: "$1$ab$bRZzLnQPD1ql12pSoshc71",
    });
    assert.equal(
      await verifyPassword("$1$ab$bRZzLnQPD1ql12pSoshc71$ignored", "pässwörd", { defaultScheme: "PLAIN" }),
      true,
    );
  });
});

describe("generated formats match Dovecot's", () => {
  const CRYPT64 = "[./0-9A-Za-z]";
  const FORMATS: [string, RegExp, number?][] = [
    ["SHA512-CRYPT", new RegExp(`^\\{SHA512-CRYPT\\}\\$6\\$${CRYPT64}{16}\\$${CRYPT64}{86}$`)],
    [
      "SHA512-CRYPT",
      new RegExp(`^\\{SHA512-CRYPT\\}\\$6\\$rounds=10000\\$${CRYPT64}{16}\\$${CRYPT64}{86}$`),
      10000,
    ],
    ["SHA256-CRYPT", new RegExp(`^\\{SHA256-CRYPT\\}\\$5\\$${CRYPT64}{16}\\$${CRYPT64}{43}$`), 5000],
    ["SHA256-CRYPT", new RegExp(`^\\{SHA256-CRYPT\\}\\$5\\$rounds=1000\\$${CRYPT64}{16}\\$`), 10],
    ["MD5-CRYPT", new RegExp(`^\\{MD5-CRYPT\\}\\$1\\$${CRYPT64}{8}\\$${CRYPT64}{22}$`)],
    ["MD5", new RegExp(`^\\{MD5\\}\\$1\\$${CRYPT64}{8}\\$${CRYPT64}{22}$`)],
    ["DES-CRYPT", new RegExp(`^\\{DES-CRYPT\\}${CRYPT64}{13}$`)],
    ["BLF-CRYPT", new RegExp(`^\\{BLF-CRYPT\\}\\$2y\\$05\\$${CRYPT64}{53}$`)],
    ["BLF-CRYPT", new RegExp(`^\\{BLF-CRYPT\\}\\$2y\\$04\\$${CRYPT64}{53}$`), 2],
    ["CRYPT", new RegExp(`^\\{CRYPT\\}\\$2y\\$05\\$${CRYPT64}{53}$`)],
    ["ARGON2I", /^\{ARGON2I\}\$argon2i\$v=19\$m=32768,t=4,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/],
    ["ARGON2ID", /^\{ARGON2ID\}\$argon2id\$v=19\$m=65536,t=3,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/],
    ["PBKDF2", new RegExp(`^\\{PBKDF2\\}\\$1\\$${CRYPT64}{16}\\$5000\\$[0-9a-f]{40}$`)],
    ["PBKDF2", new RegExp(`^\\{PBKDF2\\}\\$1\\$${CRYPT64}{16}\\$12\\$[0-9a-f]{40}$`), 12],
    ["SCRAM-SHA-1", /^\{SCRAM-SHA-1\}4096,[A-Za-z0-9+/]{22}==,[A-Za-z0-9+/]{27}=,[A-Za-z0-9+/]{27}=$/, 9999],
    ["SCRAM-SHA-256", /^\{SCRAM-SHA-256\}4096,[A-Za-z0-9+/]{22}==,[A-Za-z0-9+/]{43}=,[A-Za-z0-9+/]{43}=$/],
    // 20/32/64/16-byte digests with a 4-byte salt.
    ["SSHA", /^\{SSHA\}[A-Za-z0-9+/]{32}$/],
    ["SSHA256", /^\{SSHA256\}[A-Za-z0-9+/]{48}$/],
    ["SSHA512", /^\{SSHA512\}[A-Za-z0-9+/]{91}=$/],
    ["SMD5", /^\{SMD5\}[A-Za-z0-9+/]{27}=$/],
    ["SSHA.HEX", /^\{SSHA\.HEX\}[0-9a-f]{48}$/],
    ["OTP", /^\{OTP\}sha1 1024 [0-9a-f]{16} [0-9a-f]{16}$/],
    // The length counts UTF-8 bytes.
    ["PLAIN-TRUNC", /^\{PLAIN-TRUNC\}10-pässwörd$/],
  ];
  for (const [scheme, format, rounds] of FORMATS) {
    test(`${scheme}${rounds === undefined ? "" : ` -r ${rounds}`}`, async () => {
      const hash = await hashPassword(scheme, "pässwörd", { rounds });
      assert.match(hash, format);
      assert.equal(await verifyPassword(hash, "pässwörd"), true);
      assert.equal(await verifyPassword(hash, "passwörd"), false);
    });
  }

  test("Argon2 rounds pick libsodium's memory limits as Dovecot does", () => {
    assert.deepEqual(argon2Parameters("ARGON2ID", undefined), {
      timeCost: 3,
      memoryCost: 65536,
      parallelism: 1,
    });
    assert.deepEqual(argon2Parameters("ARGON2ID", 1), { timeCost: 3, memoryCost: 65536, parallelism: 1 });
    assert.deepEqual(argon2Parameters("ARGON2ID", 3), { timeCost: 3, memoryCost: 262144, parallelism: 1 });
    assert.deepEqual(argon2Parameters("ARGON2ID", 5), { timeCost: 5, memoryCost: 1048576, parallelism: 1 });
    assert.deepEqual(argon2Parameters("ARGON2I", undefined), {
      timeCost: 4,
      memoryCost: 32768,
      parallelism: 1,
    });
    assert.deepEqual(argon2Parameters("ARGON2I", 6), { timeCost: 6, memoryCost: 131072, parallelism: 1 });
    assert.deepEqual(argon2Parameters("ARGON2I", 9), { timeCost: 9, memoryCost: 524288, parallelism: 1 });
  });

  test("ARGON2I and ARGON2ID each verify the other's hashes, as libsodium's str_verify does", async () => {
    const argon2i = DOVECOT_SECRET.ARGON2I.replace("{ARGON2I}", "{ARGON2ID}");
    assert.equal(await verifyPassword(argon2i, "secret"), true);
  });

  test("the default scheme is ARGON2ID", () => {
    assert.equal(DEFAULT_PASS_SCHEME, "ARGON2ID");
  });
});

describe("scheme names", () => {
  test("every scheme the issue names is known, with suffixes, in any case", () => {
    for (const name of REQUIRED_SCHEMES) {
      assert.ok(listSchemes().includes(name), name);
      assert.ok(isKnownScheme(name.toLowerCase()));
      assert.ok(
        isKnownScheme(`${name}.b64`) && isKnownScheme(`${name}.BASE64`) && isKnownScheme(`${name}.hex`),
      );
    }
    assert.equal(isKnownScheme("SHA.rot13"), false);
    assert.equal(isKnownScheme("NOPE"), false);
  });

  test("an unknown scheme is a typed error, in hashing and in verifying", async () => {
    await assert.rejects(hashPassword("NOPE", "x"), UnknownSchemeError);
    await assert.rejects(hashPassword("SHA.rot13", "x"), UnknownSchemeError);
    await assert.rejects(verifyPassword("{NOPE}abc", "x"), (err: unknown) => {
      assert.ok(err instanceof UnknownSchemeError);
      assert.equal(err.scheme, "NOPE");
      return true;
    });
    await assert.rejects(verifyPassword("abc", "x", { defaultScheme: "NOPE" }), UnknownSchemeError);
  });

  test("rounds must be a non-negative integer", async () => {
    await assert.rejects(hashPassword("SHA512-CRYPT", "x", { rounds: -1 }), RangeError);
    await assert.rejects(hashPassword("SHA512-CRYPT", "x", { rounds: 1.5 }), RangeError);
  });
});

describe("primitives", () => {
  test("MD4 (RFC 1320 appendix A.5)", () => {
    const vectors: [string, string][] = [
      ["", "31d6cfe0d16ae931b73c59d7e0c089c0"],
      ["a", "bde52cb31de33e46245e05fbdbd6fb24"],
      ["abc", "a448017aaf21d8525fc10ae87aa6729d"],
      ["message digest", "d9130a8164549fe818874806e1c7014b"],
      ["abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"],
      [
        "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
        "e33b4ddc9c38f2199c3e7b164fcc0536",
      ],
    ];
    for (const [input, hex] of vectors) assert.equal(md4(Buffer.from(input)).toString("hex"), hex);
  });

  test("OTP (RFC 2289 appendix C, pass phrase 'This is a test.', seed 'TeSt')", async () => {
    const vectors: [string, number, string][] = [
      ["md4", 0, "d1854218ebbb0b51"],
      ["md4", 1, "63473ef01cd0b444"],
      ["md4", 99, "c5e612776e6c237a"],
      ["md5", 0, "9e876134d90499dd"],
      ["md5", 1, "7965e05436f5029f"],
      ["md5", 99, "50fe1962c4965880"],
      ["sha1", 0, "bb9e6ae1979d8ff4"],
      ["sha1", 1, "63d936639734385b"],
      ["sha1", 99, "87fec7768b73ccf9"],
    ];
    for (const [algorithm, sequence, hash] of vectors) {
      const stored = `{OTP}${algorithm} ${sequence} TeSt ${hash.toUpperCase()}`;
      assert.equal(await verifyPassword(stored, "This is a test."), true, stored);
      assert.equal(await verifyPassword(stored, "This is a test"), false, stored);
    }
  });
});

describe("credentials for SASL mechanisms", () => {
  test("a stored CRAM-MD5 context answers challenges like HMAC-MD5 over the password", async () => {
    const raw = await getCredentials(DOVECOT_SECRET["CRAM-MD5"], "CRAM-MD5");
    assert.ok(raw !== null);
    const challenge = Buffer.from("<1896.697170952@postoffice.example.net>");
    const expected = createHmac("md5", "secret").update(challenge).digest("hex");
    assert.equal(cramMd5Response(decodeCramMd5Context(raw), challenge), expected);
  });

  test("a cleartext password yields any scheme's credentials; a long key is hashed first (RFC 2104)", async () => {
    const password = "p".repeat(100);
    const raw = await getCredentials(`{PLAIN}${password}`, "HMAC-MD5");
    assert.ok(raw !== null);
    const challenge = Buffer.from("<x@y>");
    assert.equal(
      cramMd5Response(decodeCramMd5Context(raw), challenge),
      createHmac("md5", password).update(challenge).digest("hex"),
    );
    const digest = await getCredentials("{CLEARTEXT}secret", "DIGEST-MD5", { user: USER });
    assert.equal(digest?.toString("hex"), "30969131580e626606ce70ceaab77719");
  });

  test("aliases share credentials; other hashes give none", async () => {
    assert.ok((await getCredentials(DOVECOT_SECRET["CRAM-MD5"], "HMAC-MD5")) !== null);
    assert.equal(
      (await getCredentials(DOVECOT_SECRET.SHA, "SHA1"))?.toString("hex"),
      "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4",
    );
    assert.equal(await getCredentials(DOVECOT_SECRET.SHA, "CRAM-MD5"), null);
    assert.equal(await getCredentials(DOVECOT_SECRET["SHA512-CRYPT"], "SCRAM-SHA-1"), null);
    assert.equal(await getCredentials("{PLAIN-TRUNC}6-secret", "CRAM-MD5"), null);
    assert.equal(await getCredentials("{CRAM-MD5}nothex", "CRAM-MD5"), null);
  });

  test("a stored SCRAM verifier parses into what the server needs, consistent with the password", async () => {
    for (const hash of ["SHA-1", "SHA-256"] as const) {
      const raw = await getCredentials(DOVECOT_SECRET[`SCRAM-${hash}`], `SCRAM-${hash}`);
      assert.ok(raw !== null);
      const creds = parseScramCredentials(raw.toString(), hash);
      assert.equal(creds.iterations, 4096);
      assert.equal(creds.salt.length, 16);
      const salted = await scramSaltedPassword(Buffer.from("secret"), creds.salt, creds.iterations, hash);
      assert.deepEqual(scramKeys(salted, hash), { storedKey: creds.storedKey, serverKey: creds.serverKey });
    }
  });

  test("SCRAM hashes the SASLprepped password (RFC 5802) and still accepts Dovecot's unprepared verifiers", async () => {
    // U+00A0 NO-BREAK SPACE is mapped to a space by SASLprep (RFC 4013 section 2.1).
    const hash = await hashPassword("SCRAM-SHA-256", "a\u00a0b");
    assert.equal(await verifyPassword(hash, "a b"), true);
    const raw = await getCredentials(hash, "SCRAM-SHA-256");
    assert.ok(raw !== null);
    const creds = parseScramCredentials(raw.toString(), "SHA-256");
    const salted = await scramSaltedPassword(Buffer.from("a b"), creds.salt, creds.iterations, "SHA-256");
    assert.deepEqual(scramKeys(salted, "SHA-256").storedKey, creds.storedKey);
  });
});
