import { stat } from "node:fs/promises";
import { join } from "node:path";
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
  const dovecot = await dovecotFlags(dir);
  if (dovecot?.uidValidity !== uidValidity) return;
  for (const message of messages) {
    const record = dovecot.byUid.get(message.uid);
    if (!record) continue;
    message.flags = record.flags;
    message.keywords = [...record.keywords];
  }
}

interface DovecotFlags {
  uidValidity: number;
  byUid: Map<number, { flags: number; keywords: string[] }>;
}

/**
 * Flags read per directory, kept while Dovecot's files stay as they were: every scan of a
 * taken-over mailbox asks, and parsing the whole index each time cost 50–120 ms per 20,000
 * messages. A few directories only; the oldest read goes first.
 */
const flagsRead = new Map<string, { stamp: string; flags: DovecotFlags | undefined }>();
const FLAGS_KEPT = 16;

async function dovecotFlags(dir: string): Promise<DovecotFlags | undefined> {
  const stamp = (
    await Promise.all(
      ["", ".log", ".log.2"].map((suffix) =>
        stat(join(dir, `dovecot.index${suffix}`), { bigint: true }).then(
          (st) => `${st.ino}:${st.size}:${st.mtimeNs}`,
          () => "-",
        ),
      ),
    )
  ).join("|");
  const kept = flagsRead.get(dir);
  if (kept?.stamp === stamp) return kept.flags;
  const index = await trustedDovecotIndex(dir);
  const flags = index && {
    uidValidity: index.uidValidity,
    byUid: new Map(
      index.records.map((r) => [
        r.uid,
        { flags: loftFlags(r.flags), keywords: [...r.keywords].filter(isValidKeyword) },
      ]),
    ),
  };
  flagsRead.delete(dir);
  flagsRead.set(dir, { stamp, flags });
  if (flagsRead.size > FLAGS_KEPT) flagsRead.delete(flagsRead.keys().next().value!);
  return flags;
}
