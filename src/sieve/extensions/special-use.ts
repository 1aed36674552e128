// RFC 8579: specialuse_exists and :specialuse on fileinto.
import { StoreAction } from "../actions.js";
import type { Extension } from "../extension.js";
import { stringsOf } from "../runtime.js";

/** RFC 6154 flags are `\` followed by an atom. */
const FLAG = /^\\[A-Za-z0-9_]+$/;

export const specialUse: Extension = {
  name: "special-use",
  commands: [
    {
      name: "specialuse_exists",
      type: "test",
      // RFC 8579 §4: `[<mailbox: string>] <special-use-flags: string-list>`.
      positional: ["strings", "strings"],
      optionalPositional: 1,
      validate(node, v) {
        const flags = node.positional[node.positional.length - 1];
        for (const f of stringsOf(flags)) {
          if (!f.includes("${") && !FLAG.test(f)) v.error(flags!.pos, `invalid special-use flag '${f}'`);
        }
        const first = node.positional[0];
        if (node.positional.length === 2 && first?.kind === "strings" && first.bracketed) {
          v.error(first.pos, "specialuse_exists expects a single mailbox name");
        }
      },
      async evaluate(node, rt) {
        const mailbox = node.positional.length === 2 ? rt.string(node, 0) : null;
        const flags = rt.strings(node, node.positional.length - 1);
        if (!flags.every((f) => FLAG.test(f))) return false;
        return rt.env.specialUseExists(mailbox, flags);
      },
    },
  ],
  tags: [
    {
      to: ["fileinto"],
      tag: {
        name: ":specialuse",
        param: "string",
        validate(_node, param, v) {
          const flag = stringsOf(param)[0] ?? "";
          if (!flag.includes("${") && !FLAG.test(flag))
            v.error(param!.pos, `invalid special-use flag '${flag}'`);
        },
        modifyAction(action, node, rt) {
          if (!(action instanceof StoreAction)) return;
          const flag = rt.tagString(node, ":specialuse") ?? "";
          action.options.specialuse = flag;
          // RFC 8579 §3: the mailbox with that flag is used when one exists, else the named one.
          action.effects.push(`use mailbox with special-use flag ${flag} if it exists`);
        },
      },
    },
  ],
};
