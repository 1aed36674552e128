import type { CommandSpec } from "../command-context.js";
import { listMatcher } from "../list-pattern.js";
import { encodeMailboxName } from "../mailbox-name.js";
import { untagged } from "../protocol/index.js";

/** LSUB (RFC 3501 §6.3.9): subscribed names that match. */
export const lsub: CommandSpec<"LSUB"> = {
  states: ["authenticated", "selected"],
  async run(ctx, command) {
    const sep = ctx.store.separator;
    const matches = listMatcher(command.reference, [command.pattern], sep);
    const existing = new Map((await ctx.store.listMailboxes()).map((m) => [m.name, m]));
    for (const name of await ctx.store.subscriptions()) {
      if (!matches(encodeMailboxName(name))) continue;
      const info = existing.get(name);
      const attrs = info === undefined || !info.selectable ? [{ atom: "\\Noselect" }] : [];
      ctx.send(untagged({ atom: "LSUB" }, attrs, sep, { astring: encodeMailboxName(name) }));
    }
    return { status: "OK", text: "Lsub completed." };
  },
};
