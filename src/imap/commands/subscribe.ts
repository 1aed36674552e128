import type { CommandSpec } from "../command-context.js";
import { mailboxArg } from "../mailbox-arg.js";

export const subscribe: CommandSpec<"SUBSCRIBE" | "UNSUBSCRIBE"> = {
  states: ["authenticated", "selected"],
  async run(ctx, command) {
    const name = mailboxArg(ctx, command.mailbox);
    if (typeof name !== "string") return name;
    if (command.name === "SUBSCRIBE") {
      await ctx.store.subscribe(name);
      return { status: "OK", text: "Subscribe completed." };
    }
    await ctx.store.unsubscribe(name);
    return { status: "OK", text: "Unsubscribe completed." };
  },
};
