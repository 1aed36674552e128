import type { CommandSpec } from "../command-context.js";
import { mailboxArg } from "../mailbox-arg.js";

export const create: CommandSpec<"CREATE"> = {
  states: ["authenticated", "selected"],
  async run(ctx, command) {
    const name = mailboxArg(ctx, command.mailbox);
    if (typeof name !== "string") return name;
    await ctx.store.createMailbox(name);
    return { status: "OK", text: "Create completed." };
  },
};
