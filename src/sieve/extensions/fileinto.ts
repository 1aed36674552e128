// RFC 5228 §4.1: fileinto.
import { StoreAction } from "../actions.js";
import { applyActionTags } from "../core/modifiers.js";
import type { Extension } from "../extension.js";
import { SieveRuntimeError } from "../result.js";
import { stringsOf } from "../runtime.js";

export const fileinto: Extension = {
  name: "fileinto",
  commands: [
    {
      name: "fileinto",
      type: "command",
      positional: ["string"],
      validate(node, v) {
        const name = stringsOf(node.positional[0])[0] ?? "";
        if (name === "") v.error(node.positional[0]!.pos, "fileinto command: mailbox name is empty");
      },
      async execute(node, rt) {
        const mailbox = rt.string(node, 0);
        if (mailbox === "")
          throw new SieveRuntimeError("fileinto command: mailbox name is empty", node.pos.line);
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
