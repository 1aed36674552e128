import { type CommandSpec, POLL_FRESH_MS } from "../command-context.js";

/**
 * NOOP: a chance for the update step (RFC 3501 §6.1.2); the mailbox is re-read first, unless
 * it was re-read just now (its watch re-reads it on every file change anyway).
 */
export const noop: CommandSpec<"NOOP"> = {
  states: ["not-authenticated", "authenticated", "selected"],
  async run(ctx) {
    await ctx.selected?.mailbox.sync({ freshMs: POLL_FRESH_MS });
    return { status: "OK", text: "NOOP completed." };
  },
};
