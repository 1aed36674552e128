import type { CommandSpec } from "../command-context.js";
import { untaggedStatus } from "../protocol/index.js";

export const logout: CommandSpec<"LOGOUT"> = {
  states: ["not-authenticated", "authenticated", "selected"],
  async run(ctx) {
    ctx.select(null);
    ctx.logout();
    ctx.send(untaggedStatus("BYE", "Logging out"));
    return { status: "OK", text: "Logout completed." };
  },
};
