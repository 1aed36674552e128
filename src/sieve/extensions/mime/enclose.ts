// RFC 5703 §6: enclose — the message becomes a message/rfc822 attachment of a new message
// whose first part is the given text.
import type { Extension } from "../../extension.js";
import { decodeHeaderValue, headerValues } from "../../message.js";
import { stringsOf } from "../../runtime.js";
import { boundaryFor, entityText, headerValue, octets, textEntity } from "./rewrite.js";

/** Fields of the original that the enclosing message repeats. */
const CARRIED = ["from", "to", "cc", "reply-to", "date", "message-id"];

export const enclose: Extension = {
  name: "enclose",
  commands: [
    {
      name: "enclose",
      type: "command",
      positional: ["string"],
      tags: [
        { name: ":subject", param: "string" },
        { name: ":headers", param: "strings" },
      ],
      validate(node, v) {
        for (const h of stringsOf(node.tags.get(":headers"))) {
          if (!h.includes("${") && !/^[!-9;-~]+:/.test(h))
            v.error(node.pos, `invalid header '${h}' for enclose`);
        }
        if (v.ancestors.some((a) => a.name === "foreverypart")) {
          v.error(node.pos, "the enclose command cannot be used inside a foreverypart loop");
        }
      },
      execute(node, rt) {
        const original = rt.messageText();
        const subject =
          rt.tagString(node, ":subject") ??
          headerValues(rt.headers, "subject").map(decodeHeaderValue)[0] ??
          null;
        const boundary = boundaryFor(original);
        const headers = [
          ...rt.headers.filter((h) => CARRIED.includes(h.name.toLowerCase())),
          ...(subject !== null ? [{ name: "Subject", raw: octets(headerValue(subject)) }] : []),
          ...(rt.tagStrings(node, ":headers") ?? []).flatMap((line) => {
            const colon = line.indexOf(":");
            return colon > 0
              ? [{ name: line.slice(0, colon), raw: octets(line.slice(colon + 1).trim()) }]
              : [];
          }),
          { name: "MIME-Version", raw: "1.0" },
          { name: "Content-Type", raw: `multipart/mixed; boundary="${boundary}"` },
        ];
        const body = [
          `--${boundary}`,
          entityText(textEntity(rt.string(node, 0))),
          `--${boundary}`,
          "Content-Type: message/rfc822\r\n",
          original,
          `--${boundary}--`,
          "",
        ].join("\r\n");
        rt.replaceMessage(entityText({ headers, body }));
        rt.trace(node.pos.line, "enclose action; enclosed the message");
        return undefined;
      },
    },
  ],
};
