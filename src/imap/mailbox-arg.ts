import type { ImapContext, Reply } from "./command-context.js";
import { decodeMailboxName, normalizeInbox } from "./mailbox-name.js";

/** A mailbox name from the wire as the store names it, or the NO to answer. */
export function mailboxArg(ctx: ImapContext, wire: string): string | Reply {
  const name = decodeMailboxName(wire);
  if (name === null || name === "")
    return { status: "NO", text: "Invalid mailbox name", code: { name: "CANNOT" } };
  return normalizeInbox(name, ctx.store.separator);
}
