import type { Command } from "commander";
import { EX_USAGE, ExitError } from "../exit-codes/index.js";
import { type FlagOperation, parseSystemFlag, type SystemFlag } from "../store/index.js";
import { byMailbox, searchMessages, withUserStore } from "./user-mail.js";

function splitFlags(text: string): { flags: SystemFlag[]; keywords: string[] } {
  const flags: SystemFlag[] = [];
  const keywords: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (word.startsWith("\\")) {
      const flag = parseSystemFlag(word);
      if (!flag) throw new ExitError(`unknown system flag ${word}`, EX_USAGE);
      flags.push(flag);
    } else {
      keywords.push(word);
    }
  }
  return { flags, keywords };
}

/** `loft flags add|remove|replace -u USER FLAGS QUERY`, like doveadm flags. */
export function register(program: Command): void {
  const command = program
    .command("flags")
    .description("change flags and keywords of messages (like doveadm flags)");
  for (const operation of ["add", "remove", "replace"] as FlagOperation[]) {
    command
      .command(`${operation} <flags> <query...>`)
      .description(`${operation} flags ("\\Seen \\Flagged $Label1") on messages matching a search query`)
      .requiredOption("-u, --user <user>", "the user whose mail to use")
      .action(async (flagText: string, query: string[], opts: { user: string }, cmd: Command) => {
        const { flags, keywords } = splitFlags(flagText);
        await withUserStore(cmd, opts.user, async (store) => {
          for (const [mailbox, uids] of byMailbox(await searchMessages(store, query))) {
            await mailbox.storeFlags(uids, operation, flags, keywords);
          }
        });
      });
  }
}
