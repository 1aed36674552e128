import type { CommandSpec } from "../command-context.js";

/** NOOP: a chance for the update step (RFC 3501 §6.1.2); the mailbox is re-read first. */
export const noop: CommandSpec<"NOOP"> = {
  states: ["not-authenticated", "authenticated", "selected"],
  async run(ctx) {
    await ctx.selected?.mailbox.sync();
    return { status: "OK", text: "NOOP completed." };
  },
};
