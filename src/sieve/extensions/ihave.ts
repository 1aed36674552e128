// RFC 5463: ihave (is a capability available here?) and error.
import type { Extension } from "../extension.js";
import { SieveRuntimeError } from "../result.js";
import { stringsOf } from "../runtime.js";

export const ihave: Extension = {
  name: "ihave",
  commands: [
    {
      name: "ihave",
      type: "test",
      positional: ["strings"],
      validate(node, v) {
        if (stringsOf(node.positional[0]).some((s) => s.includes("${"))) {
          v.error(node.positional[0]!.pos, "the ihave test requires constant capability names");
        }
      },
      blockCapabilities: (node) => stringsOf(node.positional[0]),
      evaluate(node, rt) {
        return stringsOf(node.positional[0]).every((c) => rt.config.extensions.has(c));
      },
    },
    {
      name: "error",
      type: "command",
      positional: ["string"],
      execute(node, rt) {
        throw new SieveRuntimeError(rt.string(node, 0), node.pos.line);
      },
    },
  ],
};
