import type { CommandSpec } from "../command-context.js";
import { copyTarget, copyUid } from "./copy-target.js";
import { checkSequenceSet } from "./fetch.js";

export const copy: CommandSpec<"COPY"> = {
  states: ["selected"],
  async run(ctx, command) {
    const selected = ctx.selected!;
    const invalid = checkSequenceSet(selected, command.set, command.uid, command.uid ? "UID COPY" : "COPY");
    if (invalid !== null) return invalid;
    const target = await copyTarget(ctx, command.mailbox);
    if (typeof target !== "string") return target;
    const uids = selected.resolve(command.set, command.uid, ctx.savedSearch);
    if (uids.length === 0) return { status: "OK", text: "No messages found." };
    const result = await selected.mailbox.copy(uids, target);
    return { status: "OK", text: "Copy completed.", code: copyUid(result) };
  },
};
