import type { Command } from "commander";
import { withUserStore } from "./user-mail.js";

/** `loft save -u USER [-m MAILBOX] < message`, like doveadm save. */
export function register(program: Command): void {
  program
    .command("save")
    .description("save a message from standard input into a mailbox (like doveadm save)")
    .requiredOption("-u, --user <user>", "the user whose mail to use")
    .option("-m, --mailbox <name>", "mailbox to save into", "INBOX")
    .action(async (opts: { user: string; mailbox: string }, cmd: Command) => {
      await withUserStore(cmd, opts.user, async (store) => {
        const mailbox = await store.openMailbox(opts.mailbox);
        const { uid } = await mailbox.append(process.stdin);
        process.stderr.write(`saved ${mailbox.name} uid ${uid}\n`);
      });
    });
}
