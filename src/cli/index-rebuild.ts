import type { Command } from "commander";
import { withUserStore } from "./user-mail.js";

/** `loft index rebuild -u USER`: forget the index and read the mail files again (doveadm force-resync). */
export function register(program: Command): void {
  program
    .command("index")
    .description("the per-user index")
    .command("rebuild")
    .description("rebuild a user's index from the mail files")
    .requiredOption("-u, --user <user>", "the user whose mail to use")
    .action(async (opts: { user: string }, cmd: Command) => {
      await withUserStore(cmd, opts.user, (store) => store.rebuildIndex());
    });
}
