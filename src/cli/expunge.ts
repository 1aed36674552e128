import type { Command } from "commander";
import { byMailbox, searchMessages, withUserStore } from "./user-mail.js";

/** `loft expunge -u USER QUERY`: like doveadm expunge, removes matches whatever their flags. */
export function register(program: Command): void {
  program
    .command("expunge <query...>")
    .description("expunge messages matching a search query (like doveadm expunge)")
    .requiredOption("-u, --user <user>", "the user whose mail to use")
    .action(async (query: string[], opts: { user: string }, cmd: Command) => {
      await withUserStore(cmd, opts.user, async (store) => {
        for (const [mailbox, uids] of byMailbox(await searchMessages(store, query))) {
          // doveadm expunge does not need \Deleted: mark, then expunge exactly those.
          await mailbox.storeFlags(uids, "add", ["\\Deleted"], []);
          await mailbox.expunge(uids);
        }
      });
    });
}
