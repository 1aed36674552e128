import type { CommandSpec } from "../command-context.js";

/** CHECK (RFC 3501 §6.4.1): a checkpoint; every change is already on disk, so it re-reads and updates. */
export const check: CommandSpec<"CHECK"> = {
  states: ["selected"],
  async run(ctx) {
    await ctx.selected?.mailbox.sync();
    return { status: "OK", text: "Check completed." };
  },
};
