import type { Command } from "commander";
import { printRows, withUserStore } from "./user-mail.js";

/** `loft purge -u USER` (doveadm purge): give back the space of expunged mdbox messages. */
export function register(program: Command): void {
  program
    .command("purge")
    .description("reclaim the space of expunged messages (mdbox; other formats have none to reclaim)")
    .requiredOption("-u, --user <user>", "the user whose mail to use")
    .option("--json", "print a JSON array")
    .action(async (opts: { user: string; json?: boolean }, cmd: Command) => {
      await withUserStore(cmd, opts.user, async (store) => {
        const result = await store.purge();
        printRows(["files", "bytes"], [{ files: result.files, bytes: result.bytes }], opts.json === true);
      });
    });
}
