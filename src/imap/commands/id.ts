import type { CommandSpec } from "../command-context.js";
import { untagged } from "../protocol/index.js";

/** RFC 2971: the client's fields are logged; the server names itself. */
export const id: CommandSpec<"ID"> = {
  states: ["not-authenticated", "authenticated", "selected"],
  async run(ctx, command) {
    if (command.params !== null) {
      const fields = Object.fromEntries(command.params.slice(0, 30).map(([k, v]) => [k.toLowerCase(), v]));
      ctx.log.debug({ client: fields }, "client ID");
    }
    ctx.send(untagged({ atom: "ID" }, ["name", ctx.settings.implementation]));
    return { status: "OK", text: "ID completed." };
  },
};
