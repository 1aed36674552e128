import type { CommandSpec } from "../command-context.js";
import { mailboxArg } from "../mailbox-arg.js";

export const deleteMailbox: CommandSpec<"DELETE"> = {
  states: ["authenticated", "selected"],
  async run(ctx, command) {
    const name = mailboxArg(ctx, command.mailbox);
    if (typeof name !== "string") return name;
    if (name === "INBOX") return { status: "NO", text: "INBOX can't be deleted." };
    // Dovecot closes the selected mailbox before deleting it (cmd-delete.c).
    if (ctx.selected?.name === name) ctx.select(null);
    await ctx.store.deleteMailbox(name);
    return { status: "OK", text: "Delete completed." };
  },
};
