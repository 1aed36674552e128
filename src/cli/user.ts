import { join } from "node:path";
import type { Command } from "commander";
import {
  checkUserName,
  editPasswdFile,
  hashPassword,
  isKnownScheme,
  type PasswdEntry,
  PasswdFile,
  userInfo,
} from "../auth/index.js";
import { EX_DATAERR, EX_NOUSER, EX_USAGE, ExitError } from "../exit-codes/index.js";
import { type CommandContext, commandContext } from "./context.js";
import { readPassword } from "./read-password.js";

interface EntryOptions {
  password?: string;
  scheme?: string;
  home?: string;
  uid?: string;
  gid?: string;
  field?: string[];
}

export function register(program: Command): void {
  const user = program.command("user").description("manage users in the passwd-file ([auth] passwd_file)");
  const entryOptions = (c: Command) =>
    c
      .option("-p, --password <password>", "password (else asked twice on a terminal, or read from stdin)")
      .option("-s, --scheme <scheme>", "password scheme (default: [auth] default_pass_scheme)")
      .option("--home <dir>", "home directory (default: <state_dir>/home/<user>)")
      .option("--uid <uid>", "system uid owning the user's mail")
      .option("--gid <gid>", "system gid owning the user's mail")
      .option("--field <key=value...>", "extra field, e.g. userdb_quota_rule=*:storage=1G or nologin");

  entryOptions(user.command("add <name>").description("add a user")).action(
    async (name: string, opts: EntryOptions, cmd: Command) => {
      const ctx = commandContext(cmd);
      checkName(ctx, name);
      const entry: PasswdEntry = {
        user: name,
        password: await hashFor(ctx, opts),
        gecos: "",
        home: opts.home ?? join(ctx.stateDir, "home", name),
        shell: "",
        passdbFields: {},
        userdbFields: {},
      };
      applyOptions(entry, opts);
      editPasswdFile(ctx.passwdPath, (lines) => {
        if (lines.get(name))
          throw new ExitError(`user ${name} already exists in ${ctx.passwdPath}`, EX_DATAERR);
        lines.put(entry);
      });
      process.stdout.write(`added ${name}\n`);
    },
  );

  entryOptions(user.command("passwd <name>").description("set a user's password (and other fields)")).action(
    async (name: string, opts: EntryOptions, cmd: Command) => {
      const ctx = commandContext(cmd);
      const hash = await hashFor(ctx, opts);
      editPasswdFile(ctx.passwdPath, (lines) => {
        const entry = lines.get(name);
        if (!entry) throw new ExitError(`no user ${name} in ${ctx.passwdPath}`, EX_NOUSER);
        entry.password = hash;
        applyOptions(entry, opts);
        lines.put(entry);
      });
      process.stdout.write(`updated ${name}\n`);
    },
  );

  user
    .command("del <name>")
    // `delete`, as in `loft mailbox delete` and `loft sieve delete`.
    .alias("delete")
    .description("remove a user from the passwd-file (their mail is left on disk)")
    .action((name: string, _opts, cmd: Command) => {
      const ctx = commandContext(cmd);
      editPasswdFile(ctx.passwdPath, (lines) => {
        if (!lines.remove(name)) throw new ExitError(`no user ${name} in ${ctx.passwdPath}`, EX_NOUSER);
      });
      process.stdout.write(`deleted ${name}\n`);
    });

  user
    .command("list")
    .description("list user names")
    .action((_opts, cmd: Command) => {
      const ctx = commandContext(cmd);
      for (const e of PasswdFile.load(ctx.passwdPath, ctx.log).users()) process.stdout.write(`${e.user}\n`);
    });

  user
    .command("show <name>")
    .description("print a user's userdb fields (never the password hash)")
    .action((name: string, _opts, cmd: Command) => {
      const ctx = commandContext(cmd);
      const entry = PasswdFile.load(ctx.passwdPath, ctx.log).lookup(name);
      if (!entry) throw new ExitError(`no user ${name} in ${ctx.passwdPath}`, EX_NOUSER);
      process.stdout.write(
        formatUserFields(userInfo(entry, { mailLocation: ctx.loaded.config.mail_location })),
      );
    });
}

/** key=value lines as `doveadm user` prints them. */
export function formatUserFields(info: ReturnType<typeof userInfo>): string {
  const fields: [string, string | number | undefined][] = [
    ["user", info.user],
    ["uid", info.uid],
    ["gid", info.gid],
    ["home", info.home],
    ["mail", info.mailLocation],
    ...Object.entries(info.fields),
  ];
  return fields
    .filter(([, v]) => v !== undefined && v !== "")
    .map(([k, v]) => `  ${k}=${v}\n`)
    .join("");
}

function checkName(ctx: CommandContext, name: string): void {
  const problem = checkUserName(name, ctx.loaded.config.auth.username_chars);
  if (problem) throw new ExitError(problem, EX_USAGE);
}

async function hashFor(ctx: CommandContext, opts: EntryOptions): Promise<string> {
  const scheme = opts.scheme ?? ctx.loaded.config.auth.default_pass_scheme;
  if (!isKnownScheme(scheme))
    throw new ExitError(`unknown password scheme ${scheme} (loft pw -l lists them)`, EX_USAGE);
  const password = opts.password ?? (await readPassword(true));
  return hashPassword(scheme, password);
}

function applyOptions(entry: PasswdEntry, opts: EntryOptions): void {
  if (opts.home !== undefined) {
    if (!opts.home.startsWith("/"))
      throw new ExitError(`--home must be an absolute path: ${opts.home}`, EX_USAGE);
    entry.home = opts.home;
  }
  for (const [key, value] of [
    ["uid", opts.uid],
    ["gid", opts.gid],
  ] as const) {
    if (value === undefined) continue;
    if (!/^\d+$/.test(value)) throw new ExitError(`--${key} must be a number: ${value}`, EX_USAGE);
    entry[key] = Number(value);
  }
  for (const field of opts.field ?? []) {
    const eq = field.indexOf("=");
    const key = eq < 0 ? field : field.slice(0, eq);
    const value = eq < 0 ? "" : field.slice(eq + 1);
    if (!/^[A-Za-z0-9_-]+$/.test(key) || /\s/.test(value))
      throw new ExitError(`--field takes key=value without spaces: ${field}`, EX_USAGE);
    if (key.startsWith("userdb_")) entry.userdbFields[key.slice(7)] = value;
    else entry.passdbFields[key] = value;
  }
}
