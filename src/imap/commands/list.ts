import type { MailboxInfo } from "../../store/index.js";
import type { CommandOf, CommandSpec, ImapContext } from "../command-context.js";
import { listMatcher } from "../list-pattern.js";
import { encodeMailboxName } from "../mailbox-name.js";
import { type ImapValue, untagged } from "../protocol/index.js";
import { statusResponse } from "../status-items.js";

interface Listed {
  name: string;
  info: MailboxInfo | null;
  subscribed: boolean;
  /** RFC 5258 §3.5 CHILDINFO: listed only because a descendant matched the selection. */
  childInfo: boolean;
}

/** What the answer shows besides the base attributes (RFC 5258 §3.4, §4). */
interface Shown {
  subscribed: boolean;
  children: boolean;
  specialUse: boolean;
}

/** Attributes in Dovecot's order (cmd-list.c mailbox_flags2str). */
function attributes(entry: Listed, shown: Shown): ImapValue[] {
  const out: string[] = [];
  const { info } = entry;
  if (shown.subscribed && entry.subscribed) out.push("\\Subscribed");
  if (info === null) out.push("\\NonExistent");
  else {
    if (!info.selectable) out.push("\\Noselect");
    if (shown.children) out.push(info.hasChildren ? "\\HasChildren" : "\\HasNoChildren");
    if (shown.specialUse && info.specialUse) out.push(info.specialUse);
  }
  return out.map((atom) => ({ atom }));
}

/** LIST with RFC 5258 selection and return options, RFC 5819 STATUS and RFC 6154 SPECIAL-USE. */
export const list: CommandSpec<"LIST"> = {
  states: ["authenticated", "selected"],
  async run(ctx, command) {
    const sep = ctx.store.separator;
    const { selection, returns } = command;
    // RFC 3501 §6.3.8: an empty pattern asks for the separator and the root.
    if (command.patterns.length === 1 && command.patterns[0] === "" && !command.extended) {
      ctx.send(untagged({ atom: "LIST" }, [{ atom: "\\Noselect" }], sep, ""));
      return { status: "OK", text: "List completed." };
    }
    const matches = listMatcher(command.reference, command.patterns, sep);
    const entries = await collect(ctx, command, matches);
    // A plain LIST shows children and special use; LIST-EXTENDED only what RETURN asks for.
    const shown: Shown = {
      subscribed: returns.subscribed || selection.subscribed,
      children: !command.extended || returns.children,
      specialUse: !command.extended || returns.specialUse || selection.specialUse,
    };
    for (const entry of entries) {
      const wire = encodeMailboxName(entry.name);
      const values: ImapValue[] = [{ atom: "LIST" }, attributes(entry, shown), sep, { astring: wire }];
      if (entry.childInfo) values.push(["CHILDINFO", ["SUBSCRIBED"]]);
      ctx.send(untagged(...values));
      if (returns.status !== null && entry.info?.selectable)
        ctx.send(statusResponse(entry.name, await ctx.store.status(entry.name), returns.status));
    }
    return { status: "OK", text: "List completed." };
  },
};

async function collect(
  ctx: ImapContext,
  command: CommandOf<"LIST">,
  matches: (wire: string) => boolean,
): Promise<Listed[]> {
  const { selection } = command;
  const mailboxes = await ctx.store.listMailboxes();
  const byName = new Map(mailboxes.map((m) => [m.name, m]));
  const subscribed = new Set(await ctx.store.subscriptions());
  const out: Listed[] = [];
  if (!selection.subscribed) {
    for (const info of mailboxes) {
      if (!matches(encodeMailboxName(info.name))) continue;
      if (selection.specialUse && !info.specialUse) continue;
      out.push({ name: info.name, info, subscribed: subscribed.has(info.name), childInfo: false });
    }
    return out;
  }
  const seen = new Set<string>();
  for (const name of subscribed) {
    if (!matches(encodeMailboxName(name))) continue;
    seen.add(name);
    out.push({ name, info: byName.get(name) ?? null, subscribed: true, childInfo: false });
  }
  if (selection.recursiveMatch) {
    // RFC 5258 §3.5: a parent that does not match itself but has a subscribed descendant.
    const sep = ctx.store.separator;
    for (const name of subscribed) {
      const levels = name.split(sep);
      for (let depth = levels.length - 1; depth > 0; depth--) {
        const parent = levels.slice(0, depth).join(sep);
        if (seen.has(parent) || !matches(encodeMailboxName(parent))) continue;
        seen.add(parent);
        out.push({ name: parent, info: byName.get(parent) ?? null, subscribed: false, childInfo: true });
      }
    }
  }
  return out;
}
