import type { CommandSpec } from "../command-context.js";
import { mailboxArg } from "../mailbox-arg.js";
import { statusResponse } from "../status-items.js";

export const status: CommandSpec<"STATUS"> = {
  states: ["authenticated", "selected"],
  async run(ctx, command) {
    const name = mailboxArg(ctx, command.mailbox);
    if (typeof name !== "string") return name;
    // RFC 7162 §3.1: STATUS (HIGHESTMODSEQ) is a CONDSTORE-enabling command.
    if (command.items.includes("HIGHESTMODSEQ")) ctx.condstore = true;
    ctx.send(statusResponse(name, await ctx.store.status(name), command.items));
    return { status: "OK", text: "Status completed." };
  },
};
