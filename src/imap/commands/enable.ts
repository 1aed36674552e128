import type { CommandSpec } from "../command-context.js";
import { untagged } from "../protocol/index.js";

/** RFC 5161: only CONDSTORE can be enabled; others are ignored without a word, as Dovecot does. */
export const enable: CommandSpec<"ENABLE"> = {
  states: ["authenticated", "selected"],
  async run(ctx, command) {
    const enabled: string[] = [];
    for (const name of command.capabilities) {
      if (name.toUpperCase() === "CONDSTORE" && !ctx.condstore) {
        ctx.condstore = true;
        enabled.push("CONDSTORE");
      }
    }
    if (enabled.length > 0) ctx.send(untagged({ atom: "ENABLED" }, ...enabled.map((atom) => ({ atom }))));
    return { status: "OK", text: "Enabled." };
  },
};
