import type { CommandSpec } from "../command-context.js";
import { loginUser, PRIVACY_REQUIRED } from "./login-user.js";

export const login: CommandSpec<"LOGIN"> = {
  states: ["not-authenticated"],
  async run(ctx, command) {
    // RFC 3501 §6.2.3: with LOGINDISABLED advertised LOGIN must fail.
    if (!ctx.plaintextAllowed()) return PRIVACY_REQUIRED;
    const user = Buffer.from(command.username, "latin1").toString("utf8");
    const password = Buffer.from(command.password, "latin1").toString("utf8");
    return loginUser(ctx, user, password);
  },
};
