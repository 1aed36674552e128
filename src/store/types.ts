import type { Readable } from "node:stream";
import type { MimePart } from "../mime/index.js";
import type { SystemFlag } from "./flags.js";
import type { CachedHeaders } from "./header-cache.js";
import type { MailboxSnapshot } from "./mailbox-snapshot.js";
import type { MessageStructure } from "./message-structure.js";

/** RFC 6154 special-use attributes. */
export type SpecialUse = "\\All" | "\\Archive" | "\\Drafts" | "\\Flagged" | "\\Junk" | "\\Sent" | "\\Trash";

/** A configured mailbox (Dovecot's `mailbox NAME { special_use, auto }`). */
export interface AutoCreateMailbox {
  name: string;
  specialUse?: SpecialUse;
  /** Create it when missing (default); false only lends it the special-use attribute (`auto = no`). */
  create?: boolean;
  /** Subscribe when creating it (Dovecot's `auto = subscribe`). */
  subscribe?: boolean;
}

/** Enough of a logger (pino's shape) for the store's warnings. */
export interface StoreLogger {
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface OpenUserStoreOptions {
  user: string;
  /** Home directory from the userdb: `~` and %h in the location, and where the index lives. */
  home: string;
  /**
   * Dovecot `mail_location`, e.g. `maildir:~/Maildir:LAYOUT=fs`. %u %n %d %h are expanded here from
   * `user` and `home`.
   */
  mailLocation: string;
  /** Owner of created files and directories; applied only when running as root. */
  uid?: number;
  gid?: number;
  /** Hierarchy separator clients see (Dovecot's namespace separator). Default "/". */
  separator?: string;
  autoCreate?: readonly AutoCreateMailbox[];
  /** Index file; default `<home>/.loft/index-<format>-<location hash>.sqlite`; ":memory:" for none on disk. */
  indexPath?: string;
  /** Quota limits; 0 or absent means unlimited. */
  quota?: { storage?: number; messages?: number };
  /** mdbox: start a new storage file when a message would not fit below this size (Dovecot's mdbox_rotate_size, default 10 MB). */
  mdboxRotateSize?: number;
  /** How often watched mailboxes are rescanned in case a file-system event was missed. Default 5 s. */
  rescanIntervalMs?: number;
  logger?: StoreLogger;
  /**
   * Milliseconds the index stays open after the last store using it closes (default 0), for a
   * server whose clients log in again soon: opening SQLite is the dearest part of a LOGIN.
   */
  indexLingerMs?: number;
}

export interface MailboxInfo {
  name: string;
  path: readonly string[];
  specialUse?: SpecialUse;
  subscribed: boolean;
  /** False for a name that exists only as the parent of others (IMAP \Noselect). */
  selectable: boolean;
  hasChildren: boolean;
}

export interface MailboxStatus {
  name: string;
  uidValidity: number;
  uidNext: number;
  highestModseq: number;
  messages: number;
  unseen: number;
  recent: number;
  /** Sum of RFC822.SIZE (STATUS SIZE). */
  size: number;
  firstUnseenUid?: number;
}

export interface MessageInfo {
  uid: number;
  guid: string;
  flags: SystemFlag[];
  keywords: string[];
  modseq: number;
  /** Bytes as stored. */
  size: number;
  /** RFC822.SIZE: with CRLF line ends. */
  vsize: number;
  internalDate: Date;
  savedDate: Date;
}

export interface AppendOptions {
  flags?: readonly SystemFlag[];
  keywords?: readonly string[];
  internalDate?: Date;
  /** Migration: keep this UID (it must not be below UIDNEXT, else the message gets UIDNEXT). */
  uid?: number;
  /** SMTP MAIL FROM of a delivery ("" for the null sender); mbox writes it into the From_ line. */
  envelopeSender?: string;
}

export interface AppendResult {
  uid: number;
  uidValidity: number;
}

export interface ReadOptions {
  /** First byte, inclusive. */
  start?: number;
  /** Last byte, inclusive. */
  end?: number;
  /** Serve with CRLF line ends (IMAP/POP3); the range then counts CRLF bytes. Default true. */
  crlf?: boolean;
}

export type FlagOperation = "add" | "remove" | "replace";

export interface StoreFlagsOptions {
  /** CONDSTORE UNCHANGEDSINCE: messages with a higher modseq are left alone and reported. */
  unchangedSince?: number;
}

export interface StoreFlagsResult {
  updated: MessageInfo[];
  /** UIDs refused because of `unchangedSince`. */
  failed: number[];
}

export interface CopyResult {
  uidValidity: number;
  /** [source UID, destination UID] in source order (UIDPLUS COPYUID). */
  uids: [number, number][];
}

/** Changes seen in a mailbox since a listener's last notification. */
export interface MailboxChange {
  mailbox: string;
  /** When this differs from what a session saw, its UIDs are void: it must resynchronise (IMAP: BYE). */
  uidValidity: number;
  newUids: number[];
  expunged: number[];
  flagsChanged: number[];
  highestModseq: number;
}

export interface SyncOptions {
  /**
   * A sync of the mailbox that this process started at most this many milliseconds ago will do
   * (polling: the mailbox's watch syncs on every file change anyway). Default 0: a new one.
   */
  freshMs?: number;
}

export interface Mailbox {
  readonly name: string;
  readonly path: readonly string[];
  readonly uidValidity: number;
  /** Reads the files again and brings the index up to date. */
  sync(options?: SyncOptions): Promise<void>;
  status(): MailboxStatus;
  /** UIDs and flags now, shared with every other user of the mailbox in this process (read-only). */
  snapshot(): MailboxSnapshot;
  uids(): number[];
  messages(fromUid?: number, toUid?: number): MessageInfo[];
  message(uid: number): MessageInfo | undefined;
  append(data: AsyncIterable<Uint8Array> | Uint8Array, options?: AppendOptions): Promise<AppendResult>;
  /**
   * Migration: takes the UIDVALIDITY of the mailbox being copied (refused unless this one is empty)
   * and raises UIDNEXT to at least `uidNext`.
   */
  adoptUids(uidValidity: number, uidNext: number): Promise<void>;
  read(uid: number, options?: ReadOptions): Promise<Readable>;
  /** The whole message as stored (LF line ends where the format keeps them), in one buffer: for SEARCH. */
  readWhole(uid: number): Promise<Buffer>;
  /**
   * Some of the cached search header fields (CACHED_HEADER_FIELDS) by UID, for the messages that
   * have them cached: saved here, or parsed once by structure(). A field a message lacks is absent.
   */
  cachedHeaders(fields: ReadonlySet<string>): Map<number, CachedHeaders>;
  /**
   * The cached MIME structures of a UID range, in one read; structure() fills in the ones missing.
   * With `tree` false only their ENVELOPE and BODYSTRUCTURE texts are read (`root` is not there).
   */
  structures(fromUid: number, toUid: number, tree?: boolean): Map<number, MessageStructure>;
  /** The MIME tree with byte offsets into the stored message (cached in the index). */
  structure(uid: number): Promise<MimePart>;
  storeFlags(
    uids: readonly number[],
    operation: FlagOperation,
    flags: readonly SystemFlag[],
    keywords: readonly string[],
    options?: StoreFlagsOptions,
  ): Promise<StoreFlagsResult>;
  copy(uids: readonly number[], destination: string): Promise<CopyResult>;
  move(uids: readonly number[], destination: string): Promise<CopyResult>;
  /** Expunges the \Deleted messages (only those among `uids` when given, as UID EXPUNGE). Returns the UIDs removed. */
  expunge(uids?: readonly number[]): Promise<number[]>;
  /** UIDs that are \Recent because no session has claimed them yet. */
  recentUids(): number[];
  /** Takes the \Recent messages for this session (SELECT, not EXAMINE). */
  claimRecent(): Promise<number[]>;
  changesSince(modseq: number): { changed: MessageInfo[]; expunged: number[] };
  /** Calls `listener` on changes by this or any other process; returns the function that stops it. */
  watch(listener: (change: MailboxChange) => void): () => void;
}

export interface PurgeResult {
  /** Storage files rewritten or removed. */
  files: number;
  /** Bytes given back. */
  bytes: number;
}

export interface QuotaUsage {
  storage: number;
  messages: number;
  storageLimit?: number;
  messageLimit?: number;
}

export interface UserStore {
  readonly user: string;
  readonly separator: string;
  readonly format: string;
  listMailboxes(): Promise<MailboxInfo[]>;
  createMailbox(name: string): Promise<void>;
  deleteMailbox(name: string): Promise<void>;
  renameMailbox(from: string, to: string): Promise<void>;
  subscribe(name: string): Promise<void>;
  unsubscribe(name: string): Promise<void>;
  subscriptions(): Promise<string[]>;
  /**
   * With `sync: false` the mailbox is not read on opening: for a delivery that only appends, whose
   * append then reads it only when another process gave out UIDs the index does not know.
   */
  openMailbox(name: string, options?: { sync?: boolean }): Promise<Mailbox>;
  status(name: string): Promise<MailboxStatus>;
  /** Usage and limits, after reading every mailbox for mail the index has not seen yet. */
  quota(): Promise<QuotaUsage>;
  /** Recomputes quota usage by syncing every mailbox (doveadm quota recalc). */
  recalcQuota(): Promise<QuotaUsage>;
  /** Reclaims the space of expunged messages (doveadm purge; only mdbox keeps such space). */
  purge(): Promise<PurgeResult>;
  /** Forgets the cached index and reads every mailbox again (doveadm force-resync). */
  rebuildIndex(): Promise<void>;
  close(): void;
}
