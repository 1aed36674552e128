// RFC 5228 §5.4: the envelope test (parts "from", "to"; Pigeonhole adds "auth" and "orig_to").
import { type ParsedAddress, parseEnvelopeAddress } from "../address.js";
import { addressPartValues, matchValues } from "../core/header-access.js";
import type { Extension } from "../extension.js";
import type { Runtime } from "../runtime.js";
import { stringsOf } from "../runtime.js";

const PARTS = ["from", "to", "auth", "orig_to"];

function envelopePart(rt: Runtime, part: string): string | undefined {
  switch (part) {
    case "from":
      return rt.envelope.from;
    case "to":
      return rt.envelope.to;
    case "auth":
      return rt.envelope.auth;
    case "orig_to":
      return rt.envelope.origTo;
  }
  return undefined;
}

export const envelope: Extension = {
  name: "envelope",
  commands: [
    {
      name: "envelope",
      type: "test",
      positional: ["strings", "strings"],
      groups: ["comparator", "match-type", "address-part"],
      validate(node, v) {
        for (const part of stringsOf(node.positional[0])) {
          if (!part.includes("${") && !PARTS.includes(part.toLowerCase())) {
            v.error(
              node.positional[0]!.pos,
              `specified envelope part '${part}' is not supported by the envelope test`,
            );
          }
        }
      },
      evaluate(node, rt) {
        const values: string[] = [];
        for (const part of rt.strings(node, 0)) {
          const raw = envelopePart(rt, part.toLowerCase());
          if (raw === undefined) continue;
          const address: ParsedAddress = parseEnvelopeAddress(raw);
          // RFC 5228 §5.4: the null reverse-path matches "" whatever the address part.
          if (address.address === "") values.push("");
          else values.push(...addressPartValues(node, rt, [address]));
        }
        return matchValues(node, rt, values, rt.strings(node, 1));
      },
    },
  ],
};
