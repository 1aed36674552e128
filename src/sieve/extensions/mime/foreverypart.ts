// RFC 5703 §3: foreverypart loops over MIME parts; break leaves the innermost (or named) loop.
import type { Extension } from "../../extension.js";
import { stringsOf } from "../../runtime.js";
import { loopParts } from "./parts.js";

export const foreverypart: Extension = {
  name: "foreverypart",
  commands: [
    {
      name: "foreverypart",
      type: "command",
      block: true,
      tags: [{ name: ":name", param: "string" }],
      async execute(node, rt) {
        const name = stringsOf(node.tags.get(":name"))[0] ?? null;
        const saved = rt.currentPart;
        try {
          for (const part of loopParts(rt)) {
            rt.checkDeadline(node.pos.line);
            rt.currentPart = part;
            rt.trace(
              node.pos.line,
              `foreverypart loop: ${part.contentType.type}/${part.contentType.subtype} part`,
            );
            const signal = await rt.hooks.executeBlock(node.block ?? []);
            if (signal === undefined) continue;
            if (signal.kind === "break" && (signal.name === null || signal.name === name)) return undefined;
            return signal;
          }
          return undefined;
        } finally {
          rt.currentPart = saved;
        }
      },
    },
    {
      name: "break",
      type: "command",
      tags: [{ name: ":name", param: "string" }],
      validate(node, v) {
        const loops = v.ancestors.filter((a) => a.name === "foreverypart");
        const name = stringsOf(node.tags.get(":name"))[0];
        if (loops.length === 0)
          v.error(node.pos, "the break command is only allowed inside a foreverypart loop");
        else if (name !== undefined && !loops.some((l) => stringsOf(l.tags.get(":name"))[0] === name)) {
          v.error(node.pos, `the break command names no enclosing foreverypart loop '${name}'`);
        }
      },
      execute(node) {
        return { kind: "break", name: stringsOf(node.tags.get(":name"))[0] ?? null };
      },
    },
  ],
};
