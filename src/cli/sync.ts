import type { Command } from "commander";
import { EX_USAGE, ExitError } from "../exit-codes/index.js";
import { type SyncReport, syncUserMail } from "../mail-sync/index.js";
import { type MailLocation, openUserStore, parseMailLocation } from "../store/index.js";
import { userStoreOptions } from "../user-mail/index.js";
import { terminalProgress } from "./progress-bar.js";
import { withUserStore } from "./user-mail.js";

function samePlace(a: MailLocation, b: MailLocation): boolean {
  return a.root === b.root || (a.inbox !== undefined && a.inbox === b.inbox);
}

/**
 * `loft sync -u USER --to LOCATION`: copies a user's whole mail into another location or format
 * (doveadm sync -1 to a new location), keeping UIDs, UIDVALIDITY, flags, keywords, dates and
 * subscriptions. Run it again to continue an interrupted copy or to bring the copy up to date.
 */
export function register(program: Command): void {
  program
    .command("sync")
    .description("copy a user's whole mail into another location or format (e.g. maildir to mdbox)")
    .requiredOption("-u, --user <user>", "the user whose mail to copy")
    .requiredOption("--to <location>", "the target mail_location, e.g. mdbox:~/mdbox")
    .action(async (opts: { user: string; to: string }, cmd: Command) => {
      await withUserStore(cmd, opts.user, async (source, user, ctx) => {
        const options = userStoreOptions(user, ctx.loaded.config, ctx.log);
        const vars = { user: user.user, home: user.home };
        const from = parseMailLocation(options.mailLocation, vars);
        const to = parseMailLocation(opts.to, vars);
        if (samePlace(from, to)) {
          throw new ExitError(`--to ${opts.to}: that is where ${user.user}'s mail already is`, EX_USAGE);
        }
        const target = await openUserStore({ ...options, mailLocation: opts.to });
        const progress = terminalProgress(`${user.user} → ${to.format}`);
        let report: SyncReport;
        try {
          report = await syncUserMail(source, target, progress);
        } finally {
          progress.stop();
          target.close();
        }
        for (const { mailbox, uid } of report.lost) {
          ctx.log.warn({ mailbox, uid }, "message not copied: the target already used its UID");
        }
        process.stdout.write(
          `${report.mailboxes} mailboxes: ${report.copied} messages copied, ` +
            `${report.flagsUpdated} flag changes, ${report.expunged} expunged in the target\n`,
        );
      });
    });
}
