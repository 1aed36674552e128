import { open, readFile } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode } from "../../errors.js";
import type { FileOwner } from "../../file-owner.js";
import { acquireDotlock, type Dotlock } from "../common/dotlock.js";

/**
 * Loft's map of one mdbox mailbox, `dbox-Mails/loft-map` (Dovecot keeps the same facts in its
 * binary dovecot.index and storage/dovecot.map.index, which Loft does not write):
 *
 *   V<uidvalidity> N<next uid>\n     header
 *   D\n                              flags still come from Dovecot's index (a mailbox taken over
 *                                    from Dovecot whose flags Loft has not changed yet)
 *   <uid> <file id> <offset>\n       the message with this UID is the record at <offset> of m.<file id>
 *   -<uid>\n                         that message was expunged (its record stays until a purge)
 *
 * Lines are only appended, under the map's dotlock; a purge rewrites the file compacted.
 */
export const MAP_FILE = "loft-map";

export interface MapEntry {
  uid: number;
  fileId: number;
  offset: number;
}

export interface MailboxMap {
  uidValidity: number;
  /** Above every UID the map ever held, expunged ones included. */
  uidNext: number;
  /** Live messages in UID order. */
  entries: MapEntry[];
  /** Flags and keywords are still read from Dovecot's mailbox index. */
  dovecotFlags?: boolean;
  /** Expunge lines a rewrite would drop. */
  expunged: number;
  /** Bytes up to the end of the last complete line (a crash may leave half a line after it). */
  validLength: number;
}

export function parseMap(text: string): MailboxMap | undefined {
  const header = /^V(\d+) N(\d+)\n/.exec(text);
  if (!header || Number(header[1]) === 0) return undefined;
  const map: MailboxMap = {
    uidValidity: Number(header[1]),
    uidNext: Math.max(1, Number(header[2])),
    entries: [],
    expunged: 0,
    validLength: text.lastIndexOf("\n") + 1,
  };
  const live = new Map<number, MapEntry>();
  for (const line of text.slice(header[0].length, map.validLength).split("\n")) {
    const added = /^(\d+) (\d+) (\d+)$/.exec(line);
    if (added) {
      const entry = { uid: Number(added[1]), fileId: Number(added[2]), offset: Number(added[3]) };
      live.set(entry.uid, entry);
      map.uidNext = Math.max(map.uidNext, entry.uid + 1);
      continue;
    }
    if (line === "D") {
      map.dovecotFlags = true;
      continue;
    }
    const removed = /^-(\d+)$/.exec(line);
    if (removed) {
      live.delete(Number(removed[1]));
      map.expunged++;
    }
  }
  map.entries = [...live.values()].sort((a, b) => a.uid - b.uid);
  return map;
}

export function entryLine(entry: MapEntry): string {
  return `${entry.uid} ${entry.fileId} ${entry.offset}\n`;
}

/** The map without expunge lines; the header keeps the next UID so expunged UIDs never return. */
export function serializeMap(
  map: Pick<MailboxMap, "uidValidity" | "uidNext" | "entries" | "dovecotFlags">,
): string {
  const marker = map.dovecotFlags ? "D\n" : "";
  return `V${map.uidValidity} N${map.uidNext}\n${marker}${map.entries.map(entryLine).join("")}`;
}

export async function readMap(dir: string): Promise<MailboxMap | undefined> {
  try {
    return parseMap(await readFile(join(dir, MAP_FILE), "latin1"));
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw err;
  }
}

export function lockMap(dir: string, owner: FileOwner | undefined): Promise<Dotlock> {
  return acquireDotlock(join(dir, `${MAP_FILE}.lock`), { watchPath: join(dir, MAP_FILE), owner });
}

/**
 * Appends lines (the caller holds the map lock), first cutting off half a line a crash may have
 * left, then fsyncs: once this returns, the change survives a crash.
 */
export async function appendMapLines(dir: string, map: MailboxMap, lines: string): Promise<void> {
  const handle = await open(join(dir, MAP_FILE), "r+");
  try {
    const { size } = await handle.stat();
    if (size !== map.validLength) await handle.truncate(map.validLength);
    const bytes = Buffer.from(lines, "latin1");
    await handle.write(bytes, 0, bytes.length, map.validLength);
    await handle.datasync();
    map.validLength += bytes.length;
  } finally {
    await handle.close();
  }
}
