import type { CommandSpec } from "../command-context.js";
import { mailboxArg } from "../mailbox-arg.js";

export const subscribe: CommandSpec<"SUBSCRIBE" | "UNSUBSCRIBE"> = {
  states: ["authenticated", "selected"],
  async run(ctx, command) {
    const name = mailboxArg(ctx, command.mailbox);
    if (typeof name !== "string") return name;
    if (command.name === "SUBSCRIBE") {
      // As Dovecot: only a name that exists, as a mailbox or as the parent of one (RFC 3501 lets a
      // server refuse either way; UNSUBSCRIBE of a name whose mailbox is gone must still work).
      const listed = await ctx.store.listMailboxes();
      const key = (n: string) => (n.toUpperCase() === "INBOX" ? "INBOX" : n);
      if (!listed.some((m) => key(m.name) === key(name)))
        return { status: "NO", text: `Mailbox doesn't exist: ${name}.` };
      await ctx.store.subscribe(name);
      return { status: "OK", text: "Subscribe completed." };
    }
    await ctx.store.unsubscribe(name);
    return { status: "OK", text: "Unsubscribe completed." };
  },
};
