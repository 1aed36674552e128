// RFC 6134: externally stored lists — the :list match type and valid_ext_list (local lists
// supplied by the environment).
import type { Extension, MatchType } from "../extension.js";

const list: MatchType = {
  tag: ":list",
  // RFC 6134 §2.3: values are looked up in the named lists; no match variables are set.
  match(values, keys, _comparator, _param, ctx) {
    for (const name of keys) {
      const members = ctx.runtime.env.listMembers(name);
      if (members === null) continue;
      const set = new Set(members.map((m) => m.toLowerCase()));
      if (values.some((v) => set.has(v.toLowerCase()))) return true;
    }
    return false;
  },
};

export const extlists: Extension = {
  name: "extlists",
  matchTypes: [list],
  commands: [
    {
      name: "valid_ext_list",
      type: "test",
      positional: ["strings"],
      evaluate(node, rt) {
        return rt.strings(node, 0).every((name) => rt.env.listMembers(name) !== null);
      },
    },
  ],
};
