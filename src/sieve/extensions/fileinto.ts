// RFC 5228 §4.1: fileinto. Whether the mailbox can be stored into (an empty or invalid name,
// a missing mailbox) is found out by delivery, as with Pigeonhole: that is a runtime failure
// which falls back to the implicit keep.
import { StoreAction } from "../actions.js";
import { applyActionTags } from "../core/modifiers.js";
import type { Extension } from "../extension.js";

export const fileinto: Extension = {
  name: "fileinto",
  commands: [
    {
      name: "fileinto",
      type: "command",
      positional: ["string"],
      async execute(node, rt) {
        const mailbox = rt.string(node, 0);
        const action = new StoreAction("fileinto", mailbox, node.pos.line);
        action.flags = rt.keepFlags();
        await applyActionTags(action, node, rt);
        rt.trace(node.pos.line, "fileinto action");
        rt.trace(node.pos.line, `store message in mailbox \`${mailbox}'`, 1);
        rt.result.add(action);
        return undefined;
      },
    },
  ],
};
