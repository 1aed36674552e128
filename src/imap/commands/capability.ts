import type { CommandSpec } from "../command-context.js";
import { untagged } from "../protocol/index.js";

export const capability: CommandSpec<"CAPABILITY"> = {
  states: ["not-authenticated", "authenticated", "selected"],
  async run(ctx) {
    ctx.send(untagged({ atom: "CAPABILITY" }, ...ctx.capabilities().map((atom) => ({ atom }))));
    return ctx.state === "not-authenticated"
      ? { status: "OK", text: "Pre-login capabilities listed, post-login capabilities have more." }
      : { status: "OK", text: "Capability completed." };
  },
};
