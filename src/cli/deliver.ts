// `loft deliver` and `loft-lda`: a drop-in for dovecot-lda. One message on stdin (or -p FILE)
// for one user, with Sieve; the exit code tells the MTA what happened (protocols.md §2):
// 0 delivered (or rejected and the rejection sent), 64 bad usage, 67 unknown user,
// 75 temporary failure, 77 permanent rejection with -e, 78 bad configuration.
import { readFileSync } from "node:fs";
import { userInfo as osUser } from "node:os";
import type { Command } from "commander";
import { PasswdFile, UserLookup } from "../auth/index.js";
// Not the config face: the bundle would then load the schema library even when the cache is warm.
import { loadConfigCached } from "../config/cached-load.js";
import { ConfigError } from "../config/config-error.js";
import { configPath } from "../config/config-file.js";
import { Delivery, lazySieveEngine } from "../delivery/index.js";
import {
  EX_CONFIG,
  EX_NOPERM,
  EX_NOUSER,
  EX_OK,
  EX_TEMPFAIL,
  EX_USAGE,
  ExitError,
} from "../exit-codes/index.js";
import { createLogger } from "../log/index.js";
// Not the server face either: it would bring the whole server (IMAP, LMTP, TLS) into the bundle.
import { type Account, dropPrivileges, resolveAccount } from "../server/privileges.js";
import { keepUidlistStatesOnDisk } from "../store/index.js";
import { getopt } from "./getopt.js";

export interface LdaOptions {
  config?: string;
  /** -d: destination user. */
  user?: string;
  /** -f: envelope sender. */
  from?: string;
  /** -a: original recipient. */
  original?: string;
  /** -r: final recipient. */
  final?: string;
  /** -m: default mailbox. */
  mailbox?: string;
  /** -p: message file instead of stdin. */
  path?: string;
  /** -e: refuse in the exit code instead of sending a rejection mail. */
  refuseByExitCode?: boolean;
}

/** A leading mbox `From sender date` line: dropped, its address the default sender. */
function stripFromLine(message: Buffer): { message: Buffer; sender: string | null } {
  if (message.subarray(0, 5).toString("latin1") !== "From ") return { message, sender: null };
  const eol = message.indexOf(0x0a);
  const line = message.subarray(5, eol < 0 ? message.length : eol).toString("latin1");
  const sender = line.trim().split(/\s+/)[0] ?? "";
  return { message: eol < 0 ? Buffer.alloc(0) : message.subarray(eol + 1), sender };
}

/** dovecot-lda accepts a broken -f and treats it as the null sender. */
function senderAddress(value: string): string {
  const bare = value.trim().replace(/^<(.*)>$/, "$1");
  return bare === "" || /\s/.test(bare) ? "" : bare;
}

/** Runs one delivery; the result is the exit code and, for failures, the reason for stderr. */
export async function runLda(opts: LdaOptions): Promise<{ code: number; reason?: string }> {
  let loaded: Awaited<ReturnType<typeof loadConfigCached>>;
  try {
    loaded = await loadConfigCached(opts.config);
  } catch (err) {
    if (err instanceof ConfigError) return { code: EX_CONFIG, reason: err.message };
    throw err;
  }
  const { config } = loaded;
  let user = opts.user;
  if (user === undefined) {
    // Without -d the invoking user is the destination; root must say whom (as dovecot-lda).
    if (process.getuid?.() === 0)
      return { code: EX_USAGE, reason: "destination user parameter (-d user) not given" };
    user = process.env.USER || osUser().username;
  }
  if (user === "") return { code: EX_USAGE, reason: "empty destination user" };
  let raw: Buffer;
  try {
    raw = opts.path !== undefined ? readFileSync(opts.path) : readFileSync(0);
  } catch (err) {
    return { code: EX_TEMPFAIL, reason: `cannot read the message: ${(err as Error).message}` };
  }
  const { message, sender } = stripFromLine(raw);
  const from = senderAddress(opts.from ?? sender ?? "MAILER-DAEMON");
  const log = createLogger({
    ...config.log,
    path: config.log.path && configPath(loaded, config.log.path),
    fd: 2,
  }).child({ protocol: "lda" });
  let userdb: UserLookup;
  try {
    userdb = UserLookup.fromConfig(
      PasswdFile.load(configPath(loaded, config.auth.passwd_file), log),
      config,
      (path) => configPath(loaded, path),
    );
  } catch (err) {
    return { code: EX_TEMPFAIL, reason: `userdb lookup failed: ${(err as Error).message}` };
  }
  if (process.geteuid?.() === 0) {
    // As dovecot-lda run by root: become the user before touching mail, so Sieve's programs and
    // every file written run with the user's rights (userdb uid/gid, else the `user` account).
    let account: Account | null;
    try {
      account = await deliveryAccount(userdb, user, config.user, config.group);
    } catch (err) {
      if (err instanceof ConfigError) return { code: EX_CONFIG, reason: err.message };
      if (err instanceof ExitError) return { code: err.exitCode, reason: err.message };
      return { code: EX_TEMPFAIL, reason: `userdb lookup failed: ${(err as Error).message}` };
    }
    if (account !== null) dropPrivileges(account);
  }
  // A process per message: what it learns of a big Maildir's uidlist is kept for the next one.
  keepUidlistStatesOnDisk();
  const delivery = new Delivery({ config, userdb, log, engine: lazySieveEngine(config) });
  const recipient = opts.final || opts.original || user;
  const [outcome] = await delivery.deliver(
    message,
    { from, trace: null, rejectBy: opts.refuseByExitCode ? "reply" : "mail", remoteIp: null },
    [
      {
        address: recipient,
        user,
        ...(opts.original ? { original: opts.original } : {}),
        ...(opts.mailbox ? { mailbox: opts.mailbox } : {}),
      },
    ],
  );
  switch (outcome!.status) {
    case "delivered":
      return { code: EX_OK };
    case "unknown-user":
      return { code: EX_NOUSER, reason: `User doesn't exist: ${user}` };
    case "tempfail":
      return { code: EX_TEMPFAIL, reason: outcome!.message };
    case "rejected":
      return outcome!.mailed ? { code: EX_OK } : { code: EX_NOPERM, reason: outcome!.reason };
    case "over-quota": {
      const reason = "Quota exceeded (mailbox for user is full)";
      if (config.delivery.quota_full_tempfail) return { code: EX_TEMPFAIL, reason };
      if (opts.refuseByExitCode) return { code: EX_NOPERM, reason };
      // Without -e the sender is told by mail, as dovecot-lda does; if that fails, the MTA retries.
      return (await delivery.bounce(message, from, recipient, reason))
        ? { code: EX_OK }
        : { code: EX_TEMPFAIL, reason: `${reason}; and the rejection could not be sent` };
    }
  }
}

/** Whom a root LDA becomes for `user`: null for an unknown user (the delivery reports it) or no account at all. */
async function deliveryAccount(
  userdb: UserLookup,
  user: string,
  configUser: string,
  configGroup: string,
): Promise<Account | null> {
  const info = await userdb.lookup(user);
  if (info === undefined) return null;
  if (info.uid !== undefined && info.uid !== 0) {
    // Dovecot refuses the same ("User is missing GID"): guessing a group could expose the mail.
    if (info.gid === undefined) throw new ExitError(`userdb gives ${user} a uid but no gid`, EX_TEMPFAIL);
    return { name: user, uid: info.uid, gid: info.gid };
  }
  return resolveAccount(configUser, configGroup);
}

/** `loft-lda` with dovecot-lda's getopt options; -o and -k are accepted and ignored. */
const LDA_USAGE =
  "usage: loft-lda [-c CONFIG] [-d USER] [-f SENDER] [-a ORIG_RCPT] [-r FINAL_RCPT] [-m MAILBOX] [-p PATH] [-e] (message on stdin)";

export async function ldaMain(argv: string[]): Promise<number> {
  let values: ReturnType<typeof parseLdaArgs>;
  try {
    values = parseLdaArgs(argv);
  } catch (err) {
    process.stderr.write(`loft-lda: ${(err as Error).message}\n${LDA_USAGE}\n`);
    return EX_USAGE;
  }
  const result = await runLda(values);
  if (result.reason !== undefined) process.stderr.write(`${result.reason}\n`);
  return result.code;
}

function parseLdaArgs(argv: string[]): LdaOptions {
  const { options, operands } = getopt(argv, "cdfarmpo", "ek");
  if (operands.length > 0) throw new Error(`unexpected argument: ${operands[0]}`);
  // The last of a repeated option counts, as in dovecot-lda.
  const values = new Map(options);
  const text = (letter: string) => {
    const v = values.get(letter);
    return typeof v === "string" ? v : undefined;
  };
  for (const key of ["a", "r"]) {
    const v = text(key);
    if (v !== undefined && (v === "" || /\s/.test(v))) throw new Error(`invalid -${key} address: ${v}`);
  }
  const [config, user, from, original, final, mailbox, path] = ["c", "d", "f", "a", "r", "m", "p"].map(text);
  return {
    ...(config !== undefined ? { config } : {}),
    ...(user !== undefined ? { user } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(original !== undefined ? { original } : {}),
    ...(final !== undefined ? { final } : {}),
    ...(mailbox !== undefined ? { mailbox } : {}),
    ...(path !== undefined ? { path } : {}),
    refuseByExitCode: values.has("e"),
  };
}

export function register(program: Command): void {
  program
    .command("deliver")
    .description(
      "deliver one message from stdin to a user, with Sieve (dovecot-lda's options; also loft-lda)",
    )
    .option("-d, --user <user>", "destination user (default: the invoking user)")
    .option("-f, --from <address>", "envelope sender (default: the mbox From_ line, else MAILER-DAEMON)")
    .option("-a, --original <address>", "original recipient")
    .option("-r, --final <address>", "final recipient (Sieve's envelope :to)")
    .option("-m, --mailbox <name>", "mailbox instead of INBOX")
    .option("-p, --path <file>", "read the message from this file instead of stdin")
    .option(
      "-e, --refuse-by-exit-code",
      "on rejection, print the reason and exit 77 instead of mailing the sender",
    )
    .action(async (opts: LdaOptions, cmd: Command) => {
      const result = await runLda({ ...opts, config: cmd.optsWithGlobals().config });
      if (result.code !== EX_OK) throw new ExitError(result.reason ?? "delivery failed", result.code);
    });
}
