// `loft sieve list|get|put|activate|deactivate|delete|rename -u USER`: a user's scripts, as
// `doveadm sieve` manages them, in the same place and with the same checks as ManageSieve.
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { EX_DATAERR, EX_NOUSER, EX_USAGE, ExitError } from "../exit-codes/index.js";
import { SieveEngine } from "../sieve/index.js";
import {
  engineSettings,
  parseScriptLocation,
  ScriptError,
  SieveScriptStore,
} from "../sieve-scripts/index.js";
import { commandContext } from "./context.js";

/** doveadm's exit code for "not found". */
const EX_NOTFOUND = 68;

async function openScripts(cmd: Command): Promise<{ scripts: SieveScriptStore; engine: SieveEngine }> {
  const ctx = commandContext(cmd);
  const { user } = cmd.opts<{ user: string }>();
  const info = await ctx.openAuth().lookup(user);
  if (!info) throw new ExitError(`no user ${user}`, EX_NOUSER);
  if (!info.home) throw new ExitError(`user ${user} has no home directory`, EX_DATAERR);
  const { sieve } = ctx.loaded.config;
  const scripts = new SieveScriptStore(
    parseScriptLocation(sieve.location, info.home),
    {
      maxScripts: sieve.quota_max_scripts,
      maxStorage: sieve.quota_max_storage,
      maxScriptSize: sieve.max_script_size,
    },
    info,
  );
  const engine = new SieveEngine(engineSettings(ctx.loaded.config));
  return { scripts, engine };
}

/** Runs an action, turning a refusal into its exit code. */
async function refusing(action: () => unknown): Promise<void> {
  try {
    await action();
  } catch (err) {
    if (!(err instanceof ScriptError)) throw err;
    const code = err.code === "NONEXISTENT" ? EX_NOTFOUND : err.code === "BADNAME" ? EX_USAGE : EX_DATAERR;
    throw new ExitError(err.message, code);
  }
}

export function register(program: Command): void {
  const sieve =
    program.commands.find((c) => c.name() === "sieve") ??
    program.command("sieve").description("Sieve script tools");
  const sub = (name: string, description: string) =>
    sieve
      .command(name)
      .description(description)
      .requiredOption("-u, --user <user>", "the user whose scripts these are");

  const list = sub("list", "list the user's scripts; the active one is marked ACTIVE");
  list.action(() =>
    refusing(async () => {
      for (const s of (await openScripts(list)).scripts.list())
        process.stdout.write(`${s.name}${s.active ? " ACTIVE" : ""}\n`);
    }),
  );

  const get = sub("get", "print a script").argument("<name>");
  get.action((name: string) =>
    refusing(async () => process.stdout.write((await openScripts(get)).scripts.read(name))),
  );

  const put = sub("put", "store a script read from standard input (compiled first; errors refuse it)")
    .argument("<name>")
    .option("-a, --activate", "also make it the active script");
  put.action((name: string) =>
    refusing(async () => {
      const { scripts, engine } = await openScripts(put);
      const content = readFileSync(0);
      scripts.checkSpace(name, content.length);
      const compiled = engine.compile(content.toString("utf8"), name);
      if (!compiled.ok) {
        const lines = compiled.errors.map((e) => `${name}: line ${e.pos.line}: error: ${e.message}`);
        throw new ExitError(`script not stored:\n${lines.join("\n")}`, EX_DATAERR);
      }
      scripts.put(name, content);
      if (put.opts<{ activate?: boolean }>().activate) scripts.activate(name);
    }),
  );

  const activate = sub("activate", "make a script the active one").argument("<name>");
  activate.action((name: string) =>
    refusing(async () => (await openScripts(activate)).scripts.activate(name)),
  );

  const deactivate = sub("deactivate", "leave the user with no active script");
  deactivate.action(() => refusing(async () => (await openScripts(deactivate)).scripts.activate(null)));

  const del = sub("delete", "delete scripts (not the active one)").argument("<names...>");
  del.action((names: string[]) =>
    refusing(async () => {
      const { scripts } = await openScripts(del);
      for (const name of names) scripts.delete(name);
    }),
  );

  const rename = sub("rename", "rename a script").argument("<old>").argument("<new>");
  rename.action((from: string, to: string) =>
    refusing(async () => (await openScripts(rename)).scripts.rename(from, to)),
  );
}
