// RFC 5260 §6: :index and :last on header, address and date select one field occurrence.
import type { Extension } from "../extension.js";

export const index: Extension = {
  name: "index",
  tags: [
    {
      to: ["header", "address", "date"],
      tag: {
        name: ":index",
        param: "number",
        validate(_node, param, v) {
          if (param?.kind === "number" && param.value < 1)
            v.error(param.pos, "the :index tag requires a positive number");
        },
        selectOccurrences(values, node) {
          const n = node.tags.get(":index");
          if (n?.kind !== "number") return values;
          const at = node.tags.has(":last") ? values.length - n.value : n.value - 1;
          return at >= 0 && at < values.length ? [values[at]!] : [];
        },
      },
    },
    {
      to: ["header", "address", "date"],
      tag: {
        name: ":last",
        validate(node, _param, v) {
          if (!node.tags.has(":index")) v.error(node.pos, "the :last tag requires the :index tag");
        },
      },
    },
  ],
};
