import type { CommandSpec } from "../command-context.js";

/** RFC 3501 §6.4.2: expunges \Deleted messages silently (unless read-only), then leaves. */
export const close: CommandSpec<"CLOSE"> = {
  states: ["selected"],
  async run(ctx) {
    const selected = ctx.selected!;
    ctx.select(null);
    if (!selected.readOnly) await selected.mailbox.expunge();
    return { status: "OK", text: "Close completed." };
  },
};
