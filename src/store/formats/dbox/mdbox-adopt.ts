import { open } from "node:fs/promises";
import { isStoreError } from "../../errors.js";
import { INBOX, type MailboxPath, pathKey } from "../../mailbox-name.js";
import { decodeMutf7 } from "../common/mutf7.js";
import { readRecords } from "./dbox-file.js";
import type { DboxLayout } from "./dbox-layout.js";
import { trustedDovecotIndex } from "./dovecot-flags.js";
import type { MdboxMailbox } from "./mdbox-mailbox.js";
import { appendMapLines, entryLine, type MapEntry } from "./mdbox-map.js";
import type { MdboxStorage } from "./mdbox-storage.js";

/** A mailbox as Dovecot's indexes have it. */
interface DovecotMailbox {
  path: MailboxPath;
  uidValidity: number;
  nextUid: number;
  entries: MapEntry[];
}

const place = (r: { fileId: number; offset: number }) => `${r.fileId}:${r.offset}`;

/**
 * What Dovecot's indexes say about the records in storage/: storage/dovecot.map.index maps a
 * map_uid to (file id, offset, size) with a reference count ("map" and "ref" extensions); each
 * mailbox's dbox-Mails/dovecot.index gives its UIDs and, per UID, the map_uid ("mdbox"
 * extension). Records Dovecot counts no reference to were expunged (a purge would drop them).
 * Undefined when the map index is missing or garbled; a mailbox whose index is missing or garbled
 * is left out (its records are then filed as if Dovecot had no indexes).
 */
async function dovecotMailboxes(
  layout: DboxLayout,
  storageDir: string,
  records: ReadonlySet<string>,
): Promise<{ mailboxes: DovecotMailbox[]; expunged: Set<string> } | undefined> {
  const mapIndex = await trustedDovecotIndex(storageDir, "dovecot.map.index");
  if (!mapIndex) return undefined;
  const byMapUid = new Map<number, { fileId: number; offset: number }>();
  const expunged = new Set<string>();
  for (const record of mapIndex.records) {
    const map = record.ext.get("map");
    if (map === undefined || map.length < 8) continue;
    const where = { fileId: map.readUInt32LE(0), offset: map.readUInt32LE(4) };
    const ref = record.ext.get("ref");
    if (ref !== undefined && ref.length >= 2 && ref.readUInt16LE(0) === 0) expunged.add(place(where));
    else byMapUid.set(record.uid, where);
  }
  const mailboxes: DovecotMailbox[] = [];
  for (const listed of await layout.list()) {
    const index = await trustedDovecotIndex(layout.mailDir(listed.path));
    if (!index) continue;
    const entries: MapEntry[] = [];
    for (const record of index.records) {
      const ext = record.ext.get("mdbox");
      const where = ext !== undefined && ext.length >= 4 ? byMapUid.get(ext.readUInt32LE(0)) : undefined;
      if (where && records.has(place(where))) entries.push({ uid: record.uid, ...where });
    }
    mailboxes.push({ path: listed.path, uidValidity: index.uidValidity, nextUid: index.nextUid, entries });
  }
  return { mailboxes, expunged };
}

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
 * lives only in Dovecot's binary indexes. Where those are readable, each mailbox keeps Dovecot's
 * UIDVALIDITY, next UID and its messages (copies included) under their UIDs, and its flags; records
 * Dovecot counts as expunged stay out. Every other record — all of them when the indexes are gone
 * or garbled — goes once, like Dovecot's own rebuild without indexes (storage-dbox.md §5), into the
 * mailbox named by its `B` metadata (created when missing), else INBOX, under a new UID. Records
 * a map already holds are skipped, so an adoption cut short by a crash can simply run again.
 */
export async function adoptStorage(
  layout: DboxLayout,
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
    const all = new Set([...found.values()].flatMap((g) => g.records.map(place)));
    const dovecot = await dovecotMailboxes(layout, storage.dir, all);
    const taken = new Set(dovecot?.expunged);
    for (const box of dovecot?.mailboxes ?? []) {
      const target = mailbox(box.path);
      try {
        await target.adoptDovecot(box.uidValidity, box.nextUid, box.entries);
      } catch (err) {
        // A map Loft filled differently before: its records are filed below like the rest.
        if (!isStoreError(err, "CANNOT")) throw err;
        continue;
      }
      for (const entry of box.entries) taken.add(place(entry));
    }
    for (const { path, records: all } of found.values()) {
      const records = all.filter((r) => !taken.has(place(r)));
      if (records.length === 0) continue;
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
