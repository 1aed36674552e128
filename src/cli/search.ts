import type { Command } from "commander";
import { printRows, searchMessages, withUserStore } from "./user-mail.js";

/** `loft search -u USER QUERY`: mailbox and UID of each match (doveadm search prints mailbox GUIDs). */
export function register(program: Command): void {
  program
    .command("search <query...>")
    .description("find messages matching a doveadm search query")
    .requiredOption("-u, --user <user>", "the user whose mail to use")
    .option("--json", "print a JSON array")
    .action(async (query: string[], opts: { user: string; json?: boolean }, cmd: Command) => {
      await withUserStore(cmd, opts.user, async (store) => {
        const found = await searchMessages(store, query);
        printRows(
          ["mailbox", "uid"],
          found.map((f) => ({ mailbox: f.mailbox.name, uid: f.info.uid })),
          opts.json === true,
        );
      });
    });
}
