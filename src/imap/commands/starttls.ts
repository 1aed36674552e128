import type { CommandSpec } from "../command-context.js";
import { taggedResponse } from "../protocol/index.js";

export const starttls: CommandSpec<"STARTTLS"> = {
  states: ["not-authenticated"],
  async run(ctx, _command, tag) {
    if (!ctx.canStartTls()) return { status: "BAD", text: "TLS support isn't enabled." };
    // RFC 3501 §6.2.1: nothing may be pipelined after STARTTLS; such bytes would be read as plaintext.
    if (ctx.reader.bufferedBytes > 0) return { status: "BAD", text: "Commands pipelined after STARTTLS." };
    ctx.send(taggedResponse(tag, "OK", "Begin TLS negotiation now."));
    await ctx.startTls();
    return null;
  },
};
