/** Row shapes of the index and the small conversions around them. */

export interface MailboxRow {
  id: number;
  name: string;
  uidvalidity: number;
  uidnext: number;
  highest_modseq: number;
  first_recent_uid: number;
  fingerprint: string | null;
  sync_seq: number;
}

/** The mailbox row's fields that change with every change to its messages. */
export interface MailboxStamp {
  uidValidity: number;
  uidNext: number;
  modseq: number;
}

/** uid, flag bits, keywords (space-separated), modseq. */
export type FlagRow = [number, number, string, number];

export interface FlagRows {
  stamp: MailboxStamp;
  rows: FlagRow[];
  expunged: number[];
  /** Messages in the mailbox now. */
  count: number;
}

/** Everything but the MIME structure, which only structure() needs. */
export const ROW_COLUMNS = "uid, ref, guid, flags, keywords, size, vsize, internal_date, saved_date, modseq";

export interface MessageRow {
  uid: number;
  ref: string;
  guid: string;
  flags: number;
  keywords: string;
  size: number;
  vsize: number;
  internal_date: number;
  saved_date: number;
  modseq: number;
}

export interface NewMessage {
  uid: number;
  ref: string;
  guid: string;
  flags: number;
  keywords: readonly string[];
  size: number;
  vsize: number;
  internalDate: number;
  /** Default: now. */
  savedDate?: number | undefined;
  mime?: string | undefined;
  /** Cached search header fields (header-cache.ts), JSON. */
  headers?: string | null | undefined;
  /** ENVELOPE and BODYSTRUCTURE as IMAP writes them (message-structure.ts), with the MIME structure. */
  envelope?: string | undefined;
  bodystructure?: string | undefined;
}

/**
 * [uid, MIME structure as JSON, ref, ENVELOPE, BODYSTRUCTURE] of a message whose structure is
 * cached; the JSON is null when it was not asked for, and the ref when the JSON was not.
 */
export type StructureRow = [number, string | null, string | null, string | null, string | null];

export interface FlagUpdate {
  uid: number;
  ref: string;
  flags: number;
  keywords: readonly string[];
}

/** What one sync or write changed, by UID. */
export interface AppliedChanges {
  added: number[];
  expunged: number[];
  changed: number[];
  modseq: number;
}

export interface MailboxCounts {
  messages: number;
  unseen: number;
  recent: number;
  size: number;
  firstUnseenUid: number | undefined;
}

export function joinKeywords(keywords: readonly string[]): string {
  return keywords.join(" ");
}

export function splitKeywords(text: string): string[] {
  return text === "" ? [] : text.split(" ");
}

/** Keywords compare case-insensitively, as Dovecot matches them. */
export function sameKeywords(a: readonly string[], b: string): boolean {
  const norm = (list: readonly string[]) =>
    list
      .map((k) => k.toLowerCase())
      .sort()
      .join(" ");
  return norm(a) === norm(splitKeywords(b));
}
