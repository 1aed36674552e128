// Interop with Dovecot's `doveadm pw` (Debian's dovecot-core, installed by .ci/run): for every scheme
// both list, a hash made by `loft pw` verifies with `doveadm pw -t` and one made by `doveadm pw -s`
// verifies with `loft pw -t`; a wrong password fails both ways. Runs the built CLI (npm test builds).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { listSchemes } from "../../src/auth/password-schemes/index.js";
import { REQUIRED_SCHEMES } from "../fixtures/required-schemes.js";
import { loft, REPO, type RunResult, run } from "../helpers/cli.js";

// Non-ASCII and a space, so byte handling is exercised; differs from WRONG in its first 8 bytes
// (DES crypt reads no further).
const PASSWORD = "Tr0ub4dor & pässwörd";
const WRONG = "wrong horse battery";
const USER = "jane.roe@example.com";

function doveadm(args: string[]): Promise<RunResult> {
  return run("doveadm", ["pw", ...args], { timeoutMs: 60_000 });
}

function doveadmSchemes(): string[] {
  const listed = spawnSync("doveadm", ["pw", "-l"], { encoding: "utf8" });
  if (listed.error !== undefined || listed.status !== 0) {
    throw new Error(
      `doveadm is needed for this test and could not run (${listed.error?.message ?? listed.stderr}); ` +
        "install Debian's dovecot-core, as .ci/run does",
    );
  }
  return listed.stdout.trim().split(/\s+/);
}

const dovecot = doveadmSchemes();
const common = dovecot.filter((scheme) => listSchemes().includes(scheme)).sort();
// Cost and encoding variants on top of each scheme's defaults.
const VARIANTS: [string, string[]][] = [
  ["SHA512-CRYPT", ["-r", "10000"]],
  ["BLF-CRYPT", ["-r", "6"]],
  ["PBKDF2", ["-r", "1000"]],
  ["ARGON2I", ["-r", "5"]],
  ["SHA.HEX", []],
  ["CRAM-MD5.B64", []],
  ["SHA512-CRYPT.HEX", []],
];

before(() => {
  assert.ok(existsSync(join(REPO, "dist", "cli", "main.js")), "run `npm run build` first (npm test does)");
});

test("doveadm and Loft both list every scheme the issue requires", () => {
  // doveadm must list every scheme issue 2 names and Loft must support it, or this test is moot.
  for (const scheme of REQUIRED_SCHEMES) {
    assert.ok(dovecot.includes(scheme), `doveadm pw -l lacks ${scheme}`);
    assert.ok(common.includes(scheme), `loft lacks ${scheme}`);
  }
});

interface RoundTrip {
  made: RunResult;
  doveadmOk?: RunResult;
  doveadmWrong?: RunResult;
  doveadmMade: RunResult;
  loftOk?: RunResult;
  loftWrong?: RunResult;
  doveadmSelf?: RunResult;
}

// Each case spawns a handful of processes; a small pool keeps 2 cores busy without thrashing.
const POOL = 3;
async function inPool<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: POOL }, worker));
  return results;
}

async function roundTrip(scheme: string, extra: string[]): Promise<RoundTrip> {
  const made = await loft(["pw", "-s", scheme, "-p", PASSWORD, "-u", USER, ...extra]);
  const doveadmMade = await doveadm(["-s", scheme, "-p", PASSWORD, "-u", USER, ...extra]);
  const trip: RoundTrip = { made, doveadmMade };
  const ours = made.stdout.trim();
  const theirs = doveadmMade.stdout.trim();
  [trip.doveadmOk, trip.doveadmWrong, trip.loftOk, trip.loftWrong, trip.doveadmSelf] = await Promise.all([
    doveadm(["-t", ours, "-p", PASSWORD, "-u", USER]),
    doveadm(["-t", ours, "-p", WRONG, "-u", USER]),
    loft(["pw", "-t", theirs, "-p", PASSWORD, "-u", USER]),
    loft(["pw", "-t", theirs, "-p", WRONG, "-u", USER]),
    doveadm(["-t", theirs, "-p", PASSWORD, "-u", USER]),
  ]);
  return trip;
}

describe("hashes made by loft pw verify with doveadm pw -t, and the reverse", () => {
  const cases: [string, string[]][] = [...common.map((s): [string, string[]] => [s, []]), ...VARIANTS];
  let trips: RoundTrip[] = [];
  before(async () => {
    trips = await inPool(cases, ([scheme, extra]) => roundTrip(scheme, extra));
  });
  cases.forEach(([scheme, extra], i) => {
    test(`${scheme} ${extra.join(" ")}`.trim(), () => {
      const trip = trips[i];
      assert.equal(trip.made.code, 0, trip.made.stderr);
      const ours = trip.made.stdout.trim();
      assert.ok(ours.startsWith(`{${scheme}}`), ours);
      assert.equal(trip.doveadmOk?.code, 0, `doveadm rejects loft's ${ours}: ${trip.doveadmOk?.stderr}`);
      assert.equal(trip.doveadmOk?.stdout.trim(), `${ours} (verified)`);
      assert.notEqual(trip.doveadmWrong?.code, 0, `doveadm accepts a wrong password for ${ours}`);

      assert.equal(trip.doveadmMade.code, 0, trip.doveadmMade.stderr);
      const theirs = trip.doveadmMade.stdout.trim();
      if (scheme === "PLAIN-TRUNC") {
        // Dovecot writes PLAIN-TRUNC without its "<length>-" prefix and then refuses its own hash;
        // Loft agrees that the value is unusable.
        assert.notEqual(trip.doveadmSelf?.code, 0);
        assert.equal(trip.loftOk?.code, 65, trip.loftOk?.stderr);
        return;
      }
      assert.equal(trip.loftOk?.code, 0, `loft rejects doveadm's ${theirs}: ${trip.loftOk?.stderr}`);
      assert.equal(trip.loftOk?.stdout.trim(), `${theirs} (verified)`);
      assert.equal(trip.loftWrong?.code, 1, `loft -t with a wrong password: ${trip.loftWrong?.stderr}`);
      assert.match(trip.loftWrong?.stderr ?? "", /Password mismatch/);
    });
  });
});

describe("hand-written hashes: loft pw -t and doveadm pw -t agree", () => {
  // [stored hash, password, whether both must accept it]
  const CASES: [string, string, boolean][] = [
    ["$1$ab$bRZzLnQPD1ql12pSoshc71", "pässwörd", true], // no prefix: MD5-CRYPT by its look
    ["{CRYPT}$1$saltsalt$VReRfkQ8Hs1aayf/oxMkG/", "pässwörd", true],
    ["{CRYPT}ZxWa4bg3hpmZo", "pässwörd", true],
    ["{CRYPT}$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5", "Hello world!", true],
    ["{CRYPT}$5$rounds=999$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5", "Hello world!", false],
    ["{SHA512-CRYPT}$1$saltsalt$VReRfkQ8Hs1aayf/oxMkG/", "pässwörd", true],
    ["{BLF-CRYPT}$1$saltsalt$VReRfkQ8Hs1aayf/oxMkG/", "pässwörd", false],
    ["{CRYPT}$2b$05$abcdefghijklmnopqrstuuZVEMa1pjhlynBQ1qXmSvGBJpN9h1w8G", "pässwörd", true],
    ["{SHA}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4", "secret", true], // hex, guessed by length
    ["{sha}5en6G6MezRroT3XKqkdPOmY/BfQ=", "secret", true],
    ["{SHA}5en6G6Me zRroT3XKqkdPOmY/BfQ=", "secret", true], // whitespace inside base64
    ["{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ", "secret", false], // base64 without its padding
    ["{MD5}5ebe2294ecd0e0f08eab7690d2a6ee69", "secret", true],
    ["{PLAIN-TRUNC}6-secret", "secretpassword", true],
    ["{PLAIN-TRUNC}6-secret", "secre", false],
    ["{OTP}md5 0 TeSt 9E876134D90499DD", "This is a test.", true],
    [
      "{ARGON2ID}$argon2i$v=19$m=32768,t=4,p=1$qonGsdPqEZGPMQBHUjcCGQ$hk+MJqsBCZvO1VtDu+7noFtQczSjE6DiafuHmE3Z+cM",
      "secret",
      true,
    ],
    ["{SCRAM-SHA-1}4096,k3EeA0tJfdQPsS4WwgW1+g==,YSqMsyszS3ygrdKn0NAUX978t7w=", "secret", false],
  ];
  let results: [RunResult, RunResult][] = [];
  before(async () => {
    results = await inPool(CASES, ([stored, password]) =>
      Promise.all([loft(["pw", "-t", stored, "-p", password]), doveadm(["-t", stored, "-p", password])]),
    );
  });
  CASES.forEach(([stored, password, accepted], i) => {
    test(`${stored} ${accepted ? "accepts" : "rejects"} ${JSON.stringify(password)}`, () => {
      const [ours, theirs] = results[i];
      assert.equal(theirs.code === 0, accepted, `doveadm: ${theirs.stderr}`);
      assert.equal(ours.code === 0, accepted, `loft: ${ours.stderr}`);
    });
  });
});
