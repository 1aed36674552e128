import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type { AppendedMessage, AppendInput, MessageDetails, ScanResult } from "../../backend.js";
import { makeDirs } from "../../durable-fs.js";
import { errnoCode, StoreError } from "../../errors.js";
import type { FileOwner } from "../../file-owner.js";
import type { MailboxPath } from "../../mailbox-name.js";
import type { Dotlock } from "../common/dotlock.js";
import { encodeMutf7 } from "../common/mutf7.js";
import { allocateUidValidity } from "../common/uidvalidity.js";
import { newMessageGuid } from "./dbox-guid.js";
import { type DboxLayout, isDirectory } from "./dbox-layout.js";
import { type OpenRecord, openRecord, readMessage, recordsDetails } from "./dbox-read.js";
import type { DboxMailbox } from "./dbox-store.js";
import { addDovecotFlags } from "./dovecot-flags.js";
import {
  appendMapLines,
  entryLine,
  lockMap,
  MAP_FILE,
  type MailboxMap,
  type MapEntry,
  readMap,
  serializeMap,
} from "./mdbox-map.js";
import type { MdboxStorage } from "./mdbox-storage.js";

const DIRTY_WINDOW_SECONDS_MS = 1000;
const DIRTY_WINDOW_FINE_MS = 50;

/** A message's place for the index: `m.<file id>:<offset>:<uid>` (the UID finds it again after a purge). */
function refOf(entry: MapEntry): string {
  return `m.${entry.fileId}:${entry.offset}:${entry.uid}`;
}

function parseRef(ref: string): MapEntry {
  const match = /^m\.(\d+):(\d+):(\d+)$/.exec(ref);
  if (!match) throw new StoreError("CORRUPT", `Not an mdbox message reference: ${ref}`);
  return { fileId: Number(match[1]), offset: Number(match[2]), uid: Number(match[3]) };
}

/** The `B` metadata: the mailbox name as the list stores it (modified UTF-7, `/` between levels). */
export function originalMailboxName(path: MailboxPath): string {
  return path.map(encodeMutf7).join("/");
}

/**
 * One mdbox mailbox: its messages are records in the shared storage files, found through Loft's
 * map in dbox-Mails/. Flags live in the index only, as Dovecot keeps them in dovecot.index.
 */
export class MdboxMailbox implements DboxMailbox {
  readonly dir: string;
  private cached: { stamp: string; map: MailboxMap } | undefined;

  constructor(
    readonly path: MailboxPath,
    private readonly layout: DboxLayout,
    private readonly storage: MdboxStorage,
    private readonly owner: FileOwner | undefined,
  ) {
    this.dir = layout.mailDir(path);
  }

  exists(): Promise<boolean> {
    return isDirectory(this.dir);
  }

  async create(): Promise<void> {
    await makeDirs(this.dir, this.owner);
    await this.map();
  }

  /**
   * The map, created when missing with a UIDVALIDITY from the user's generator. Read again only
   * when the file changed: a STORE on many messages asks for it once per message.
   */
  async map(): Promise<MailboxMap> {
    const stamp = await stat(join(this.dir, MAP_FILE), { bigint: true }).then(
      (st) => `${st.ino}.${st.size}.${st.mtimeNs}`,
      () => undefined,
    );
    if (stamp !== undefined && this.cached?.stamp === stamp) return this.cached.map;
    const found = await readMap(this.dir);
    if (found) {
      if (stamp !== undefined) this.cached = { stamp, map: found };
      return found;
    }
    const lock = await lockMap(this.dir, this.owner);
    try {
      const again = await readMap(this.dir);
      if (again) return again;
      const map = {
        uidValidity: await allocateUidValidity(this.layout.root, this.owner),
        uidNext: 1,
        entries: [],
      };
      const text = serializeMap(map);
      await lock.commitTo(join(this.dir, MAP_FILE), text);
      return { ...map, expunged: 0, validLength: text.length };
    } finally {
      await lock.release();
    }
  }

  /** The map under its lock (created first, outside the lock, when missing). */
  async lockedMap(): Promise<{ lock: Dotlock; map: MailboxMap }> {
    await this.map();
    const lock = await lockMap(this.dir, this.owner);
    const map = await readMap(this.dir).catch(async (err) => {
      await lock.release();
      throw err;
    });
    if (!map) {
      await lock.release();
      throw new StoreError("NONEXISTENT", "Mailbox was deleted meanwhile");
    }
    return { lock, map };
  }

  async fingerprint(): Promise<string | undefined> {
    try {
      const st = await stat(join(this.dir, MAP_FILE), { bigint: true });
      const window = st.mtimeNs % 1_000_000_000n === 0n ? DIRTY_WINDOW_SECONDS_MS : DIRTY_WINDOW_FINE_MS;
      if (Date.now() - Number(st.mtimeNs / 1_000_000n) < window) return undefined;
      return `${st.ino}.${st.size}.${st.mtimeNs}`;
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return undefined;
      throw err;
    }
  }

  async scan(): Promise<ScanResult> {
    const map = await this.map();
    const messages = map.entries.map((entry) => ({ uid: entry.uid, ref: refOf(entry), guid: "" }));
    if (map.dovecotFlags) await addDovecotFlags(this.dir, map.uidValidity, messages);
    return { uidValidity: map.uidValidity, uidNext: map.uidNext, messages };
  }

  /** Opens a message's record; after a purge moved it, looks its UID up in the map again. */
  private async openRef(ref: string): Promise<OpenRecord | undefined> {
    const wanted = parseRef(ref);
    for (const entry of [wanted, undefined]) {
      const where = entry ?? (await this.map()).entries.find((e) => e.uid === wanted.uid);
      if (!where) return undefined;
      const path = await this.storage.locate(where.fileId);
      const found = path === undefined ? undefined : await openRecord(path, where.offset);
      if (found) return found;
    }
    return undefined;
  }

  details(refs: readonly string[]): Promise<(MessageDetails | undefined)[]> {
    return recordsDetails(refs, (ref) => this.openRef(ref));
  }

  /** Appends a record to the storage and, under the same storage lock, its UID to the map. */
  async append(input: AppendInput): Promise<AppendedMessage> {
    const date = input.internalDate ?? new Date();
    const receivedSecs = Math.floor(date.getTime() / 1000);
    const guid = newMessageGuid();
    const knownSize = input.data instanceof Uint8Array ? input.data.length : undefined;
    return this.storage.append(
      {
        data: input.data,
        guid,
        receivedSecs,
        mailbox: originalMailboxName(this.path),
        onStoredBytes: input.onStoredBytes,
        maxSize: input.maxSize,
      },
      knownSize,
      async (fileId, offset, written) => {
        const { lock, map } = await this.lockedMap();
        try {
          const entry = { uid: Math.max(map.uidNext, input.uid ?? 1), fileId, offset };
          await appendMapLines(this.dir, map, entryLine(entry));
          return {
            uid: entry.uid,
            ref: refOf(entry),
            guid,
            flags: input.flags,
            keywords: [...input.keywords],
            size: written.size,
            vsize: written.vsize,
            internalDate: receivedSecs * 1000,
          };
        } finally {
          await lock.release();
        }
      },
    );
  }

  /** Rewrites the map's header (crash-safely, through the lock's commit) with the copied mailbox's UIDs. */
  async adoptUids(uidValidity: number, uidNext: number): Promise<void> {
    const { lock, map } = await this.lockedMap();
    try {
      if (map.uidValidity !== uidValidity && map.entries.length > 0) {
        throw new StoreError("CANNOT", "Mailbox is not empty: its UIDVALIDITY must stay");
      }
      const next = Math.max(map.uidValidity === uidValidity ? map.uidNext : 1, uidNext);
      await lock.commitTo(
        join(this.dir, MAP_FILE),
        serializeMap({ uidValidity, uidNext: next, entries: map.entries }),
      );
      this.cached = undefined;
    } finally {
      await lock.release();
    }
  }

  /**
   * Takes over a mailbox Dovecot's indexes describe (mdbox-adopt.ts): its UIDVALIDITY, next UID and
   * messages under their UIDs, with flags read from Dovecot's index until Loft changes one. Entries
   * already in the map (an adoption cut short and run again) stay.
   */
  async adoptDovecot(uidValidity: number, uidNext: number, entries: readonly MapEntry[]): Promise<void> {
    const { lock, map } = await this.lockedMap();
    try {
      if (map.uidValidity !== uidValidity && map.entries.length > 0) {
        throw new StoreError("CANNOT", "Mailbox is not empty: its UIDVALIDITY must stay");
      }
      const known = new Set(map.entries.map((e) => e.uid));
      const all = [...map.entries, ...entries.filter((e) => !known.has(e.uid))].sort((a, b) => a.uid - b.uid);
      const next = Math.max(
        map.uidValidity === uidValidity ? map.uidNext : 1,
        uidNext,
        (all.at(-1)?.uid ?? 0) + 1,
      );
      await lock.commitTo(
        join(this.dir, MAP_FILE),
        serializeMap({ uidValidity, uidNext: next, entries: all, dovecotFlags: true }),
      );
      this.cached = undefined;
    } finally {
      await lock.release();
    }
  }

  /**
   * Flags live in the index; the message only has to be still in the map. The first change ends
   * reading flags from Dovecot's index (before the index takes it, so no later scan undoes it).
   */
  async setFlags(message: { uid: number; ref: string }): Promise<string | undefined> {
    if ((await this.map()).dovecotFlags) {
      const { lock, map } = await this.lockedMap();
      try {
        if (map.dovecotFlags) {
          await lock.commitTo(join(this.dir, MAP_FILE), serializeMap({ ...map, dovecotFlags: false }));
          this.cached = undefined;
        }
      } finally {
        await lock.release();
      }
    }
    const entry = (await this.map()).entries.find((e) => e.uid === message.uid);
    return entry ? refOf(entry) : undefined;
  }

  /** Marks the messages expunged in the map; their records stay in storage until a purge. */
  async expunge(messages: readonly { uid: number; ref: string }[]): Promise<void> {
    if (messages.length === 0) return;
    const { lock, map } = await this.lockedMap();
    try {
      const live = new Set(map.entries.map((e) => e.uid));
      const lines = messages
        .filter((m) => live.has(m.uid))
        .map((m) => `-${m.uid}\n`)
        .join("");
      if (lines !== "") await appendMapLines(this.dir, map, lines);
    } finally {
      await lock.release();
    }
  }

  async openRead(ref: string, start?: number, end?: number): Promise<Readable> {
    return readMessage(await this.openRef(ref), start, end);
  }

  async recentClaimed(): Promise<void> {}

  watchPaths(): string[] {
    return [this.dir];
  }
}
