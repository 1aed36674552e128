import type { CommandSpec } from "../command-context.js";

/** NOOP and CHECK: a chance for the update step (RFC 3501 §6.1.2, §6.4.1); the mailbox is re-read first. */
export const noop: CommandSpec<"NOOP"> = {
  states: ["not-authenticated", "authenticated", "selected"],
  async run(ctx) {
    await ctx.selected?.mailbox.sync();
    return { status: "OK", text: "NOOP completed." };
  },
};

export const check: CommandSpec<"CHECK"> = {
  states: ["selected"],
  async run(ctx) {
    await ctx.selected?.mailbox.sync();
    return { status: "OK", text: "Check completed." };
  },
};
