import { decodeSaslResponse, findSaslMechanism } from "../../auth/index.js";
import type { CommandSpec, ImapContext, Reply } from "../command-context.js";
import { continuationRequest } from "../protocol/index.js";
import { loginUser, PRIVACY_REQUIRED, TLS_REQUIRED } from "./login-user.js";

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
    const mechanism = findSaslMechanism(command.mechanism, ctx.plaintextAllowed());
    if (mechanism === undefined) {
      if (findSaslMechanism(command.mechanism, true) !== undefined) return PRIVACY_REQUIRED;
      return { status: "NO", text: "Unsupported authentication mechanism." };
    }
    const exchange = mechanism.start();
    let data: Buffer | null = null;
    if (command.initialResponse !== null) {
      const decoded = decodeSaslResponse(command.initialResponse === "" ? "=" : command.initialResponse);
      if (!("data" in decoded)) return { status: "BAD", text: "Invalid base64 data in initial response." };
      data = decoded.data;
    }
    for (;;) {
      const step = exchange.step(data);
      if ("error" in step) return { status: "NO", text: step.error, code: { name: "AUTHENTICATIONFAILED" } };
      if ("done" in step) {
        const { authcid, authzid, password } = step.done;
        return loginUser(ctx, authcid, authzid, password, mechanism.name);
      }
      ctx.send(continuationRequest(step.challenge.toString("base64")));
      const line = await readResponse(ctx);
      if (typeof line !== "string") return line;
      const decoded = decodeSaslResponse(line);
      if ("cancel" in decoded) return { status: "BAD", text: "Authentication aborted by client." };
      if ("error" in decoded) return { status: "BAD", text: decoded.error };
      data = decoded.data;
    }
  },
};
