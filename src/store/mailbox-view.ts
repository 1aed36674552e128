import type { Readable } from "node:stream";
import { MimeParser, type MimePart } from "../mime/index.js";
import type { FormatMailbox, MessageDetails } from "./backend.js";
import { toCrlfRange } from "./crlf-stream.js";
import { errnoCode, isStoreError, StoreError } from "./errors.js";
import { bitsToFlags, checkKeywords, FLAG_BITS, flagsToBits, type SystemFlag } from "./flags.js";
import { CACHED_HEADER_FIELDS, type CachedHeaders, HeaderCapture } from "./header-cache.js";
import { type AppliedChanges, type MessageRow, type StoreIndex, splitKeywords } from "./index/index.js";
import type { MailboxPath } from "./mailbox-name.js";
import { cachedSnapshot, MailboxSnapshot, rememberSnapshot } from "./mailbox-snapshot.js";
import { MessageStructure, type StructureColumns, structureColumns } from "./message-structure.js";
import { syncAfterNow } from "./sync-gate.js";
import type {
  AppendOptions,
  AppendResult,
  CopyResult,
  FlagOperation,
  Mailbox,
  MailboxChange,
  MailboxStatus,
  MessageInfo,
  ReadOptions,
  StoreFlagsOptions,
  StoreFlagsResult,
  StoreLogger,
  SyncOptions,
} from "./types.js";
import { publishLocalChange, watchMailbox } from "./watch/index.js";

/** What a mailbox view needs from the user store that opened it. */
export interface MailboxContext {
  index: StoreIndex;
  /** Prefix of the in-process change-bus keys: the index file, so two stores of one user share them. */
  busPrefix: string;
  rescanIntervalMs: number;
  openMailbox(name: string): Promise<MailboxView>;
  /** Bytes a new message may still take, or undefined when unlimited; throws OVERQUOTA when none. */
  quotaRoom(): number | undefined;
  logger: StoreLogger | undefined;
}

/** Messages up to this size are read in one call to be parsed (where the format can); larger ones stream. */
const WHOLE_READ_LIMIT = 1024 * 1024;
/** Enough of a message for HeaderCapture, which keeps no more. */
const HEADER_CAPTURE_LIMIT = 64 * 1024;
/** Parsed structures written to the index in one transaction. */
const STRUCTURE_WRITE_BATCH = 256;

function toInfo(row: MessageRow): MessageInfo {
  const info: MessageInfo = {
    uid: row.uid,
    guid: row.guid,
    flags: bitsToFlags(row.flags),
    keywords: splitKeywords(row.keywords),
    modseq: row.modseq,
    size: row.size,
    vsize: row.vsize,
    internalDate: new Date(row.internal_date),
    savedDate: new Date(row.saved_date),
  };
  return info;
}

function hasChanges(changes: AppliedChanges): boolean {
  return changes.added.length + changes.expunged.length + changes.changed.length > 0;
}

/** One mailbox seen through the index; every format's mailbox looks the same from here. */
export class MailboxView implements Mailbox {
  /**
   * Refs of the last batch of structures() read: a SEARCH reads those messages next, and a
   * stale ref costs nothing (the format finds the file under its new name).
   */
  private batchRefs = new Map<number, string>();
  /** Structures parsed but not yet written to the index (saveStructure). */
  private readonly unsaved = new Map<
    number,
    { root: MimePart; columns: StructureColumns & { headers: string | null } }
  >();

  constructor(
    readonly name: string,
    readonly path: MailboxPath,
    private readonly key: string,
    private readonly format: FormatMailbox,
    private readonly ctx: MailboxContext,
    /** Opened without a sync (a delivery): an append syncs only when the index may have missed UIDs. */
    private readonly unsynced = false,
  ) {}

  private get id(): number {
    return this.ctx.index.mailboxId(this.key);
  }

  get uidValidity(): number {
    return this.ctx.index.ensureMailbox(this.key).uidvalidity;
  }

  private get busKey(): string {
    return `${this.ctx.busPrefix}\0${this.key}`;
  }

  private announce(changes: AppliedChanges): void {
    if (hasChanges(changes)) publishLocalChange(this.busKey);
  }

  /** Syncs of one mailbox run one after another; each starts after it was asked for, so none misses a change. */
  sync(options: SyncOptions = {}): Promise<void> {
    return syncAfterNow(this.busKey, () => this.syncOnce(), options.freshMs);
  }

  private async syncOnce(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const row = this.ctx.index.ensureMailbox(this.key);
      const fingerprint = await this.format.fingerprint();
      if (fingerprint !== undefined && fingerprint === row.fingerprint) return;
      const scan = await this.format.scan();
      const known = new Set(scan.uidValidity === row.uidvalidity ? this.ctx.index.uids(row.id) : []);
      const fresh = scan.messages.filter((m) => !known.has(m.uid));
      const found = await this.format.details(fresh.map((m) => m.ref));
      const details = new Map<number, MessageDetails>();
      fresh.forEach((m, i) => {
        const detail = found[i];
        // Gone since the scan (expunged, or renamed: the next sync finds it under its new name).
        if (detail) details.set(m.uid, detail);
      });
      const result = this.ctx.index.applyScan(
        row.id,
        attempt < 3 ? row.sync_seq : undefined,
        scan,
        details,
        fingerprint,
      );
      if (result === "retry") continue;
      this.announce(result);
      return;
    }
  }

  /**
   * The messages and flags as the index has them now. Costs one primary-key read while nothing
   * changed; after a change, only the rows changed since the last snapshot are read.
   */
  snapshot(): MailboxSnapshot {
    let id = this.id;
    let stamp = this.ctx.index.stamp(id);
    if (stamp === undefined) {
      // Deleted by another process meanwhile: the name gets a new row.
      this.ctx.index.forgetMailboxId(this.key);
      id = this.id;
      stamp = this.ctx.index.stamp(id);
    }
    // Keyed by id too: a mailbox made again under the name must not continue the old one's snapshot.
    const cacheKey = `${this.busKey}\0${id}`;
    const cached = cachedSnapshot(cacheKey);
    if (
      stamp !== undefined &&
      cached !== undefined &&
      cached.modseq === stamp.modseq &&
      cached.uidNext === stamp.uidNext &&
      cached.uidValidity === stamp.uidValidity
    )
      return cached;
    const base =
      cached !== undefined && cached.uidValidity === stamp?.uidValidity && cached.modseq <= stamp.modseq
        ? cached
        : undefined;
    let snapshot = base && this.readSnapshot(id, base);
    snapshot ??= this.readSnapshot(id, undefined);
    if (snapshot === undefined) throw new StoreError("NONEXISTENT", `Mailbox doesn't exist: ${this.name}`);
    rememberSnapshot(cacheKey, snapshot);
    return snapshot;
  }

  private readSnapshot(id: number, base: MailboxSnapshot | undefined): MailboxSnapshot | undefined {
    const read = this.ctx.index.flagsSince(id, base?.modseq);
    return read && MailboxSnapshot.build(base, read);
  }

  status(): MailboxStatus {
    const row = this.ctx.index.ensureMailbox(this.key);
    const counts = this.ctx.index.counts(row.id);
    const status: MailboxStatus = {
      name: this.name,
      uidValidity: row.uidvalidity,
      uidNext: row.uidnext,
      highestModseq: row.highest_modseq,
      messages: counts.messages,
      unseen: counts.unseen,
      recent: counts.recent,
      size: counts.size,
    };
    if (counts.firstUnseenUid !== undefined) status.firstUnseenUid = counts.firstUnseenUid;
    return status;
  }

  uids(): number[] {
    return this.ctx.index.uids(this.id);
  }

  messages(fromUid?: number, toUid?: number): MessageInfo[] {
    return this.ctx.index.messages(this.id, fromUid, toUid).map(toInfo);
  }

  message(uid: number): MessageInfo | undefined {
    const row = this.ctx.index.message(this.id, uid);
    return row ? toInfo(row) : undefined;
  }

  private row(uid: number): MessageRow {
    const row = this.ctx.index.message(this.id, uid);
    if (!row) throw new StoreError("EXPUNGED", `No message with UID ${uid}`);
    return row;
  }

  async append(
    data: AsyncIterable<Uint8Array> | Uint8Array,
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const keywords = options.keywords ?? [];
    checkKeywords(keywords);
    const room = this.ctx.quotaRoom();
    // The uidlist must exist (and carry the UIDVALIDITY) before the first save.
    if (
      !this.ctx.index.hasUidValidity(this.key) ||
      (this.unsynced && this.format.savesReportUidValidity !== true)
    )
      await this.sync();
    const parser = new MimeParser();
    const header = new HeaderCapture();
    const saved = await this.format.append({
      data,
      onStoredBytes: (chunk) => {
        header.push(chunk);
        parser.push(chunk);
      },
      flags: flagsToBits(options.flags ?? []),
      keywords,
      ...(options.internalDate ? { internalDate: options.internalDate } : {}),
      ...(options.envelopeSender !== undefined ? { envelopeSender: options.envelopeSender } : {}),
      ...(room !== undefined ? { maxSize: room } : {}),
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
    });
    const root = parser.end();
    const message = { ...saved, ...structureColumns(root), headers: header.fields(root) };
    // Unsynced, the index may lack messages others saved before this one. Without proof that it
    // lacks no UID below ours, it reads the mailbox first: added now, ours would show before
    // smaller UIDs, which IMAP forbids. (Flags and expunges of others wait for the next sync.)
    if (this.unsynced && this.format.savesReportUidValidity === true) {
      const added =
        saved.uidValidity === undefined
          ? undefined
          : this.ctx.index.addFollowing(this.id, saved.uidValidity, message);
      if (added !== undefined && saved.uidValidity !== undefined) {
        this.announce(added);
        return { uid: saved.uid, uidValidity: saved.uidValidity };
      }
      await this.sync();
    }
    const row = this.ctx.index.ensureMailbox(this.key);
    this.announce(this.ctx.index.addMessages(row.id, [message]));
    return { uid: saved.uid, uidValidity: row.uidvalidity };
  }

  async adoptUids(uidValidity: number, uidNext: number): Promise<void> {
    await this.format.adoptUids(uidValidity, uidNext);
    await this.sync();
  }

  async read(uid: number, options: ReadOptions = {}): Promise<Readable> {
    const row = this.row(uid);
    if (options.crlf === false) return this.format.openRead(row.ref, options.start, options.end);
    return toCrlfRange(await this.format.openRead(row.ref), options.start, options.end);
  }

  async readWhole(uid: number): Promise<Buffer> {
    const ref = this.batchRefs.get(uid) ?? this.row(uid).ref;
    if (this.format.readWhole !== undefined) return this.format.readWhole(ref);
    const chunks: Buffer[] = [];
    for await (const chunk of await this.format.openRead(ref)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  /**
   * The MIME structure (offsets into the stored bytes), cached in the index: parsed at save time
   * for messages saved here, on first use for messages others delivered.
   */
  async structure(uid: number): Promise<MimePart> {
    const unsaved = this.unsaved.get(uid);
    if (unsaved !== undefined) return unsaved.root;
    const row = this.ctx.index.parseSource(this.id, uid);
    if (!row) throw new StoreError("EXPUNGED", `No message with UID ${uid}`);
    if (row.mime) return JSON.parse(row.mime) as MimePart;
    const parser = new MimeParser();
    const header = new HeaderCapture();
    if (this.format.readWhole !== undefined && row.size <= WHOLE_READ_LIMIT) {
      const bytes = await this.format.readWhole(row.ref);
      header.push(bytes.subarray(0, HEADER_CAPTURE_LIMIT));
      parser.push(bytes);
    } else {
      for await (const chunk of await this.format.openRead(row.ref)) {
        header.push(chunk as Buffer);
        parser.push(chunk as Buffer);
      }
    }
    const root = parser.end();
    this.saveStructure(uid, root, { ...structureColumns(root), headers: header.fields(root) });
    return root;
  }

  /**
   * Structures parsed on first use are written a batch at a time, in one transaction (one commit
   * per message would cost more than the parse): when a batch is full, once the running task ends,
   * or before this view reads cached structures or header fields.
   */
  private saveStructure(
    uid: number,
    root: MimePart,
    columns: StructureColumns & { headers: string | null },
  ): void {
    this.unsaved.set(uid, { root, columns });
    if (this.unsaved.size === 1) setImmediate(() => this.writeStructures());
    if (this.unsaved.size >= STRUCTURE_WRITE_BATCH) this.writeStructures();
  }

  private writeStructures(): void {
    if (this.unsaved.size === 0) return;
    const rows = [...this.unsaved].map(([uid, { columns }]) => ({ uid, ...columns }));
    this.unsaved.clear();
    // A cache: a store closed meanwhile parses these again next time.
    if (this.ctx.index.isOpen) this.ctx.index.setMimes(this.id, rows);
  }

  /** The cached MIME structures of the messages in a UID range, read in one query. */
  structures(fromUid: number, toUid: number, tree = true): Map<number, MessageStructure> {
    this.writeStructures();
    const out = new Map<number, MessageStructure>();
    const texts: [number, string, string][] = [];
    this.batchRefs = new Map();
    for (const [uid, json, ref, envelope, bodystructure] of this.ctx.index.mimes(
      this.id,
      fromUid,
      toUid,
      tree,
    )) {
      const structure = MessageStructure.cached(json, envelope, bodystructure);
      out.set(uid, structure);
      if (ref !== null) this.batchRefs.set(uid, ref);
      if (envelope === null || bodystructure === null)
        texts.push([uid, structure.envelope, structure.bodystructure]);
    }
    if (texts.length > 0) this.ctx.index.setStructureTexts(this.id, texts);
    return out;
  }

  /** Some cached search header fields of every message that has them (filled with the MIME structure). */
  cachedHeaders(fields: ReadonlySet<string>): Map<number, CachedHeaders> {
    this.writeStructures();
    const names = [...fields].filter((f) => CACHED_HEADER_FIELDS.has(f));
    const out = new Map<number, CachedHeaders>();
    for (const row of this.ctx.index.headers(this.id, names)) {
      const headers: Record<string, readonly string[]> = {};
      for (let f = 0; f < names.length; f++) {
        const values = row[f + 1] as string | null;
        if (values !== null) headers[names[f]!] = JSON.parse(values) as string[];
      }
      out.set(row[0] as number, headers);
    }
    return out;
  }

  async storeFlags(
    uids: readonly number[],
    operation: FlagOperation,
    flags: readonly SystemFlag[],
    keywords: readonly string[],
    options: StoreFlagsOptions = {},
  ): Promise<StoreFlagsResult> {
    checkKeywords(keywords);
    const bits = flagsToBits(flags);
    const lower = new Set(keywords.map((k) => k.toLowerCase()));
    const id = this.id;
    const failed: number[] = [];
    const updates: { uid: number; ref: string; flags: number; keywords: string[] }[] = [];
    for (const uid of uids) {
      const row = this.ctx.index.message(id, uid);
      if (!row) continue;
      if (options.unchangedSince !== undefined && row.modseq > options.unchangedSince) {
        failed.push(uid);
        continue;
      }
      const current = splitKeywords(row.keywords);
      let nextFlags: number;
      let nextKeywords: string[];
      if (operation === "replace") {
        nextFlags = bits;
        nextKeywords = [...new Set(keywords)];
      } else if (operation === "add") {
        nextFlags = row.flags | bits;
        nextKeywords = [
          ...current,
          ...keywords.filter((k) => !current.some((c) => c.toLowerCase() === k.toLowerCase())),
        ];
      } else {
        nextFlags = row.flags & ~bits;
        nextKeywords = current.filter((k) => !lower.has(k.toLowerCase()));
      }
      const sameKeywords =
        nextKeywords.length === current.length && nextKeywords.every((k, i) => k === current[i]);
      if (nextFlags === row.flags && sameKeywords) continue;
      const ref = await this.format.setFlags({ uid, ref: row.ref }, nextFlags, nextKeywords);
      if (ref === undefined) continue;
      updates.push({ uid, ref, flags: nextFlags, keywords: nextKeywords });
    }
    if (updates.length === 0) return { updated: [], failed };
    this.announce(this.ctx.index.updateFlags(id, updates));
    const updated = updates.map((u) => this.message(u.uid)).filter((m): m is MessageInfo => m !== undefined);
    return { updated, failed };
  }

  async copy(uids: readonly number[], destination: string): Promise<CopyResult> {
    const target = await this.ctx.openMailbox(destination);
    const pairs: [number, number][] = [];
    try {
      for (const uid of uids) {
        const row = this.ctx.index.message(this.id, uid);
        if (!row) continue;
        const linked = await target.copyIn(this, row);
        if (linked !== undefined) {
          pairs.push([uid, linked]);
          continue;
        }
        let source: Readable;
        try {
          source = await this.format.openRead(row.ref);
        } catch (err) {
          if (isStoreError(err, "EXPUNGED")) continue;
          throw err;
        }
        const result = await target.append(source, {
          flags: bitsToFlags(row.flags),
          keywords: splitKeywords(row.keywords),
          internalDate: new Date(row.internal_date),
        });
        pairs.push([uid, result.uid]);
      }
    } catch (err) {
      // COPY is all or nothing (RFC 3501 §6.4.7): take back what was already copied.
      await target.remove(pairs.map(([, copied]) => copied)).catch(() => {});
      throw err;
    }
    return { uidValidity: target.uidValidity, uids: pairs };
  }

  /** Copies a message of `source` the format's cheap way (a hard link); undefined when it cannot. */
  private async copyIn(source: MailboxView, row: MessageRow): Promise<number | undefined> {
    if (this.format.copyFrom === undefined) return undefined;
    const room = this.ctx.quotaRoom();
    if (room !== undefined && row.size > room)
      throw new StoreError("OVERQUOTA", "Quota exceeded (mailbox for user is full)");
    if (this.ctx.index.ensureMailbox(this.key).uidvalidity === 0) await this.sync();
    const saved = await this.format.copyFrom(
      source.format,
      { ...row, internalDate: row.internal_date },
      row.flags,
      splitKeywords(row.keywords),
    );
    if (saved === undefined) return undefined;
    // The bytes are the source's, so its parsed structure holds here too.
    const parsed = this.ctx.index.parsed(source.id, row.uid);
    const id = this.ctx.index.ensureMailbox(this.key).id;
    this.announce(this.ctx.index.addMessages(id, [{ ...saved, ...parsed }]));
    return saved.uid;
  }

  async move(uids: readonly number[], destination: string): Promise<CopyResult> {
    const result = await this.copy(uids, destination);
    await this.remove(result.uids.map(([source]) => source));
    return result;
  }

  async expunge(uids?: readonly number[]): Promise<number[]> {
    const id = this.id;
    const rows = uids
      ? uids.map((uid) => this.ctx.index.message(id, uid)).filter((r): r is MessageRow => r !== undefined)
      : this.ctx.index.messages(id);
    const deleted = rows.filter((r) => (r.flags & FLAG_BITS["\\Deleted"]) !== 0).map((r) => r.uid);
    await this.remove(deleted);
    return deleted;
  }

  /** Removes messages whatever their flags (MOVE, COPY rollback). */
  async remove(uids: readonly number[]): Promise<void> {
    if (uids.length === 0) return;
    const id = this.id;
    const rows = uids
      .map((uid) => this.ctx.index.message(id, uid))
      .filter((r): r is MessageRow => r !== undefined);
    await this.format.expunge(rows.map((r) => ({ uid: r.uid, ref: r.ref })));
    this.announce(
      this.ctx.index.removeMessages(
        id,
        rows.map((r) => r.uid),
      ),
    );
  }

  recentUids(): number[] {
    return this.ctx.index.recentUids(this.id);
  }

  async claimRecent(): Promise<number[]> {
    const uids = this.ctx.index.claimRecent(this.id);
    try {
      await this.format.recentClaimed();
    } catch (err) {
      // The messages stay where they are; \Recent was still taken by this session.
      if (errnoCode(err) === undefined) throw err;
      this.ctx.logger?.warn({ err, mailbox: this.name }, "could not move new/ messages to cur/");
    }
    return uids;
  }

  changesSince(modseq: number): { changed: MessageInfo[]; expunged: number[] } {
    const id = this.id;
    return {
      changed: this.ctx.index.changedSince(id, modseq).map(toInfo),
      expunged: this.ctx.index.expungedSince(id, modseq),
    };
  }

  /**
   * Notifies `listener` of changes from any source: in-process writers directly, other processes
   * through the mailbox's shared watch (fs.watch on its directories, debounced, and a periodic
   * rescan). A notification with nothing new costs one index read.
   */
  watch(listener: (change: MailboxChange) => void): () => void {
    const start = this.snapshot();
    let cursor = { modseq: start.modseq, uidNext: start.uidNext };
    const deliver = () => {
      const stamp = this.ctx.index.stamp(this.id);
      if (stamp === undefined || stamp.modseq === cursor.modseq) return;
      const { changed, expunged } = this.changesSince(cursor.modseq);
      const change: MailboxChange = {
        mailbox: this.name,
        uidValidity: stamp.uidValidity,
        newUids: changed.filter((m) => m.uid >= cursor.uidNext).map((m) => m.uid),
        flagsChanged: changed.filter((m) => m.uid < cursor.uidNext).map((m) => m.uid),
        expunged,
        highestModseq: stamp.modseq,
      };
      cursor = { modseq: stamp.modseq, uidNext: Math.max(stamp.uidNext, cursor.uidNext) };
      listener(change);
    };
    return watchMailbox(
      this.busKey,
      {
        sync: () => this.sync(),
        paths: this.format.watchPaths(),
        rescanIntervalMs: this.ctx.rescanIntervalMs,
        onSyncError: (err) =>
          this.ctx.logger?.warn({ err, mailbox: this.name }, "mailbox sync after a change failed"),
      },
      deliver,
    );
  }
}
