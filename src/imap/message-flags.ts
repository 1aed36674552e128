import type { MailboxSnapshot, MessageInfo, SystemFlag } from "../store/index.js";
import { parseSystemFlag } from "../store/index.js";
import type { ImapValue } from "./protocol/index.js";

/** Dovecot's order of system flags in FLAGS (its flag bits, RFC 3501 §2.3.2 order). */
const ORDER: readonly SystemFlag[] = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"];

/** The flags of the message at position `i` of a snapshot, as flagList takes them. */
export function flagsAt(snapshot: MailboxSnapshot, i: number): Pick<MessageInfo, "flags" | "keywords"> {
  return { flags: snapshot.flagsAt(i), keywords: snapshot.keywordsAt(i) as string[] };
}

/** FLAGS of a message: system flags, then \Recent for this session's recent messages, then keywords. */
export function flagList(info: Pick<MessageInfo, "flags" | "keywords">, recent: boolean): ImapValue[] {
  const flags: ImapValue[] = ORDER.filter((f) => info.flags.includes(f)).map((atom) => ({ atom }));
  if (recent) flags.push({ atom: "\\Recent" });
  for (const atom of info.keywords) flags.push({ atom });
  return flags;
}

/** Flags from a STORE or APPEND split into the store's system flags and keywords. */
export function splitFlags(flags: readonly string[]): { system: SystemFlag[]; keywords: string[] } {
  const system: SystemFlag[] = [];
  const keywords: string[] = [];
  for (const flag of flags) {
    const sys = flag.startsWith("\\") ? parseSystemFlag(flag) : undefined;
    if (sys !== undefined) {
      if (!system.includes(sys)) system.push(sys);
    } else if (!keywords.includes(flag)) {
      keywords.push(flag);
    }
  }
  return { system, keywords };
}
