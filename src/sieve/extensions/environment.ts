// RFC 5183: the environment test.
import { matchValues } from "../core/header-access.js";
import type { Extension } from "../extension.js";
import type { Runtime } from "../runtime.js";

function item(rt: Runtime, name: string): string | null {
  switch (name) {
    case "name":
      return rt.config.implementationName;
    case "version":
      return rt.config.implementationVersion;
    // Delivery runs the script while the message is being delivered (RFC 5183 §4.1).
    case "phase":
      return rt.env.environmentItem("phase") ?? "during";
    case "location":
      return rt.env.environmentItem("location") ?? "MDA";
    default:
      return rt.env.environmentItem(name);
  }
}

export const environment: Extension = {
  name: "environment",
  commands: [
    {
      name: "environment",
      type: "test",
      positional: ["string", "strings"],
      groups: ["comparator", "match-type"],
      evaluate(node, rt) {
        const value = item(rt, rt.string(node, 0).toLowerCase());
        // An unknown item makes the test false, except for :count (RFC 5183 §4).
        return matchValues(node, rt, value === null ? [] : [value], rt.strings(node, 1));
      },
    },
  ],
};
