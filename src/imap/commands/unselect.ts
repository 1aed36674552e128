import type { CommandSpec } from "../command-context.js";

/** RFC 3691: leaves the mailbox without expunging. */
export const unselect: CommandSpec<"UNSELECT"> = {
  states: ["selected"],
  async run(ctx) {
    ctx.select(null);
    return { status: "OK", text: "Unselect completed." };
  },
};
