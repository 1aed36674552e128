import type { CommandSpec } from "../command-context.js";
import { untaggedStatus } from "../protocol/index.js";
import { copyTarget, copyUid } from "./copy-target.js";
import { checkSequenceSet } from "./fetch.js";

/** RFC 6851: COPYUID comes untagged before the EXPUNGEs, which the update step sends. */
export const move: CommandSpec<"MOVE"> = {
  states: ["selected"],
  async run(ctx, command) {
    const selected = ctx.selected!;
    const invalid = checkSequenceSet(selected, command.set, command.uid, command.uid ? "UID MOVE" : "MOVE");
    if (invalid !== null) return invalid;
    if (selected.readOnly)
      return { status: "NO", text: "Mailbox is read-only.", code: { name: "READ-ONLY" } };
    const target = await copyTarget(ctx, command.mailbox);
    if (typeof target !== "string") return target;
    const uids = selected.resolve(command.set, command.uid, ctx.savedSearch);
    if (uids.length === 0) return { status: "OK", text: "No messages found." };
    const result = await selected.mailbox.move(uids, target);
    const code = copyUid(result);
    if (code !== null) ctx.send(untaggedStatus("OK", "Moved UIDs.", code));
    return { status: "OK", text: "Move completed." };
  },
};
