// RFC 5703 §3: foreverypart loops over MIME parts; break leaves the innermost (or named) loop.
// A top-level loop visits the message itself and then every part depth-first (as Pigeonhole
// does, observed); a nested loop visits the sub-parts of the outer loop's current part
// (RFC 5703 §3 — Pigeonhole 0.5.19 fails at run time on nested loops).
import type { Extension } from "../../extension.js";
import { stringsOf } from "../../runtime.js";
import { descendants, loopParts } from "./parts.js";

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
        const outer = rt.currentPart;
        try {
          let parts = loopParts(rt.message, outer);
          for (let i = 0; i < parts.length; i++) {
            rt.checkDeadline(node.pos.line);
            const part = parts[i]!;
            rt.currentPart = part;
            rt.trace(
              node.pos.line,
              `foreverypart loop: ${part.contentType.type}/${part.contentType.subtype} part`,
            );
            const version = rt.messageVersion;
            const signal = await rt.hooks.executeBlock(node.block ?? []);
            const leave = signal?.kind === "break" && (signal.name === null || signal.name === name);
            if (rt.messageVersion !== version) {
              // replace rewrote the message. A top-level loop goes on after the new part, in the
              // new tree; a nested loop's parts belong to the outer loop's old part, so it ends.
              if (outer !== null) return leave ? undefined : signal;
              parts = loopParts(rt.message, null);
              i += descendants(parts[i] ?? part).length;
            }
            if (signal === undefined) continue;
            return leave ? undefined : signal;
          }
          return undefined;
        } finally {
          rt.currentPart = outer;
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
