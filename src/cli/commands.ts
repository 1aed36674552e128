import type { Command } from "commander";

interface CommandModule {
  register(program: Command): void;
}

/**
 * Every subcommand module exports `register(program)`. A run loads only the module of the
 * command it was given (start-up time is what a per-message delivery pays); help loads all.
 */
export const COMMANDS: { names: string[]; load: () => Promise<CommandModule> }[] = [
  { names: ["serve"], load: () => import("./serve.js") },
  { names: ["config"], load: () => import("./config.js") },
  { names: ["user"], load: () => import("./user.js") },
  { names: ["auth"], load: () => import("./auth.js") },
  { names: ["pw"], load: () => import("./pw.js") },
  { names: ["deliver"], load: () => import("./deliver.js") },
  { names: ["sieve-test"], load: () => import("./sieve-test.js") },
  { names: ["sieve"], load: () => import("./sieve-check.js") },
  { names: ["sieve"], load: () => import("./sieve-scripts.js") },
  { names: ["mailbox"], load: () => import("./mailbox.js") },
  { names: ["save"], load: () => import("./save.js") },
  { names: ["fetch"], load: () => import("./fetch.js") },
  { names: ["search"], load: () => import("./search.js") },
  { names: ["flags"], load: () => import("./flags.js") },
  { names: ["expunge"], load: () => import("./expunge.js") },
  { names: ["copy", "move"], load: () => import("./copy-move.js") },
  { names: ["index"], load: () => import("./index-rebuild.js") },
  { names: ["quota"], load: () => import("./quota.js") },
  { names: ["sync"], load: () => import("./sync.js") },
  { names: ["purge"], load: () => import("./purge.js") },
];

/** The modules for the subcommand named in `args` (after global options), or all of them. */
export async function loadCommands(args: string[]): Promise<CommandModule[]> {
  let word: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "-c" || a === "--config") i++;
    else if (!a.startsWith("-")) {
      word = a;
      break;
    }
  }
  const chosen = COMMANDS.filter((c) => word !== undefined && c.names.includes(word));
  return Promise.all((chosen.length > 0 ? chosen : COMMANDS).map((c) => c.load()));
}
