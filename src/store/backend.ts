import type { Readable } from "node:stream";
import type { MailboxPath } from "./mailbox-name.js";
import type { PurgeResult } from "./types.js";

export type { PurgeResult };

/**
 * What a mail format (Maildir now; mbox and dbox behind the same shape) provides to the generic
 * store. The format owns the files and the UIDs they carry; the generic layer owns the index, modseqs,
 * \Recent, quota and change notification. Nothing outside src/store/ sees these types.
 */

/** A message as the format sees it on disk. `ref` locates it for the format (e.g. `cur/<file name>`). */
export interface ScannedMessage {
  uid: number;
  ref: string;
  guid: string;
  /**
   * System flag bits (see flags.ts) and keywords, as the files say. Undefined for formats whose
   * files do not hold flags (dbox keeps them in the index, as Dovecot does): the index then keeps its own.
   */
  flags?: number;
  keywords?: string[];
  /** Physical and virtual (CRLF) sizes when the format knows them without reading the message. */
  size?: number;
  vsize?: number;
}

export interface ScanResult {
  uidValidity: number;
  uidNext: number;
  /** Every message currently in the mailbox, in UID order. */
  messages: ScannedMessage[];
}

export interface MessageDetails {
  size: number;
  vsize: number;
  /** INTERNALDATE, milliseconds since the epoch. */
  internalDate: number;
  /**
   * When it was saved, where the files tell (Maildir: the file's ctime, as Dovecot takes it for
   * mail it did not save itself); else the index takes the time it first saw the message.
   */
  savedDate?: number;
  /** For formats that keep the GUID inside the message file (dbox): read here, not at scan time. */
  guid?: string;
}

export interface AppendInput {
  /** The message; CRLF or LF line ends, the format stores them its own way. */
  data: AsyncIterable<Uint8Array> | Uint8Array;
  flags: number;
  keywords: readonly string[];
  internalDate?: Date;
  /** SMTP MAIL FROM of a delivery ("" for the null sender), for formats that record it (mbox's From_ line). */
  envelopeSender?: string;
  /** Receives the bytes exactly as stored (e.g. for the MIME parser, whose offsets are into them). */
  onStoredBytes?: (chunk: Uint8Array) => void;
  /** Refuse (OVERQUOTA) and leave nothing behind when the stored message would be larger. */
  maxSize?: number;
  /** Migration: the UID to give it when not below the mailbox's next UID (else the next UID). */
  uid?: number;
}

export type AppendedMessage = ScannedMessage &
  MessageDetails & {
    flags: number;
    keywords: string[];
    /**
     * The UIDVALIDITY the save's UID belongs to, where the format read it under its save lock
     * (Maildir's uidlist): a saved UID that follows the index's last under the same UIDVALIDITY
     * proves nobody gave out UIDs the index has not seen.
     */
    uidValidity?: number;
  };

/** A message of another mailbox to copy, as the index knows it. */
export interface CopySource {
  uid: number;
  ref: string;
  guid: string;
  size: number;
  vsize: number;
  internalDate: number;
}

export interface FormatMailbox {
  readonly path: MailboxPath;
  /**
   * Its append reports the UIDVALIDITY of the saved UID (AppendedMessage.uidValidity), so a view
   * opened without a sync can append first and read the mailbox only when needed. Other formats
   * are read before an append (dbox keeps a new message's flags only in the index, which a read
   * after the save would not give them).
   */
  readonly savesReportUidValidity?: boolean;
  exists(): Promise<boolean>;
  /** The mailbox's GUID (IMAP MAILBOXID, Sieve mailboxid) where the format's files keep one. */
  mailboxGuid?(): Promise<string | undefined>;
  /**
   * A cheap fingerprint of the mailbox files (directory and control-file stamps). When it equals
   * the one stored at the last scan, nothing changed; undefined means "cannot tell, scan".
   */
  fingerprint(): Promise<string | undefined>;
  /** Reads the whole mailbox, assigning UIDs to new messages the way the format's owner program does. */
  scan(): Promise<ScanResult>;
  /** Sizes and dates of messages new to the index, in the order asked; undefined for one gone meanwhile. */
  details(refs: readonly string[]): Promise<(MessageDetails | undefined)[]>;
  append(input: AppendInput): Promise<AppendedMessage>;
  /**
   * Copies a message of `source` without rewriting it (a hard link; the caller checked quota), with
   * its own flags here. Undefined when this format cannot do it for that source (another format, another
   * file system, the file gone): the caller then appends the bytes.
   */
  copyFrom?(
    source: FormatMailbox,
    message: CopySource,
    flags: number,
    keywords: readonly string[],
  ): Promise<AppendedMessage | undefined>;
  /**
   * Migration: takes the UIDVALIDITY of the mailbox being copied (refused with CANNOT unless this one
   * holds no messages) and raises the next UID to at least `uidNext`.
   */
  adoptUids(uidValidity: number, uidNext: number): Promise<void>;
  /** Sets flags and keywords; returns the message's new ref, or undefined if it was expunged meanwhile. */
  setFlags(
    message: { uid: number; ref: string },
    flags: number,
    keywords: readonly string[],
  ): Promise<string | undefined>;
  expunge(messages: readonly { uid: number; ref: string }[]): Promise<void>;
  /** The bytes as stored, from `start` to `end` inclusive (both optional). */
  openRead(ref: string, start?: number, end?: number): Promise<Readable>;
  /**
   * The whole message as stored, in one read, for formats that keep a message in a file of its
   * own (Maildir); the others are read through openRead(). Reading a small file at once costs a
   * tenth of opening a stream on it, which matters when a SEARCH reads every message.
   */
  readWhole?(ref: string): Promise<Buffer>;
  /** A session took the \Recent messages: Maildir moves new/ to cur/ at this moment (Dovecot does). */
  recentClaimed(): Promise<void>;
  /** Directories whose entries change when messages arrive, change flags or go away. */
  watchPaths(): string[];
}

export interface ListedFormatMailbox {
  path: string[];
  selectable: boolean;
}

export interface FormatStore {
  readonly format: string;
  /**
   * True for formats whose files hold no flags (dbox): flags live only in the index, so a rebuild
   * keeps those of messages it finds again (Dovecot's force-resync does the same).
   */
  readonly flagsOnlyInIndex?: boolean;
  /** Reclaims the space of expunged messages (mdbox); formats without such space have none. */
  purge?(): Promise<PurgeResult>;
  /** Creates the root and INBOX when missing. */
  init(): Promise<void>;
  list(): Promise<ListedFormatMailbox[]>;
  /** Refuses names this format cannot store (a StoreError BADNAME). */
  validateName(path: MailboxPath): void;
  mailbox(path: MailboxPath): FormatMailbox;
  create(path: MailboxPath): Promise<void>;
  /** Deletes one mailbox's messages and files; children stay. */
  delete(path: MailboxPath): Promise<void>;
  /** Renames a mailbox and all its children (RFC 3501 §6.3.5). */
  rename(from: MailboxPath, to: MailboxPath): Promise<void>;
  subscriptions(): Promise<string[][]>;
  setSubscribed(path: MailboxPath, subscribed: boolean): Promise<void>;
}
