import type Database from "better-sqlite3";
import type { MessageDetails, ScanResult } from "../backend.js";
import type { FileOwner } from "../file-owner.js";
import { openDatabase } from "./open-database.js";
import {
  type AppliedChanges,
  type FlagRow,
  type FlagRows,
  type FlagUpdate,
  joinKeywords,
  type MailboxCounts,
  type MailboxRow,
  type MailboxStamp,
  type MessageRow,
  type NewMessage,
  ROW_COLUMNS,
  type StructureRow,
  sameKeywords,
  splitKeywords,
} from "./rows.js";

/**
 * The per-user SQLite index (WAL, so readers in other processes never block writers). Every write
 * runs in one IMMEDIATE transaction; one that changes something bumps the mailbox's modseq and
 * sync_seq, which syncs use to notice that another writer got in between their scan and their commit.
 */
export class StoreIndex {
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  /** Mailbox ids by name, forgotten when this process deletes or renames mailboxes. */
  private readonly ids = new Map<string, number>();
  /** Names whose row has a UIDVALIDITY, which only a new row (forgotten with `ids`) lacks again. */
  private readonly validated = new Set<string>();

  private constructor(db: Database.Database) {
    this.db = db;
  }

  /** Prepared once per SQL text: preparing costs more than running these small statements. */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  static open(path: string, owner: FileOwner | undefined): StoreIndex {
    return new StoreIndex(openDatabase(path, owner));
  }

  close(): void {
    this.db.close();
  }

  get isOpen(): boolean {
    return this.db.open;
  }

  mailbox(name: string): MailboxRow | undefined {
    return this.sql("SELECT * FROM mailboxes WHERE name = ?").get(name) as MailboxRow | undefined;
  }

  ensureMailbox(name: string): MailboxRow {
    const row = this.mailbox(name);
    if (row) return row;
    this.sql("INSERT OR IGNORE INTO mailboxes (name) VALUES (?)").run(name);
    return this.mailbox(name)!;
  }

  /** The id of a mailbox row (made when missing), without reading the row on every call. */
  mailboxId(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.ensureMailbox(name).id;
      this.ids.set(name, id);
    }
    return id;
  }

  /** Drops a remembered id whose row went away (another process deleted the mailbox). */
  forgetMailboxId(name: string): void {
    this.ids.delete(name);
    this.validated.delete(name);
  }

  /** Whether the mailbox's row has a UIDVALIDITY yet (it was read once); remembered once it has. */
  hasUidValidity(name: string): boolean {
    if (this.validated.has(name)) return true;
    if (this.ensureMailbox(name).uidvalidity === 0) return false;
    this.validated.add(name);
    return true;
  }

  mailboxNames(): string[] {
    return this.sql("SELECT name FROM mailboxes").pluck().all() as string[];
  }

  /** Renames a mailbox and its children (keys are levels joined by TAB), keeping their messages. */
  renameMailbox(from: string, to: string): void {
    this.ids.clear();
    this.validated.clear();
    this.db
      .transaction(() => {
        this.sql("DELETE FROM mailboxes WHERE name = ? OR substr(name, 1, ?) = ?").run(
          to,
          to.length + 1,
          `${to}\t`,
        );
        this.sql(
          "UPDATE mailboxes SET name = ? || substr(name, ?) WHERE name = ? OR substr(name, 1, ?) = ?",
        ).run(to, from.length + 1, from, from.length + 1, `${from}\t`);
      })
      .immediate();
  }

  deleteMailbox(name: string): void {
    this.ids.clear();
    this.validated.clear();
    this.sql("DELETE FROM mailboxes WHERE name = ?").run(name);
  }

  /** Forgets mailboxes that no longer exist on disk, so their messages leave the quota. */
  pruneMailboxes(existing: ReadonlySet<string>): void {
    this.db
      .transaction(() => {
        for (const name of this.mailboxNames()) if (!existing.has(name)) this.deleteMailbox(name);
      })
      .immediate();
  }

  /**
   * Drops every cached message (for a rebuild); modseqs continue from where they were. With
   * `keepFlags` (formats whose files hold no flags) the flags are set aside, and a message found
   * again under the same UID and GUID gets them back.
   */
  clearMessages(keepFlags = false): void {
    this.db
      .transaction(() => {
        if (keepFlags) {
          this.db.exec(
            "INSERT OR REPLACE INTO kept_flags SELECT mailbox_id, uid, guid, flags, keywords FROM messages",
          );
        }
        this.db.exec(
          "DELETE FROM message_cache; DELETE FROM messages; DELETE FROM expunged; UPDATE mailboxes SET fingerprint = NULL",
        );
      })
      .immediate();
  }

  /** Forgets the flags a rebuild set aside for messages it did not find again. */
  dropKeptFlags(): void {
    this.sql("DELETE FROM kept_flags").run();
  }

  /** Flags set aside by a rebuild for this message, taken back once; none when there are none. */
  private takeKeptFlags(mailboxId: number, uid: number, guid: string): { flags: number; keywords: string[] } {
    const row = this.sql(
      "DELETE FROM kept_flags WHERE mailbox_id = ? AND uid = ? AND guid = ? RETURNING flags, keywords",
    ).get(mailboxId, uid, guid) as { flags: number; keywords: string } | undefined;
    return row ? { flags: row.flags, keywords: splitKeywords(row.keywords) } : { flags: 0, keywords: [] };
  }

  messages(mailboxId: number, fromUid = 1, toUid = Number.MAX_SAFE_INTEGER): MessageRow[] {
    return this.sql(
      `SELECT ${ROW_COLUMNS} FROM messages WHERE mailbox_id = ? AND uid BETWEEN ? AND ? ORDER BY uid`,
    ).all(mailboxId, fromUid, toUid) as MessageRow[];
  }

  message(mailboxId: number, uid: number): MessageRow | undefined {
    return this.sql(`SELECT ${ROW_COLUMNS} FROM messages WHERE mailbox_id = ? AND uid = ?`).get(
      mailboxId,
      uid,
    ) as MessageRow | undefined;
  }

  uids(mailboxId: number): number[] {
    return this.sql("SELECT uid FROM messages WHERE mailbox_id = ? ORDER BY uid")
      .pluck()
      .all(mailboxId) as number[];
  }

  private bump(mailboxId: number): number {
    const row = this.sql(
      "UPDATE mailboxes SET highest_modseq = highest_modseq + 1, sync_seq = sync_seq + 1 WHERE id = ? RETURNING highest_modseq",
    ).get(mailboxId) as { highest_modseq: number };
    return row.highest_modseq;
  }

  private insert(mailboxId: number, message: NewMessage, modseq: number): void {
    this.sql(
      // An upsert, not INSERT OR REPLACE: REPLACE deletes without firing the quota trigger.
      `INSERT INTO messages
           (mailbox_id, uid, ref, guid, flags, keywords, size, vsize, internal_date, saved_date, modseq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (mailbox_id, uid) DO UPDATE SET
           ref = excluded.ref, flags = excluded.flags, keywords = excluded.keywords, modseq = excluded.modseq`,
    ).run(
      mailboxId,
      message.uid,
      message.ref,
      message.guid,
      message.flags,
      joinKeywords(message.keywords),
      message.size,
      message.vsize,
      Math.round(message.internalDate),
      Math.round(message.savedDate ?? Date.now()),
      modseq,
    );
    if (message.mime !== undefined) this.setMime(mailboxId, message.uid, message);
  }

  /**
   * Applies a scan of the files. Returns "retry" when another writer changed the mailbox since
   * `expectedSeq` was read (the scan may predate its change). UIDs at or above the scan's UIDNEXT are
   * never treated as expunged: they were saved after the scan looked.
   */
  applyScan(
    mailboxId: number,
    expectedSeq: number | undefined,
    scan: ScanResult,
    details: ReadonlyMap<number, MessageDetails & { mime?: string | undefined }>,
    fingerprint: string | undefined,
  ): AppliedChanges | "retry" {
    return this.db
      .transaction((): AppliedChanges | "retry" => {
        const box = this.sql("SELECT * FROM mailboxes WHERE id = ?").get(mailboxId) as MailboxRow;
        if (expectedSeq !== undefined && box.sync_seq !== expectedSeq) return "retry";
        const changes: AppliedChanges = { added: [], expunged: [], changed: [], modseq: box.highest_modseq };
        if (box.uidvalidity !== scan.uidValidity) {
          // New UIDVALIDITY: every cached UID is meaningless; clients resync from scratch.
          this.sql("DELETE FROM messages WHERE mailbox_id = ?").run(mailboxId);
          this.sql("DELETE FROM expunged WHERE mailbox_id = ?").run(mailboxId);
          this.sql("DELETE FROM kept_flags WHERE mailbox_id = ?").run(mailboxId);
          this.sql(
            "UPDATE mailboxes SET uidvalidity = ?, uidnext = 1, first_recent_uid = 1 WHERE id = ?",
          ).run(scan.uidValidity, mailboxId);
        }
        const rows = new Map(
          (
            this.sql("SELECT uid, ref, flags, keywords FROM messages WHERE mailbox_id = ?").all(
              mailboxId,
            ) as Pick<MessageRow, "uid" | "ref" | "flags" | "keywords">[]
          ).map((r) => [r.uid, r]),
        );
        let modseq: number | undefined;
        const next = () => {
          modseq ??= this.bump(mailboxId);
          return modseq;
        };
        const updateRef = this.sql("UPDATE messages SET ref = ? WHERE mailbox_id = ? AND uid = ?");
        const updateFlags = this.sql(
          "UPDATE messages SET ref = ?, flags = ?, keywords = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?",
        );
        for (const message of scan.messages) {
          const row = rows.get(message.uid);
          if (row === undefined) {
            const detail = details.get(message.uid);
            if (!detail) continue;
            const found = { ...message, ...detail };
            const flags =
              message.flags === undefined
                ? this.takeKeptFlags(mailboxId, message.uid, found.guid)
                : { flags: message.flags, keywords: message.keywords ?? [] };
            this.insert(mailboxId, { ...found, ...flags }, next());
            changes.added.push(message.uid);
            continue;
          }
          rows.delete(message.uid);
          if (
            message.flags !== undefined &&
            message.keywords !== undefined &&
            (row.flags !== message.flags || !sameKeywords(message.keywords, row.keywords))
          ) {
            updateFlags.run(
              message.ref,
              message.flags,
              joinKeywords(message.keywords),
              next(),
              mailboxId,
              message.uid,
            );
            changes.changed.push(message.uid);
          } else if (row.ref !== message.ref) {
            updateRef.run(message.ref, mailboxId, message.uid);
          }
        }
        const gone = [...rows.keys()].filter((uid) => uid < scan.uidNext);
        changes.expunged = this.removeRows(mailboxId, gone, next);
        this.sql(
          "UPDATE mailboxes SET uidnext = max(uidnext, ?), fingerprint = ?, sync_seq = sync_seq + 1 WHERE id = ?",
        ).run(scan.uidNext, fingerprint ?? null, mailboxId);
        changes.modseq = modseq ?? box.highest_modseq;
        return changes;
      })
      .immediate();
  }

  /** Deletes rows and remembers them as expunged; UIDs already gone (a sync saw it first) are skipped. */
  private removeRows(mailboxId: number, uids: readonly number[], modseq: () => number): number[] {
    const remove = this.sql("DELETE FROM messages WHERE mailbox_id = ? AND uid = ?");
    const remember = this.sql("INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)");
    const removed: number[] = [];
    for (const uid of uids) {
      if (remove.run(mailboxId, uid).changes === 0) continue;
      remember.run(mailboxId, uid, modseq());
      removed.push(uid);
    }
    return removed;
  }

  /** A modseq taken only when something really changes, so a change is announced once. */
  private lazyModseq(mailboxId: number): { next: () => number; taken: () => number | undefined } {
    let modseq: number | undefined;
    return {
      next: () => {
        modseq ??= this.bump(mailboxId);
        return modseq;
      },
      taken: () => modseq,
    };
  }

  private currentModseq(mailboxId: number): number {
    return (
      this.sql("SELECT highest_modseq FROM mailboxes WHERE id = ?").get(mailboxId) as {
        highest_modseq: number;
      }
    ).highest_modseq;
  }

  /**
   * Records messages this process saved; one modseq for the batch. A message a concurrent sync
   * already recorded keeps its row (and modseq); only its MIME structure is added.
   */
  addMessages(mailboxId: number, messages: readonly NewMessage[]): AppliedChanges {
    return this.db.transaction(() => this.recordAdded(mailboxId, messages)).immediate();
  }

  /**
   * Records a message saved without a sync, if it is the one the index expects next (the same
   * UIDVALIDITY, its UID the UIDNEXT): then the index lacks no UID below it. Otherwise (or when the
   * row is gone) writes nothing and gives undefined: the caller reads the mailbox first.
   */
  addFollowing(mailboxId: number, uidValidity: number, message: NewMessage): AppliedChanges | undefined {
    return this.db
      .transaction((): AppliedChanges | undefined => {
        const box = this.sql("SELECT uidvalidity, uidnext FROM mailboxes WHERE id = ?").get(mailboxId) as
          | Pick<MailboxRow, "uidvalidity" | "uidnext">
          | undefined;
        if (box?.uidvalidity !== uidValidity || box.uidnext !== message.uid) return undefined;
        // Every row's UID is below UIDNEXT (applyScan and recordAdded raise it past what they
        // insert), so no row holds this one: recordAdded's look-up is not needed, and the modseq and
        // the new UIDNEXT are set by one statement. One delivery, two statements fewer.
        const { highest_modseq: modseq } = this.sql(
          "UPDATE mailboxes SET highest_modseq = highest_modseq + 1, sync_seq = sync_seq + 1, uidnext = ? WHERE id = ? RETURNING highest_modseq",
        ).get(message.uid + 1, mailboxId) as { highest_modseq: number };
        this.insert(mailboxId, message, modseq);
        return { added: [message.uid], expunged: [], changed: [], modseq };
      })
      .immediate();
  }

  /** addMessages inside the caller's transaction. */
  private recordAdded(mailboxId: number, messages: readonly NewMessage[]): AppliedChanges {
    const modseq = this.lazyModseq(mailboxId);
    const added: number[] = [];
    for (const message of messages) {
      if (this.message(mailboxId, message.uid)) {
        if (message.mime !== undefined) this.setMime(mailboxId, message.uid, message);
        continue;
      }
      this.insert(mailboxId, message, modseq.next());
      added.push(message.uid);
    }
    const top = Math.max(...messages.map((m) => m.uid)) + 1;
    this.sql("UPDATE mailboxes SET uidnext = max(uidnext, ?) WHERE id = ?").run(top, mailboxId);
    return { added, expunged: [], changed: [], modseq: modseq.taken() ?? this.currentModseq(mailboxId) };
  }

  /** Sets flags; a message that already has them (a sync saw the rename first) keeps its modseq. */
  updateFlags(mailboxId: number, updates: readonly FlagUpdate[]): AppliedChanges {
    return this.db
      .transaction((): AppliedChanges => {
        const modseq = this.lazyModseq(mailboxId);
        const update = this.sql(
          "UPDATE messages SET ref = ?, flags = ?, keywords = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?",
        );
        const updateRef = this.sql("UPDATE messages SET ref = ? WHERE mailbox_id = ? AND uid = ?");
        const changed: number[] = [];
        for (const u of updates) {
          const row = this.message(mailboxId, u.uid);
          if (!row) continue;
          if (row.flags === u.flags && sameKeywords(u.keywords, row.keywords)) {
            updateRef.run(u.ref, mailboxId, u.uid);
            continue;
          }
          update.run(u.ref, u.flags, joinKeywords(u.keywords), modseq.next(), mailboxId, u.uid);
          changed.push(u.uid);
        }
        return { added: [], expunged: [], changed, modseq: modseq.taken() ?? this.currentModseq(mailboxId) };
      })
      .immediate();
  }

  removeMessages(mailboxId: number, uids: readonly number[]): AppliedChanges {
    return this.db
      .transaction((): AppliedChanges => {
        const modseq = this.lazyModseq(mailboxId);
        const expunged = this.removeRows(mailboxId, uids, modseq.next);
        return { added: [], expunged, changed: [], modseq: modseq.taken() ?? this.currentModseq(mailboxId) };
      })
      .immediate();
  }

  /** The cached structure, search header fields and IMAP texts of one message (a copy takes them along). */
  parsed(
    mailboxId: number,
    uid: number,
  ): Pick<NewMessage, "mime" | "headers" | "envelope" | "bodystructure"> | undefined {
    const row = this.sql(
      "SELECT mime, json(headers) AS headers, envelope, bodystructure FROM message_cache WHERE mailbox_id = ? AND uid = ?",
    ).get(mailboxId, uid) as
      | { mime: string | null; headers: string | null; envelope: string | null; bodystructure: string | null }
      | undefined;
    if (row?.mime == null) return undefined;
    return {
      mime: row.mime,
      headers: row.headers,
      envelope: row.envelope ?? undefined,
      bodystructure: row.bodystructure ?? undefined,
    };
  }

  /** What parsing a message needs: where it is, its size, and its cached structure if any. */
  parseSource(
    mailboxId: number,
    uid: number,
  ): { ref: string; size: number; mime: string | null } | undefined {
    return this.sql(
      `SELECT m.ref, m.size, c.mime FROM messages m
         LEFT JOIN message_cache c ON c.mailbox_id = m.mailbox_id AND c.uid = m.uid
         WHERE m.mailbox_id = ? AND m.uid = ?`,
    ).get(mailboxId, uid) as { ref: string; size: number; mime: string | null } | undefined;
  }

  setMime(
    mailboxId: number,
    uid: number,
    columns: Pick<NewMessage, "mime" | "headers" | "envelope" | "bodystructure">,
  ): void {
    // Only for a message the index holds: a cache row must not outlive its message.
    this.sql(
      `INSERT INTO message_cache (mailbox_id, uid, headers, envelope, bodystructure, mime)
         SELECT ?, ?, jsonb(?), ?, ?, ? WHERE EXISTS (SELECT 1 FROM messages WHERE mailbox_id = ? AND uid = ?)
         ON CONFLICT (mailbox_id, uid) DO UPDATE SET headers = coalesce(excluded.headers, headers),
           envelope = excluded.envelope, bodystructure = excluded.bodystructure, mime = excluded.mime`,
    ).run(
      mailboxId,
      uid,
      columns.headers ?? null,
      columns.envelope ?? null,
      columns.bodystructure ?? null,
      columns.mime ?? null,
      mailboxId,
      uid,
    );
  }

  /** setMime for many messages, in one transaction. */
  setMimes(
    mailboxId: number,
    rows: readonly Pick<NewMessage, "uid" | "mime" | "headers" | "envelope" | "bodystructure">[],
  ): void {
    this.db
      .transaction(() => {
        for (const row of rows) this.setMime(mailboxId, row.uid, row);
      })
      .immediate();
  }

  /** Adds the ENVELOPE and BODYSTRUCTURE texts to rows cached without them, in one transaction. */
  setStructureTexts(
    mailboxId: number,
    rows: readonly [uid: number, envelope: string, bodystructure: string][],
  ): void {
    const update = this.sql(
      "UPDATE message_cache SET envelope = ?, bodystructure = ? WHERE mailbox_id = ? AND uid = ? AND mime IS NOT NULL",
    );
    this.db
      .transaction(() => {
        for (const [uid, envelope, bodystructure] of rows)
          update.run(envelope, bodystructure, mailboxId, uid);
      })
      .immediate();
  }

  /**
   * The messages in a UID range whose structure is cached. Without `tree`, the structure's JSON
   * comes only for rows that lack a text (to make it from): the texts are a fraction of its size.
   */
  mimes(mailboxId: number, fromUid: number, toUid: number, tree = true): StructureRow[] {
    // With the tree come the refs (the caller reads the messages next, SEARCH TEXT); without, neither.
    const sql = tree
      ? `SELECT c.uid, c.mime, m.ref, c.envelope, c.bodystructure FROM message_cache c
           JOIN messages m ON m.mailbox_id = c.mailbox_id AND m.uid = c.uid
           WHERE c.mailbox_id = ? AND c.uid BETWEEN ? AND ? AND c.mime IS NOT NULL`
      : `SELECT uid, CASE WHEN envelope IS NULL OR bodystructure IS NULL THEN mime END, NULL, envelope, bodystructure
           FROM message_cache WHERE mailbox_id = ? AND uid BETWEEN ? AND ? AND mime IS NOT NULL`;
    return this.sql(sql).raw().all(mailboxId, fromUid, toUid) as StructureRow[];
  }

  /**
   * [uid, then each named field's values as a JSON array or null] of the messages whose fields are
   * cached. Only the named fields leave SQLite: a search on Subject need not parse every From (the
   * column holds SQLite's binary JSON, which it reads without parsing text).
   */
  headers(mailboxId: number, fields: readonly string[]): (number | string | null)[][] {
    const columns = fields.map(() => `, json_extract(headers, '$."' || ? || '"')`).join("");
    return this.sql(`SELECT uid${columns} FROM message_cache WHERE mailbox_id = ? AND headers IS NOT NULL`)
      .raw()
      .all(...fields, mailboxId) as (number | string | null)[][];
  }

  /** UIDs still \Recent (not yet claimed by a session), without claiming them. */
  recentUids(mailboxId: number): number[] {
    return this.sql(
      "SELECT uid FROM messages WHERE mailbox_id = ? AND uid >= (SELECT first_recent_uid FROM mailboxes WHERE id = ?) ORDER BY uid",
    )
      .pluck()
      .all(mailboxId, mailboxId) as number[];
  }

  /** The \Recent UIDs for the session that claims them; later sessions will not see them as recent. */
  claimRecent(mailboxId: number): number[] {
    return this.db
      .transaction((): number[] => {
        const box = this.sql("SELECT * FROM mailboxes WHERE id = ?").get(mailboxId) as MailboxRow;
        const uids = this.sql("SELECT uid FROM messages WHERE mailbox_id = ? AND uid >= ? ORDER BY uid")
          .pluck()
          .all(mailboxId, box.first_recent_uid) as number[];
        const next = Math.max(box.uidnext, (uids.at(-1) ?? 0) + 1);
        this.sql("UPDATE mailboxes SET first_recent_uid = ? WHERE id = ?").run(next, mailboxId);
        return uids;
      })
      .immediate();
  }

  counts(mailboxId: number): MailboxCounts {
    const box = this.sql("SELECT first_recent_uid FROM mailboxes WHERE id = ?").get(mailboxId) as {
      first_recent_uid: number;
    };
    const row = this.sql(
      `SELECT count(*) AS messages,
                coalesce(sum((flags & 1) = 0), 0) AS unseen,
                coalesce(sum(uid >= ?), 0) AS recent,
                coalesce(sum(vsize), 0) AS size,
                min(CASE WHEN (flags & 1) = 0 THEN uid END) AS first_unseen
           FROM messages WHERE mailbox_id = ?`,
    ).get(box.first_recent_uid, mailboxId) as {
      messages: number;
      unseen: number;
      recent: number;
      size: number;
      first_unseen: number | null;
    };
    return {
      messages: row.messages,
      unseen: row.unseen,
      recent: row.recent,
      size: row.size,
      firstUnseenUid: row.first_unseen ?? undefined,
    };
  }

  /** What moves whenever the mailbox changes: one row by primary key, cheap enough for every command. */
  stamp(mailboxId: number): MailboxStamp | undefined {
    return this.sql(
      "SELECT uidvalidity AS uidValidity, uidnext AS uidNext, highest_modseq AS modseq FROM mailboxes WHERE id = ?",
    ).get(mailboxId) as MailboxStamp | undefined;
  }

  /**
   * The flags of the messages changed after `sinceModseq` (all of them when undefined), the UIDs
   * expunged after it and the message count, read in one transaction so they agree with the stamp.
   */
  flagsSince(mailboxId: number, sinceModseq: number | undefined): FlagRows | undefined {
    return this.db.transaction((): FlagRows | undefined => {
      const stamp = this.stamp(mailboxId);
      if (stamp === undefined) return undefined;
      const since = sinceModseq ?? -1;
      const rows = this.sql(
        "SELECT uid, flags, keywords, modseq FROM messages WHERE mailbox_id = ? AND modseq > ? ORDER BY uid",
      )
        .raw()
        .all(mailboxId, since) as FlagRow[];
      const expunged = sinceModseq === undefined ? [] : this.expungedSince(mailboxId, sinceModseq);
      const count =
        sinceModseq === undefined
          ? rows.length
          : (this.sql("SELECT count(*) FROM messages WHERE mailbox_id = ?").pluck().get(mailboxId) as number);
      return { stamp, rows, expunged, count };
    })();
  }

  changedSince(mailboxId: number, modseq: number): MessageRow[] {
    return this.sql(
      `SELECT ${ROW_COLUMNS} FROM messages WHERE mailbox_id = ? AND modseq > ? ORDER BY uid`,
    ).all(mailboxId, modseq) as MessageRow[];
  }

  expungedSince(mailboxId: number, modseq: number): number[] {
    return this.sql("SELECT uid FROM expunged WHERE mailbox_id = ? AND modseq > ? ORDER BY uid")
      .pluck()
      .all(mailboxId, modseq) as number[];
  }

  quota(): { bytes: number; messages: number } {
    return this.sql("SELECT bytes, messages FROM quota WHERE id = 1").get() as {
      bytes: number;
      messages: number;
    };
  }

  /** Recomputes the quota totals from the cached messages (after a rebuild or a suspected drift). */
  recalcQuota(): void {
    this.sql(
      "UPDATE quota SET bytes = (SELECT coalesce(sum(size), 0) FROM messages), messages = (SELECT count(*) FROM messages) WHERE id = 1",
    ).run();
  }
}
