import type { FetchAttribute, FetchMacro } from "./fetch-grammar.js";
import type { ImapDateTime } from "./imap-date.js";
import type { SearchKey, SearchReturnOption } from "./search-grammar.js";
import type { SequenceSet } from "./sequence-set.js";

/**
 * Typed commands. Strings are binary strings (one char per byte): mailbox names are as
 * sent (modified UTF-7, INBOX in any case), search strings in the command's CHARSET.
 */

/** STATUS items (RFC 3501 §6.3.10, RFC 7162 HIGHESTMODSEQ, RFC 8438 SIZE). */
export type StatusItem =
  | "MESSAGES"
  | "RECENT"
  | "UIDNEXT"
  | "UIDVALIDITY"
  | "UNSEEN"
  | "HIGHESTMODSEQ"
  | "SIZE";

/** LIST-EXTENDED selection options (RFC 5258 §3.1, RFC 6154 §5.1 SPECIAL-USE). */
export interface ListSelection {
  subscribed: boolean;
  remote: boolean;
  recursiveMatch: boolean;
  specialUse: boolean;
}

/** LIST-EXTENDED return options (RFC 5258 §3.2, RFC 5819 STATUS, RFC 6154 SPECIAL-USE). */
export interface ListReturn {
  subscribed: boolean;
  children: boolean;
  specialUse: boolean;
  /** RETURN (STATUS (...)): the items, or null when not asked. */
  status: StatusItem[] | null;
}

export interface AppendMessage {
  size: number;
  /** Sent as literal8 `~{n}` (RFC 3516 §4.4). */
  binary: boolean;
  /** The bytes when the literal was buffered; null when it came as literal-data events. */
  bytes: Buffer | null;
}

/** Commands without arguments. */
export type BareCommandName =
  | "CAPABILITY"
  | "NOOP"
  | "LOGOUT"
  | "STARTTLS"
  | "NAMESPACE"
  | "IDLE"
  | "CHECK"
  | "CLOSE"
  | "UNSELECT";

export type Command =
  | { name: BareCommandName }
  /** RFC 4959 SASL-IR: `initialResponse` is the base64 text ("" for "="), null when absent. */
  | { name: "AUTHENTICATE"; mechanism: string; initialResponse: string | null }
  | { name: "LOGIN"; username: string; password: string }
  /** RFC 2971: field/value pairs, null for `ID NIL`. */
  | { name: "ID"; params: Array<[string, string | null]> | null }
  | { name: "ENABLE"; capabilities: string[] }
  /** RFC 7162 §3.1.8 (CONDSTORE) select parameter. */
  | { name: "SELECT" | "EXAMINE"; mailbox: string; condstore: boolean }
  | { name: "CREATE" | "DELETE" | "SUBSCRIBE" | "UNSUBSCRIBE"; mailbox: string }
  | { name: "RENAME"; mailbox: string; newName: string }
  | {
      name: "LIST";
      reference: string;
      patterns: string[];
      selection: ListSelection;
      returns: ListReturn;
      /** Any LIST-EXTENDED syntax was used (the answer may then differ, RFC 5258 §3). */
      extended: boolean;
    }
  | { name: "LSUB"; reference: string; pattern: string }
  | { name: "STATUS"; mailbox: string; items: StatusItem[] }
  | {
      name: "APPEND";
      mailbox: string;
      flags: string[] | null;
      date: ImapDateTime | null;
      message: AppendMessage;
    }
  /** EXPUNGE, or UID EXPUNGE with its set (RFC 4315 §2.1). */
  | { name: "EXPUNGE"; uid: boolean; uids: SequenceSet | null }
  | {
      name: "SEARCH";
      uid: boolean;
      charset: string | null;
      returnOptions: SearchReturnOption[] | null;
      criteria: SearchKey;
    }
  | {
      name: "FETCH";
      uid: boolean;
      set: SequenceSet;
      items: FetchAttribute[];
      macro: FetchMacro | null;
      /** RFC 7162 §3.1.4.1 CHANGEDSINCE; null when absent. */
      changedSince: bigint | null;
    }
  | {
      name: "STORE";
      uid: boolean;
      set: SequenceSet;
      /** RFC 7162 §3.1.3 UNCHANGEDSINCE; null when absent. */
      unchangedSince: bigint | null;
      /** FLAGS, +FLAGS, -FLAGS */
      action: "replace" | "add" | "remove";
      silent: boolean;
      flags: string[];
    }
  | { name: "COPY" | "MOVE"; uid: boolean; set: SequenceSet; mailbox: string };

export type CommandName = Command["name"];
