// `loft pw` as a command: options, password input, exit codes. Runs the built CLI (npm test builds).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { listSchemes } from "../../src/auth/password-schemes/index.js";
import { LOFT, loft, tempDir } from "../helpers/cli.js";

const tmp = tempDir("loft-pw-");
after(() => tmp.remove());
const inTmp = { cwd: tmp.dir };

/**
 * Runs loft on a pseudo-terminal (script(1), from util-linux) and types each answer once the
 * matching prompt has appeared, so the terminal's echo state is the one loft set.
 */
function onTerminal(args: string[], answers: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const command = [process.execPath, LOFT, ...args].map((a) => `'${a}'`).join(" ");
    const child = spawn("script", ["-qec", command, "/dev/null"], {
      env: { ...process.env, LOFT_CONFIG: "" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const prompts = ["Enter new password: ", "Retype new password: "];
    let output = "";
    let answered = 0;
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      // Type a moment after the prompt, as a person would: read-password.ts prints the prompt a
      // few instructions before it turns echo off.
      while (answered < answers.length && output.includes(prompts[answered])) {
        const answer = answers[answered];
        setTimeout(() => child.stdin.write(`${answer}\r`), 300);
        answered++;
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ code, output });
    });
  });
}

describe("loft pw", () => {
  test("-l lists the schemes", async () => {
    const r = await loft(["pw", "-l"]);
    assert.equal(r.code, 0);
    assert.deepEqual(r.stdout.trim().split(" "), listSchemes());
  });

  test("--help documents the options and exit codes", async () => {
    const r = await loft(["pw", "--help"]);
    assert.equal(r.code, 0);
    for (const option of [
      "-s, --scheme",
      "-p, --password",
      "-u, --user",
      "-r, --rounds",
      "-l, --list",
      "-t, --test",
      "-V",
    ]) {
      assert.ok(r.stdout.includes(option), option);
    }
    assert.match(r.stdout, /Exit codes:/);
  });

  test("without -s the scheme is [auth] default_pass_scheme, ARGON2ID by default", async () => {
    const plain = await loft(["pw", "-p", "secret"], inTmp);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^\{ARGON2ID\}\$argon2id\$v=19\$m=65536,t=3,p=1\$/);
    const config = join(tmp.dir, "sha.toml");
    writeFileSync(config, '[auth]\ndefault_pass_scheme = "SHA512-CRYPT"\n');
    const configured = await loft(["-c", config, "pw", "-p", "secret"]);
    assert.equal(configured.code, 0, configured.stderr);
    assert.match(configured.stdout, /^\{SHA512-CRYPT\}\$6\$/);
  });

  test("a broken config only matters when the scheme comes from it", async () => {
    const config = join(tmp.dir, "broken.toml");
    writeFileSync(config, "[auth\n");
    assert.equal((await loft(["-c", config, "pw", "-p", "secret"])).code, 78);
    const r = await loft(["-c", config, "pw", "-s", "PLAIN", "-p", "secret"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "{PLAIN}secret\n");
  });

  test("the scheme is written upper-case with its encoding suffix, as doveadm does", async () => {
    const r = await loft(["pw", "-s", "sha.hex", "-p", "secret"]);
    assert.equal(r.stdout, "{SHA.HEX}e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4\n");
  });

  test("without -p and without a terminal the password is the first line of stdin", async () => {
    const r = await loft(["pw", "-s", "PLAIN"], { input: "from stdin\nsecond line\n" });
    assert.equal(r.stdout, "{PLAIN}from stdin\n");
    const t = await loft(["pw", "-t", "{PLAIN}from stdin"], { input: "from stdin\n" });
    assert.equal(t.code, 0, t.stderr);
    const empty = await loft(["pw", "-s", "PLAIN"]);
    assert.equal(empty.code, 65);
  });

  test("on a terminal the password is asked twice without echo; a different retype fails", async () => {
    const same = await onTerminal(["pw", "-s", "PLAIN"], ["tty-secret", "tty-secret"]);
    assert.equal(same.code, 0, same.output);
    const lines = same.output.split(/\r?\n/).filter((line) => line.includes("tty-secret"));
    assert.deepEqual(lines, ["{PLAIN}tty-secret"], "the typed password must not be echoed");
    const differ = await onTerminal(["pw", "-s", "PLAIN"], ["tty-secret", "tty-other"]);
    assert.equal(differ.code, 65, differ.output);
    assert.match(differ.output, /passwords don't match/);
    assert.doesNotMatch(differ.output, /\{PLAIN\}/);
  });

  test("-V verifies the new hash", async () => {
    const r = await loft(["pw", "-s", "SSHA256", "-p", "secret", "-V"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\{SSHA256\}[A-Za-z0-9+/]{48} \(verified\)\n$/);
  });

  test("-r sets the cost", async () => {
    const r = await loft(["pw", "-s", "BLF-CRYPT", "-r", "7", "-p", "secret"]);
    assert.match(r.stdout, /^\{BLF-CRYPT\}\$2y\$07\$/);
    const sha = await loft(["pw", "-s", "SHA256-CRYPT", "-r", "1234", "-p", "secret"]);
    assert.match(sha.stdout, /^\{SHA256-CRYPT\}\$5\$rounds=1234\$/);
  });

  test("-t: exit 0 and '(verified)' on a match, exit 1 on a mismatch", async () => {
    const ok = await loft(["pw", "-t", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "-p", "secret"]);
    assert.equal(ok.code, 0);
    assert.equal(ok.stdout, "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ= (verified)\n");
    const bare = await loft(["pw", "-t", "$1$ab$bRZzLnQPD1ql12pSoshc71", "-p", "pässwörd"]);
    assert.equal(bare.stdout, "{MD5-CRYPT}$1$ab$bRZzLnQPD1ql12pSoshc71 (verified)\n");
    const wrong = await loft(["pw", "-t", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=", "-p", "Secret"]);
    assert.equal(wrong.code, 1);
    assert.equal(wrong.stdout, "");
    assert.equal(wrong.stderr, "loft: reverse password verification check failed: Password mismatch\n");
  });

  test("usage errors exit 64 (EX_USAGE) with a clear message", async () => {
    const cases: [string[], RegExp][] = [
      [["pw", "-s", "NOPE", "-p", "x"], /Unknown scheme: NOPE/],
      [["pw", "-s", "SHA.rot13", "-p", "x"], /Unknown scheme: SHA.ROT13/],
      [["pw", "-s", "SHA", "-r", "many", "-p", "x"], /Invalid number of rounds: many/],
      [["pw", "-s", "DIGEST-MD5", "-p", "x"], /DIGEST-MD5 needs the user name/],
      [["pw", "-s", "SHA", "-p", "x", "extra"], /too many arguments/],
    ];
    for (const [args, message] of cases) {
      const r = await loft(args);
      assert.equal(r.code, 64, args.join(" "));
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
    }
  });

  test("-t with an unusable hash exits 65 (EX_DATAERR) and says why", async () => {
    const cases: [string, RegExp][] = [
      ["no-prefix", /Missing \{scheme\} prefix from hash/],
      ["{NOPE}abc", /reverse decode check failed: Unknown scheme: NOPE/],
      ["{SHA}!!!!", /reverse decode check failed: Input isn't valid base64 encoded data/],
      ["{SHA}AAAA", /Input length isn't valid \(3 instead of 20\)/],
      ["{PBKDF2}nonsense", /Invalid PBKDF2 passdb entry prefix/],
    ];
    for (const [hash, message] of cases) {
      const r = await loft(["pw", "-t", hash, "-p", "x"]);
      assert.equal(r.code, 65, hash);
      assert.match(r.stderr, message);
    }
  });
});
