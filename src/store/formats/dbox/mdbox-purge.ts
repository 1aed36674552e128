import { type FileHandle, open, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { PurgeResult } from "../../backend.js";
import { fsyncDir } from "../../durable-fs.js";
import { isStoreError } from "../../errors.js";
import type { FileOwner } from "../../file-owner.js";
import {
  type DboxRecord,
  messageHeader,
  metadataBlock,
  readFileHeader,
  readRecord,
  unfinishedAppend,
} from "./dbox-file.js";
import type { DboxLayout } from "./dbox-layout.js";
import { originalMailboxName } from "./mdbox-mailbox.js";
import { lockMap, MAP_FILE, readMap, serializeMap } from "./mdbox-map.js";
import type { MdboxStorage, StorageFile } from "./mdbox-storage.js";

const COPY_CHUNK = 256 * 1024;

function key(fileId: number, offset: number): string {
  return `${fileId}:${offset}`;
}

/**
 * The records of a file up to the first one that does not parse, and where that one starts when it
 * is the unfinished append of a save that was killed (never in a map, so nothing to keep). Any other
 * break, or a file header that does not parse, is CORRUPT.
 */
async function readAll(handle: FileHandle, path: string): Promise<{ records: DboxRecord[]; tail?: number }> {
  const header = await readFileHeader(handle, path);
  const records: DboxRecord[] = [];
  let offset = header.length;
  for (;;) {
    let record: DboxRecord | undefined;
    try {
      record = await readRecord(handle, path, header, offset);
    } catch (err) {
      if (isStoreError(err, "CORRUPT") && (await unfinishedAppend(handle, header, offset))) {
        return { records, tail: offset };
      }
      throw err;
    }
    if (!record) return { records };
    records.push(record);
    offset = record.end;
  }
}

async function truncateFile(path: string, length: number): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.truncate(length);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Copies one record: the message bytes as they are, the metadata with `B` set to its mailbox now. */
async function copyRecord(
  from: FileHandle,
  record: DboxRecord,
  to: FileHandle,
  position: number,
  mailbox: string,
): Promise<number> {
  const header = messageHeader(record.size);
  await to.write(header, 0, header.length, position);
  let at = position + header.length;
  const buffer = Buffer.alloc(COPY_CHUNK);
  for (let done = 0; done < record.size; ) {
    const { bytesRead } = await from.read(
      buffer,
      0,
      Math.min(COPY_CHUNK, record.size - done),
      record.messageStart + done,
    );
    if (bytesRead === 0) throw new Error("storage file shrank while it was purged");
    await to.write(buffer, 0, bytesRead, at);
    at += bytesRead;
    done += bytesRead;
  }
  const meta = metadataBlock({ ...record.metadata, mailbox });
  await to.write(meta, 0, meta.length, at);
  return at + meta.length;
}

/**
 * `loft purge` (doveadm purge): rewrites every storage file that holds records no mailbox map
 * refers to any more, keeping the others byte for byte (`B` updated to the mailbox that holds the
 * message now, so Dovecot's rebuild puts it there). Crash-safe by order: the new file is complete
 * and fsynced before any map points to it, every map points to it before the old file goes; a crash
 * in between leaves a message in two files, never in none, and the next purge drops the extra copy.
 *
 * Records no map refers to include those of saves killed before their map line was written, and
 * the unfinished record of a save killed while writing: none was acknowledged. Here Loft deviates
 * from Dovecot on purpose: Dovecot's rebuild (`doveadm force-resync`) adopts a complete record its
 * map lacks, and its file fixer even turns an unfinished record whose metadata was written into a
 * message that starts with the 30 zero bytes of the placeholder header (both observed with
 * `doveadm save` killed at those points, 2.3.19). Loft drops both: the sender was never told the
 * message was saved and sends it again, so adopting it would make a duplicate, and a message with
 * garbage in front is no message. After a purge every record left is one Loft shows, so Dovecot's
 * rebuild finds the same messages.
 */
export async function purgeStorage(
  layout: DboxLayout,
  storage: MdboxStorage,
  owner: FileOwner | undefined,
): Promise<PurgeResult> {
  const lock = await storage.lock();
  try {
    const mailboxes = (await layout.list()).filter((m) => m.selectable);
    const owners = new Map<string, string>();
    /** Highest offset any map refers to, per file id. */
    const lastRef = new Map<number, number>();
    for (const mailbox of mailboxes) {
      const map = await readMap(layout.mailDir(mailbox.path));
      for (const e of map?.entries ?? []) {
        owners.set(key(e.fileId, e.offset), originalMailboxName(mailbox.path));
        lastRef.set(e.fileId, Math.max(lastRef.get(e.fileId) ?? -1, e.offset));
      }
    }
    const moved = new Map<string, { fileId: number; offset: number }>();
    const obsolete: StorageFile[] = [];
    let bytes = 0;
    let truncated = 0;
    for (const file of await storage.files()) {
      const source = await open(file.path, "r");
      try {
        let records: DboxRecord[];
        let tail: number | undefined;
        try {
          ({ records, tail } = await readAll(source, file.path));
        } catch (err) {
          // A file we cannot parse is left alone: purging must never lose what it does not understand.
          if (isStoreError(err, "CORRUPT")) continue;
          throw err;
        }
        // A map pointing into the unfinished tail would be a message there: leave such a file alone too.
        if (tail !== undefined && (lastRef.get(file.id) ?? -1) >= tail) continue;
        const kept = records.filter((r) => owners.has(key(file.id, r.offset)));
        const stale = kept.some((r) => r.metadata.mailbox !== owners.get(key(file.id, r.offset)));
        const oldSize = (await source.stat()).size;
        if (kept.length === records.length && !stale) {
          if (tail === undefined) continue;
          // Only an unfinished append to cut off: no map changes, so the file is cut where it is.
          await truncateFile(file.path, tail);
          truncated++;
          bytes += oldSize - tail;
          continue;
        }
        let newSize = 0;
        if (kept.length > 0) {
          const target = await storage.createFile(file.alt);
          const out = await open(target.path, "r+");
          try {
            let at = (await out.stat()).size;
            for (const record of kept) {
              const mailbox = owners.get(key(file.id, record.offset))!;
              moved.set(key(file.id, record.offset), { fileId: target.id, offset: at });
              at = await copyRecord(source, record, out, at, mailbox);
            }
            await out.sync();
            newSize = at;
          } finally {
            await out.close();
          }
        }
        obsolete.push(file);
        bytes += oldSize - newSize;
      } finally {
        await source.close();
      }
    }
    for (const mailbox of mailboxes) {
      const dir = layout.mailDir(mailbox.path);
      const mapLock = await lockMap(dir, owner);
      try {
        const map = await readMap(dir);
        if (!map) continue;
        const touched = map.entries.some((e) => moved.has(key(e.fileId, e.offset)));
        if (!touched && map.expunged === 0) continue;
        const entries = map.entries.map((e) => ({
          uid: e.uid,
          ...(moved.get(key(e.fileId, e.offset)) ?? e),
        }));
        await mapLock.commitTo(join(dir, MAP_FILE), serializeMap({ ...map, entries }));
      } finally {
        await mapLock.release();
      }
    }
    const dirs = new Set<string>();
    for (const file of obsolete) {
      await unlink(file.path);
      dirs.add(dirname(file.path));
    }
    for (const dir of dirs) await fsyncDir(dir);
    return { files: obsolete.length + truncated, bytes };
  } finally {
    await lock.release();
  }
}
