// RFC 9042: mailboxidexists and :mailboxid on fileinto.
import { StoreAction } from "../actions.js";
import type { Extension } from "../extension.js";

export const mailboxid: Extension = {
  name: "mailboxid",
  commands: [
    {
      name: "mailboxidexists",
      type: "test",
      positional: ["strings"],
      async evaluate(node, rt) {
        for (const id of rt.strings(node, 0)) if (!(await rt.env.mailboxIdExists(id))) return false;
        return true;
      },
    },
  ],
  tags: [
    {
      to: ["fileinto"],
      tag: {
        name: ":mailboxid",
        param: "string",
        // RFC 9042 §3: the id names the target when it exists; the mailbox name is the fallback.
        modifyAction(action, node, rt) {
          if (action instanceof StoreAction) action.options.mailboxid = rt.tagString(node, ":mailboxid");
        },
      },
    },
  ],
};
