// RFC 5490 §3: mailboxexists and :create on fileinto.
import { StoreAction } from "../actions.js";
import type { Extension } from "../extension.js";

export const mailbox: Extension = {
  name: "mailbox",
  commands: [
    {
      name: "mailboxexists",
      type: "test",
      positional: ["strings"],
      async evaluate(node, rt) {
        for (const name of rt.strings(node, 0)) if (!(await rt.env.mailboxExists(name))) return false;
        return true;
      },
    },
  ],
  tags: [
    {
      to: ["fileinto"],
      tag: {
        name: ":create",
        modifyAction(action) {
          if (!(action instanceof StoreAction)) return;
          action.options.create = true;
          action.effects.push("create mailbox if it does not exist");
        },
      },
    },
  ],
};
