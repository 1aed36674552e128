import { type CommandSpec, POLL_FRESH_MS } from "../command-context.js";
import { continuationRequest, untaggedStatus } from "../protocol/index.js";

/**
 * RFC 2177: changes are told as they happen until DONE. A `* OK Still here` at a set
 * interval keeps NAT state alive (Dovecot's imap_idle_notify_interval).
 */
export const idle: CommandSpec<"IDLE"> = {
  states: ["authenticated", "selected"],
  async run(ctx, command) {
    ctx.send(continuationRequest("idling"));
    let chain: Promise<void> = Promise.resolve();
    const push = () => {
      chain = chain
        .then(() => ctx.sendUpdates(command))
        .catch((err: unknown) => ctx.log.warn({ err }, "IDLE update failed"));
    };
    await ctx.selected?.mailbox.sync({ freshMs: POLL_FRESH_MS });
    push();
    ctx.onMailboxChange(push);
    const keepalive = setInterval(
      () => ctx.send(untaggedStatus("OK", "Still here")),
      ctx.settings.idleKeepaliveSeconds * 1000,
    );
    try {
      ctx.reader.expectLine();
      const event = await ctx.nextEvent();
      if (event.type === "error") return { status: "BAD", text: event.error.text };
      if (event.type !== "line") throw new Error(`unexpected ${event.type} during IDLE`);
      if (event.bytes.toString("latin1").toUpperCase() !== "DONE")
        return { status: "BAD", text: "Expected DONE." };
      return { status: "OK", text: "Idle completed." };
    } finally {
      clearInterval(keepalive);
      ctx.onMailboxChange(null);
      await chain;
    }
  },
};
