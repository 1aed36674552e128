import { decodeSaslResponse, startSasl } from "../../auth/index.js";
import type { CommandSpec, ImapContext, Reply } from "../command-context.js";
import { continuationRequest } from "../protocol/index.js";
import { AUTH_FAILED, enterUser, PRIVACY_REQUIRED, TLS_REQUIRED } from "./login-user.js";

/** The client's next SASL line, or null when it sent none (the connection ended). */
async function readResponse(ctx: ImapContext): Promise<string | Reply> {
  ctx.reader.expectLine();
  const event = await ctx.nextEvent();
  if (event.type === "error") return { status: "BAD", text: event.error.text };
  if (event.type !== "line") throw new Error(`unexpected ${event.type} during AUTHENTICATE`);
  return event.bytes.toString("latin1");
}

export const authenticate: CommandSpec<"AUTHENTICATE"> = {
  states: ["not-authenticated"],
  async run(ctx, command) {
    if (!ctx.authAllowed()) return TLS_REQUIRED;
    const session = startSasl(ctx.auth, command.mechanism, ctx.saslConnection(), { finalInSuccess: false });
    if (session === "encrypt") return PRIVACY_REQUIRED;
    if (session === "unsupported") return { status: "NO", text: "Unsupported authentication mechanism." };
    let data: Buffer | null = null;
    if (command.initialResponse !== null) {
      const decoded = decodeSaslResponse(command.initialResponse === "" ? "=" : command.initialResponse);
      if (!("data" in decoded)) return { status: "BAD", text: "Invalid base64 data in initial response." };
      data = decoded.data;
    }
    for (;;) {
      const outcome = await session.step(data);
      if (outcome.kind === "failure") {
        ctx.log.info(
          { mechanism: session.mechanism, reason: outcome.result.reason },
          "authentication failed",
        );
        return outcome.result.userMessage
          ? { ...AUTH_FAILED, text: outcome.result.userMessage }
          : AUTH_FAILED;
      }
      if (outcome.kind === "success") return enterUser(ctx, outcome.result, session.mechanism);
      ctx.send(continuationRequest(outcome.data.toString("base64")));
      const line = await readResponse(ctx);
      if (typeof line !== "string") return line;
      const decoded = decodeSaslResponse(line);
      if ("cancel" in decoded) return { status: "BAD", text: "Authentication aborted by client." };
      if ("error" in decoded) return { status: "BAD", text: decoded.error };
      data = decoded.data;
    }
  },
};
