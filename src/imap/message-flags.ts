import type { MessageInfo, SystemFlag } from "../store/index.js";
import { parseSystemFlag } from "../store/index.js";
import type { ImapValue } from "./protocol/index.js";

/** FLAGS of a message: system flags, then \Recent for this session's recent messages, then keywords. */
export function flagList(info: MessageInfo, recent: boolean): ImapValue[] {
  const flags: ImapValue[] = info.flags.map((atom) => ({ atom }));
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
