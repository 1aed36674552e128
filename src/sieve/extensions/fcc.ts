// RFC 8580: :fcc on vacation and notify — file a copy of the sent message into a mailbox.
import type { JsonValue } from "../actions.js";
import type { Extension } from "../extension.js";
import { stringsOf } from "../runtime.js";

export const fcc: Extension = {
  name: "fcc",
  tags: [
    {
      to: ["vacation", "notify"],
      tag: {
        name: ":fcc",
        param: "string",
        validate(_node, param, v) {
          if ((stringsOf(param)[0] ?? "") === "") v.error(param!.pos, "the :fcc mailbox name is empty");
        },
        modifyAction(action, node, rt) {
          const options = (action as { options?: Record<string, JsonValue> }).options;
          if (options !== undefined) options.fcc = rt.tagString(node, ":fcc");
        },
      },
    },
  ],
};
