import type { ScannedMessage } from "../../backend.js";
import { isValidKeyword } from "../../flags.js";
import { type DovecotIndex, loftFlags, readDovecotIndex } from "./dovecot-index.js";

/** Dovecot's index in `dir`, or undefined when there is none or it cannot be trusted (garbled). */
export async function trustedDovecotIndex(dir: string, prefix?: string): Promise<DovecotIndex | undefined> {
  try {
    return await readDovecotIndex(dir, prefix);
  } catch {
    return undefined;
  }
}

/**
 * Gives the scanned messages Dovecot's flags and keywords, for a mailbox taken over from Dovecot
 * whose flags Loft has not changed yet: Loft's index takes them as they are, and keeps its own
 * once the mailbox stops asking (its first flag change). Nothing when the index is gone, garbled
 * or of another UIDVALIDITY.
 */
export async function addDovecotFlags(
  dir: string,
  uidValidity: number,
  messages: ScannedMessage[],
): Promise<void> {
  const dovecot = await trustedDovecotIndex(dir);
  if (dovecot?.uidValidity !== uidValidity) return;
  const byUid = new Map(dovecot.records.map((r) => [r.uid, r]));
  for (const message of messages) {
    const record = byUid.get(message.uid);
    if (!record) continue;
    message.flags = loftFlags(record.flags);
    message.keywords = [...record.keywords].filter(isValidKeyword);
  }
}
