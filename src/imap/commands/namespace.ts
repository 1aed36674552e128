import type { CommandSpec } from "../command-context.js";
import { untagged } from "../protocol/index.js";

/** RFC 2342: one personal namespace with an empty prefix, as Dovecot's default. */
export const namespace: CommandSpec<"NAMESPACE"> = {
  states: ["authenticated", "selected"],
  async run(ctx) {
    ctx.send(untagged({ atom: "NAMESPACE" }, [["", ctx.store.separator]], null, null));
    return { status: "OK", text: "Namespace completed." };
  },
};
