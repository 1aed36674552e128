// `loft pw`: Dovecot's `doveadm pw` — make a password hash, or test one.
//
// Exit codes (doveadm exits 75 for every failure; Loft tells them apart with sysexits codes):
//   0  hash printed, or `-t` hash verified
//   1  `-t`: the password does not match (as the issue asks, and as `doveadm pw` documents
//      nothing finer)
//   64 EX_USAGE: unknown `-s` scheme, bad `-r`, DIGEST-MD5 without `-u`, bad options
//   65 EX_DATAERR: the `-t` hash is unusable (no {SCHEME} prefix, unknown scheme, bad encoding)
//   70 EX_SOFTWARE: `-V` found that a freshly made hash does not verify
//   78 EX_CONFIG: no `-s` and the config (for [auth] default_pass_scheme) is broken
import type { Command } from "commander";
import {
  checkPassword,
  hashPassword,
  isKnownScheme,
  listSchemes,
  MissingParameterError,
  splitStoredPassword,
  UnknownSchemeError,
} from "../auth/password-schemes/index.js";
import { loadConfig } from "../config/index.js";
import { EX_DATAERR, EX_SOFTWARE, EX_USAGE, ExitError } from "../exit-codes/index.js";
import { readPassword } from "./read-password.js";

interface PwOptions {
  scheme?: string;
  password?: string;
  user?: string;
  rounds?: string;
  list?: boolean;
  test?: string;
  verify?: boolean;
}

/** The scheme when `-s` is absent: [auth] default_pass_scheme of the chosen config. */
export type DefaultSchemeSource = (cmd: Command) => string;

const configuredScheme: DefaultSchemeSource = (cmd) =>
  loadConfig(cmd.optsWithGlobals().config).config.auth.default_pass_scheme;

export function register(program: Command, defaultScheme: DefaultSchemeSource = configuredScheme): void {
  program
    .command("pw")
    .description("generate a password hash ({SCHEME}hash), or test one, as `doveadm pw` does")
    .option(
      "-s, --scheme <scheme>",
      "scheme, optionally with .b64 or .hex (default: [auth] default_pass_scheme)",
    )
    .option(
      "-p, --password <password>",
      "the password (else asked twice on a terminal, or one line of stdin)",
    )
    .option("-u, --user <user>", "user name, for schemes that hash it (DIGEST-MD5)")
    .option("-r, --rounds <rounds>", "cost: BLF-CRYPT 4-31, SHA*-CRYPT 1000-999999999, PBKDF2, ARGON2*")
    .option("-l, --list", "list the supported schemes")
    .option("-t, --test <hash>", "test whether the password matches {SCHEME}hash (exit 0) or not (exit 1)")
    .option("-V, --verify", "verify the generated hash and append (verified)")
    .addHelpText(
      "after",
      "\nExit codes: 0 ok; 1 -t mismatch; 64 bad usage or unknown -s scheme; 65 unusable -t hash;\n" +
        "70 -V check failed; 78 bad config.\n",
    )
    .action(async (opts: PwOptions, cmd: Command) => {
      if (opts.list) {
        process.stdout.write(`${listSchemes().join(" ")}\n`);
        return;
      }
      if (opts.test !== undefined) {
        await testHash(opts.test, opts);
        return;
      }
      await generate(opts.scheme ?? defaultScheme(cmd), opts);
    });
}

function parseRounds(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) > 0xffffffff) {
    throw new ExitError(`Invalid number of rounds: ${text}`, EX_USAGE);
  }
  return Number(text);
}

async function generate(scheme: string, opts: PwOptions): Promise<void> {
  const rounds = parseRounds(opts.rounds);
  // Fail on the scheme before asking for a password nobody can use.
  if (!isKnownScheme(scheme)) {
    throw new ExitError(`Unknown scheme: ${scheme.toUpperCase()}`, EX_USAGE);
  }
  const password = opts.password ?? (await readPassword(true));
  let hash: string;
  try {
    hash = await hashPassword(scheme, password, { user: opts.user, rounds });
  } catch (err) {
    if (err instanceof UnknownSchemeError || err instanceof MissingParameterError) {
      throw new ExitError(err.message, EX_USAGE);
    }
    throw err;
  }
  if (opts.verify) {
    const check = await checkPassword(hash, password, { user: opts.user });
    if (check.result !== "match") {
      const reason = check.result === "invalid" ? check.reason : "Password mismatch";
      throw new ExitError(`reverse password verification check failed: ${reason}`, EX_SOFTWARE);
    }
    process.stdout.write(`${hash} (verified)\n`);
    return;
  }
  process.stdout.write(`${hash}\n`);
}

async function testHash(hash: string, opts: PwOptions): Promise<void> {
  // Like doveadm, -t wants the {SCHEME} prefix (a bare "$1$..." counts as MD5-CRYPT).
  const split = splitStoredPassword(hash);
  if (split.scheme === null) throw new ExitError("Missing {scheme} prefix from hash", EX_DATAERR);
  const password = opts.password ?? (await readPassword(false));
  let check: Awaited<ReturnType<typeof checkPassword>>;
  try {
    check = await checkPassword(hash, password, { user: opts.user });
  } catch (err) {
    if (err instanceof UnknownSchemeError) {
      throw new ExitError(`reverse decode check failed: ${err.message}`, EX_DATAERR);
    }
    throw err;
  }
  if (check.result === "invalid")
    throw new ExitError(`reverse decode check failed: ${check.reason}`, EX_DATAERR);
  if (check.result === "mismatch") {
    throw new ExitError("reverse password verification check failed: Password mismatch", 1);
  }
  process.stdout.write(`{${split.scheme}}${split.value} (verified)\n`);
}
