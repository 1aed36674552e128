import type { ArgCursor } from "./arg-cursor.js";
import { parseFlag } from "./flags.js";
import { type ImapDate, parseDate } from "./imap-date.js";
import { parseSequenceSet, type SequenceSet, startsSequenceSet } from "./sequence-set.js";

/**
 * One search key (RFC 3501 §6.4.4, RFC 7162 §3.1.5 MODSEQ, RFC 5032 OLDER/YOUNGER).
 * NEW and OLD are given as what they mean (RECENT UNSEEN; NOT RECENT). Strings are binary
 * strings in the command's CHARSET, not decoded.
 */
export type SearchKey =
  | { key: "ALL" }
  /** ANSWERED, DELETED, DRAFT, FLAGGED, RECENT, SEEN, KEYWORD (set: true) and their UN- forms. */
  | { key: "FLAG"; flag: string; set: boolean }
  /** BCC, CC, FROM, SUBJECT, TO (field upper-cased) and HEADER field (as given). */
  | { key: "HEADER"; field: string; value: string }
  | { key: "BODY"; value: string }
  | { key: "TEXT"; value: string }
  /** BEFORE/ON/SINCE use the internal date; SENTBEFORE/SENTON/SENTSINCE the Date: header. */
  | { key: "DATE"; field: "INTERNAL" | "SENT"; op: "BEFORE" | "ON" | "SINCE"; date: ImapDate }
  | { key: "SIZE"; op: "LARGER" | "SMALLER"; size: number }
  | { key: "SEQUENCE"; set: SequenceSet }
  | { key: "UID"; set: SequenceSet }
  | { key: "MODSEQ"; modseq: bigint; entry: { name: string; type: "priv" | "shared" | "all" } | null }
  /** OLDER/YOUNGER n: internal date more/less than n seconds ago (RFC 5032). */
  | { key: "WITHIN"; op: "OLDER" | "YOUNGER"; seconds: number }
  | { key: "NOT"; inner: SearchKey }
  | { key: "OR"; left: SearchKey; right: SearchKey }
  | { key: "AND"; keys: SearchKey[] };

/** RFC 4731 §3 search-return-opt, plus SAVE (RFC 5182). */
export type SearchReturnOption = "MIN" | "MAX" | "ALL" | "COUNT" | "SAVE";

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ["\\Answered", true],
  DELETED: ["\\Deleted", true],
  DRAFT: ["\\Draft", true],
  FLAGGED: ["\\Flagged", true],
  RECENT: ["\\Recent", true],
  SEEN: ["\\Seen", true],
  UNANSWERED: ["\\Answered", false],
  UNDELETED: ["\\Deleted", false],
  UNDRAFT: ["\\Draft", false],
  UNFLAGGED: ["\\Flagged", false],
  UNSEEN: ["\\Seen", false],
};
const ADDRESS_KEYS = new Set(["BCC", "CC", "FROM", "SUBJECT", "TO"]);
const DATE_KEYS: Record<string, ["INTERNAL" | "SENT", "BEFORE" | "ON" | "SINCE"]> = {
  BEFORE: ["INTERNAL", "BEFORE"],
  ON: ["INTERNAL", "ON"],
  SINCE: ["INTERNAL", "SINCE"],
  SENTBEFORE: ["SENT", "BEFORE"],
  SENTON: ["SENT", "ON"],
  SENTSINCE: ["SENT", "SINCE"],
};

/** The argument after a key, with Dovecot's texts when it is missing. */
function arg<T>(c: ArgCursor, key: string, read: () => T): T {
  const missing =
    key === "NOT" || key === "OR"
      ? "Missing argument"
      : `Missing parameter for search key (for search key: ${key})`;
  if (c.atEnd() || c.peek() === 0x29) c.fail(missing);
  c.sp(missing);
  if (c.peek() === 0x29) c.fail(missing);
  return read();
}

/** entry-flag-name = DQUOTE "/flags/" attr-flag DQUOTE (RFC 7162 §7). */
function modseqEntry(c: ArgCursor): { name: string; type: "priv" | "shared" | "all" } | null {
  if (c.peek() !== 0x22) return null;
  const name = c.quoted();
  if (!name.toLowerCase().startsWith("/flags/")) c.fail("Invalid MODSEQ entry");
  c.sp();
  const type = c.atom("Invalid MODSEQ entry type").toLowerCase();
  if (type !== "priv" && type !== "shared" && type !== "all") return c.fail("Invalid MODSEQ entry type");
  c.sp();
  return { name, type };
}

export function parseSearchKey(c: ArgCursor): SearchKey {
  if (c.peek() === 0x28) {
    c.openList();
    if (c.listEmpty()) c.fail("No search parameters inside list");
    const keys: SearchKey[] = [];
    do keys.push(parseSearchKey(c));
    while (!c.listNext());
    return keys.length === 1 ? keys[0]! : { key: "AND", keys };
  }
  if (startsSequenceSet(c.peek())) return { key: "SEQUENCE", set: parseSequenceSet(c) };
  if (c.peek() === 0x29) c.fail("Unexpected ')'");
  const word = c.atom(c.atEnd() ? "Missing argument" : "Invalid arguments").toUpperCase();
  const flag = FLAG_KEYS[word];
  if (flag !== undefined) return { key: "FLAG", flag: flag[0], set: flag[1] };
  const date = DATE_KEYS[word];
  if (date !== undefined)
    return {
      key: "DATE",
      field: date[0],
      op: date[1],
      date: arg(c, word, () => parseDate(c, "Invalid search date parameter")),
    };
  if (ADDRESS_KEYS.has(word)) return { key: "HEADER", field: word, value: arg(c, word, () => c.astring()) };
  switch (word) {
    case "ALL":
      return { key: "ALL" };
    case "NEW":
      return {
        key: "AND",
        keys: [
          { key: "FLAG", flag: "\\Recent", set: true },
          { key: "FLAG", flag: "\\Seen", set: false },
        ],
      };
    case "OLD":
      return { key: "FLAG", flag: "\\Recent", set: false };
    case "KEYWORD":
    case "UNKEYWORD":
      return { key: "FLAG", flag: arg(c, word, () => parseFlag(c)), set: word === "KEYWORD" };
    case "BODY":
    case "TEXT":
      return { key: word, value: arg(c, word, () => c.astring()) };
    case "HEADER": {
      const field = arg(c, word, () => c.astring());
      return { key: "HEADER", field, value: arg(c, word, () => c.astring()) };
    }
    case "LARGER":
    case "SMALLER":
      return { key: "SIZE", op: word, size: arg(c, word, () => c.number("Invalid search size parameter")) };
    case "OLDER":
    case "YOUNGER":
      return { key: "WITHIN", op: word, seconds: arg(c, word, () => c.nzNumber("Invalid search interval")) };
    case "UID":
      return { key: "UID", set: arg(c, word, () => parseSequenceSet(c, "Invalid UID messageset")) };
    case "MODSEQ": {
      const entry = arg(c, word, () => modseqEntry(c));
      return { key: "MODSEQ", entry, modseq: c.modseq("Invalid MODSEQ value") };
    }
    case "NOT": {
      c.enter();
      const inner = arg(c, word, () => parseSearchKey(c));
      c.leave();
      return { key: "NOT", inner };
    }
    case "OR": {
      c.enter();
      const left = arg(c, word, () => parseSearchKey(c));
      const right = arg(c, word, () => parseSearchKey(c));
      c.leave();
      return { key: "OR", left, right };
    }
    default:
      return c.fail(`Unknown argument ${word}`);
  }
}

export interface SearchArguments {
  /** RFC 4731 RETURN options; null without RETURN (a plain `* SEARCH` answer). */
  returnOptions: SearchReturnOption[] | null;
  /** CHARSET as given (astring), null when absent. */
  charset: string | null;
  /** The keys, ANDed. */
  criteria: SearchKey;
}

/** [SP "RETURN" SP "(" [search-return-opts] ")"] [SP "CHARSET" SP astring] 1*(SP search-key) */
export function parseSearchArguments(c: ArgCursor): SearchArguments {
  if (c.atEnd()) c.fail("Missing search parameters");
  c.sp();
  let returnOptions: SearchReturnOption[] | null = null;
  if (c.tryKeyword("RETURN")) {
    c.sp();
    c.openList();
    returnOptions = [];
    if (!c.listEmpty()) {
      do {
        const opt = c.atom("Unknown SEARCH return option").toUpperCase();
        if (opt !== "MIN" && opt !== "MAX" && opt !== "ALL" && opt !== "COUNT" && opt !== "SAVE")
          c.fail("Unknown SEARCH return option");
        if (!returnOptions.includes(opt)) returnOptions.push(opt);
      } while (!c.listNext());
    }
    // RFC 4731 §3.1: an empty RETURN () means RETURN (ALL)
    if (returnOptions.length === 0) returnOptions.push("ALL");
    c.sp("Missing search parameters");
  }
  let charset: string | null = null;
  if (c.tryKeyword("CHARSET")) {
    c.sp();
    charset = c.astring();
    c.sp("Missing search parameters");
  }
  const keys: SearchKey[] = [];
  do keys.push(parseSearchKey(c));
  while (c.moreArgs());
  return { returnOptions, charset, criteria: keys.length === 1 ? keys[0]! : { key: "AND", keys } };
}
