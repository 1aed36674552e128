import type { CommandSpec } from "../command-context.js";

/** EXPUNGE, and UID EXPUNGE (RFC 4315 §2.1); the EXPUNGE responses come from the update step. */
export const expunge: CommandSpec<"EXPUNGE"> = {
  states: ["selected"],
  async run(ctx, command) {
    const selected = ctx.selected!;
    if (selected.readOnly)
      return { status: "NO", text: "Mailbox is read-only.", code: { name: "READ-ONLY" } };
    if (command.uids === null) await selected.mailbox.expunge();
    else await selected.mailbox.expunge(selected.resolve(command.uids, true, ctx.savedSearch));
    return { status: "OK", text: "Expunge completed." };
  },
};
