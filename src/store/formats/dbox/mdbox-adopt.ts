import { open } from "node:fs/promises";
import { isStoreError } from "../../errors.js";
import { INBOX, type MailboxPath, pathKey } from "../../mailbox-name.js";
import { decodeMutf7 } from "../common/mutf7.js";
import { readRecords } from "./dbox-file.js";
import type { MdboxMailbox } from "./mdbox-mailbox.js";
import { appendMapLines, entryLine, type MapEntry } from "./mdbox-map.js";
import type { MdboxStorage } from "./mdbox-storage.js";

/** The mailbox a record names in `B`, or INBOX when it names none (or none Loft could store). */
function mailboxOf(name: string | undefined): MailboxPath {
  if (name === undefined || name === "") return [INBOX];
  const levels = name.split("/").map(decodeMutf7);
  if (levels.some((l) => l === undefined || l === "" || l === "." || l === "..")) return [INBOX];
  const path = levels as string[];
  return path[0]!.toUpperCase() === INBOX ? [INBOX, ...path.slice(1)] : path;
}

/**
 * The first time Loft opens an mdbox root that Dovecot wrote, it has no maps: mailbox membership
 * lives only in Dovecot's binary indexes. Like Dovecot's own rebuild without indexes
 * (storage-dbox.md §5), every record found in storage/ goes once into the mailbox named by its
 * `B` metadata (created when missing), else INBOX; flags and copies are not in the files. Records
 * a map already holds are skipped, so an adoption cut short by a crash can simply run again.
 */
export async function adoptStorage(
  storage: MdboxStorage,
  mailbox: (path: MailboxPath) => MdboxMailbox,
): Promise<void> {
  const lock = await storage.lock();
  try {
    if (await storage.adopted()) return;
    const found = new Map<string, { path: MailboxPath; records: { fileId: number; offset: number }[] }>();
    for (const file of await storage.files()) {
      const handle = await open(file.path, "r");
      try {
        for await (const record of readRecords(handle, file.path)) {
          const path = mailboxOf(record.metadata.mailbox);
          const group = found.get(pathKey(path)) ?? { path, records: [] };
          group.records.push({ fileId: file.id, offset: record.offset });
          found.set(pathKey(path), group);
        }
      } catch (err) {
        // The records before a broken one are adopted; Dovecot's fixer would skip the rest too.
        if (!isStoreError(err, "CORRUPT")) throw err;
      } finally {
        await handle.close();
      }
    }
    for (const { path, records } of found.values()) {
      const target = mailbox(path);
      if (!(await target.exists())) await target.create();
      const { lock: mapLock, map } = await target.lockedMap();
      try {
        const known = new Set(map.entries.map((e) => `${e.fileId}:${e.offset}`));
        const entries: MapEntry[] = [];
        for (const r of records) {
          if (known.has(`${r.fileId}:${r.offset}`)) continue;
          entries.push({ uid: map.uidNext + entries.length, ...r });
        }
        if (entries.length > 0) await appendMapLines(target.dir, map, entries.map(entryLine).join(""));
      } finally {
        await mapLock.release();
      }
    }
    await storage.adopt();
  } finally {
    await lock.release();
  }
}
