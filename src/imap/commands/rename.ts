import type { CommandSpec } from "../command-context.js";
import { mailboxArg } from "../mailbox-arg.js";

/** RFC 3501 §6.3.5: children move along; renaming INBOX moves its messages and leaves it empty. */
export const rename: CommandSpec<"RENAME"> = {
  states: ["authenticated", "selected"],
  async run(ctx, command) {
    const from = mailboxArg(ctx, command.mailbox);
    if (typeof from !== "string") return from;
    const to = mailboxArg(ctx, command.newName);
    if (typeof to !== "string") return to;
    await ctx.store.renameMailbox(from, to);
    return { status: "OK", text: "Rename completed." };
  },
};
