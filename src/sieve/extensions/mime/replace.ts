// RFC 5703 §5: replace — the whole message body (outside foreverypart) or the current part.
import type { CompiledNode, Extension } from "../../extension.js";
import type { Runtime } from "../../runtime.js";
import { loopParts } from "./parts.js";
import { entityText, headerValue, isContentField, mimeEntity, octets, textEntity } from "./rewrite.js";

function replaceCurrentPart(node: CompiledNode, rt: Runtime, text: string): void {
  const part = rt.currentPart!;
  const index = loopParts(rt.message, null).indexOf(part);
  // Splice into the message as it is now (with the current, possibly edited, header).
  const whole = rt.messageText();
  const shift = whole.length - rt.message.text.length;
  rt.replaceMessage(whole.slice(0, part.start + shift) + text + whole.slice(part.end + shift));
  // Later commands in this iteration see the new part in its place.
  rt.currentPart = loopParts(rt.message, null)[index] ?? null;
  rt.trace(node.pos.line, "replace action; replaced the current MIME part");
}

export const replace: Extension = {
  name: "replace",
  commands: [
    {
      name: "replace",
      type: "command",
      positional: ["string"],
      tags: [{ name: ":mime" }, { name: ":subject", param: "string" }, { name: ":from", param: "string" }],
      execute(node, rt) {
        const replacement = rt.string(node, 0);
        const entity = node.tags.has(":mime") ? mimeEntity(replacement) : textEntity(replacement);
        if (rt.currentPart !== null && rt.currentPart !== rt.message.root) {
          replaceCurrentPart(node, rt, entityText(entity));
          return undefined;
        }
        // The whole body: the top-level header keeps everything but its Content-* fields.
        const subject = rt.tagString(node, ":subject");
        const from = rt.tagString(node, ":from");
        const kept = rt.headers.filter((h) => {
          const name = h.name.toLowerCase();
          if (isContentField(h)) return false;
          return !(subject !== null && name === "subject") && !(from !== null && name === "from");
        });
        const headers = [
          ...kept,
          ...(from !== null ? [{ name: "From", raw: octets(headerValue(from)) }] : []),
          ...(subject !== null ? [{ name: "Subject", raw: octets(headerValue(subject)) }] : []),
          ...entity.headers,
        ];
        rt.replaceMessage(entityText({ headers, body: entity.body }));
        rt.trace(node.pos.line, "replace action; replaced the message body");
        return undefined;
      },
    },
  ],
};
