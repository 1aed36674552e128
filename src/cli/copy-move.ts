import type { Command } from "commander";
import { byMailbox, printRows, searchMessages, withUserStore } from "./user-mail.js";

/** `loft copy|move -u USER DEST QUERY`, like doveadm copy/move; prints the UID pairs. */
export function register(program: Command): void {
  for (const action of ["copy", "move"] as const) {
    program
      .command(`${action} <destination> <query...>`)
      .description(`${action} messages matching a search query into a mailbox`)
      .requiredOption("-u, --user <user>", "the user whose mail to use")
      .option("--json", "print a JSON array")
      .action(
        async (
          destination: string,
          query: string[],
          opts: { user: string; json?: boolean },
          cmd: Command,
        ) => {
          await withUserStore(cmd, opts.user, async (store) => {
            const rows: Record<string, string | number>[] = [];
            for (const [mailbox, uids] of byMailbox(await searchMessages(store, query))) {
              const result = await mailbox[action](uids, destination);
              for (const [from, to] of result.uids)
                rows.push({ mailbox: mailbox.name, uid: from, "dest-uid": to });
            }
            printRows(["mailbox", "uid", "dest-uid"], rows, opts.json === true);
          });
        },
      );
  }
}
