import type { Command } from "commander";
import type { QuotaUsage } from "../store/index.js";
import { printRows, withUserStore } from "./user-mail.js";

function rows(usage: QuotaUsage): Record<string, string | number>[] {
  return [
    { type: "STORAGE", value: usage.storage, limit: usage.storageLimit ?? "-" },
    { type: "MESSAGE", value: usage.messages, limit: usage.messageLimit ?? "-" },
  ];
}

/** `loft quota get|recalc -u USER`, like doveadm quota (limits from the userdb's quota_rule). */
export function register(program: Command): void {
  const quota = program.command("quota").description("a user's quota usage, kept in the index");
  for (const action of ["get", "recalc"] as const) {
    quota
      .command(action)
      .description(action === "get" ? "print usage and limits" : "recount usage from the mail files")
      .requiredOption("-u, --user <user>", "the user whose mail to use")
      .option("--json", "print a JSON array")
      .action(async (opts: { user: string; json?: boolean }, cmd: Command) => {
        await withUserStore(cmd, opts.user, async (store) => {
          const usage = action === "get" ? await store.quota() : await store.recalcQuota();
          printRows(["type", "value", "limit"], rows(usage), opts.json === true);
        });
      });
  }
}
