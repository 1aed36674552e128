import { StoreError } from "../../errors.js";

/** One line of dovecot-uidlist: `<uid>[ <ext>...] :<base>` (storage-maildir.md §3.1). */
export interface UidlistRecord {
  uid: number;
  /** Extension tokens as written, each `<A-Z><value>` (S, W, G, P, O). */
  ext: string[];
  base: string;
}

export interface Uidlist {
  uidValidity: number;
  /** The header's N: next UID as of the last rewrite. */
  nextUid: number;
  /** Mailbox GUID, 32 lowercase hex digits; absent in old files. */
  guid?: string;
  /** Header tokens other than V, N and G, kept when the file is rewritten. */
  headerExt: string[];
  records: UidlistRecord[];
  /** Something in the file made Dovecot's reader rewrite it (duplicates, bad tokens, v1, no GUID). */
  needsRewrite: boolean;
}

function corrupt(why: string): never {
  throw new StoreError("CORRUPT", `dovecot-uidlist: ${why}`);
}

/** The number `text[start, end)` spells in decimal digits, or 0 when it is empty or holds anything else. */
function positive(text: string | undefined, start = 0, end = text?.length ?? 0): number {
  if (text === undefined || start >= end) return 0;
  let n = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return 0;
    n = n * 10 + digit;
  }
  return n;
}

function parseHeader(line: string): Omit<Uidlist, "records" | "needsRewrite"> & { version: number } {
  const tokens = line.split(" ");
  const version = positive(tokens[0]);
  if (version === 1) {
    // Courier's courierimapuiddb shape: "1 <uidvalidity> <nextuid>".
    return { version, uidValidity: positive(tokens[1]), nextUid: positive(tokens[2]), headerExt: [] };
  }
  if (version !== 2 && version !== 3) corrupt(`unsupported version in header "${line}"`);
  const header: Omit<Uidlist, "records" | "needsRewrite"> & { version: number } = {
    version,
    uidValidity: 0,
    nextUid: 0,
    headerExt: [],
  };
  for (const token of tokens.slice(1)) {
    if (token === "") continue;
    const key = token[0];
    const value = token.slice(1);
    if (key === "V") header.uidValidity = positive(value);
    else if (key === "N") header.nextUid = positive(value);
    else if (key === "G" && /^[0-9a-f]{32}$/.test(value)) header.guid = value;
    else header.headerExt.push(token);
  }
  return header;
}

/**
 * One record line; undefined when Dovecot would drop it (no UID, no name, a `/` in the name).
 * `clean` is false when extension tokens were dropped (they must start with A–Z).
 */
export function parseRecord(
  line: string,
  version: number,
): { record: UidlistRecord; clean: boolean } | undefined {
  // indexOf and charCodeAt rather than split and regular expressions: a big mailbox's list has tens
  // of thousands of lines (measured: a 10,000-line list parses in half the time).
  const space = line.indexOf(" ");
  if (space <= 0) return undefined;
  const uid = positive(line, 0, space);
  const ext: string[] = [];
  let base: string;
  let clean = true;
  if (version === 1) {
    const colon = line.indexOf(":", space + 1);
    base = line.slice(space + 1, colon < 0 ? line.length : colon);
  } else {
    const mark = line.indexOf(" :");
    if (mark < 0) return undefined;
    base = line.slice(mark + 2);
    for (let start = space + 1; start < mark; ) {
      let end = line.indexOf(" ", start);
      if (end < 0 || end > mark) end = mark;
      if (end > start) {
        const first = line.charCodeAt(start);
        if (first >= 65 && first <= 90) ext.push(line.slice(start, end));
        else clean = false;
      }
      start = end + 1;
    }
  }
  if (uid === 0 || base === "" || base.includes("/")) return undefined;
  return { record: { uid, ext, base }, clean };
}

/**
 * Parses dovecot-uidlist (v3, and v1/v2 for upgrades). A header with V0/N0 is broken: Dovecot then
 * deletes and rebuilds the file, so we report CORRUPT and let the caller rebuild. A partial last line
 * (a writer died mid-append) is ignored.
 */
export function parseUidlist(text: string): Uidlist {
  const lines = text.split("\n");
  // Either the empty string after the final LF, or a partial line from an interrupted append.
  lines.pop();
  const first = lines.shift();
  if (first === undefined) corrupt("empty file");
  const header = parseHeader(first);
  if (header.uidValidity === 0 || header.nextUid === 0) corrupt(`broken header "${first}"`);
  const byBase = new Map<string, UidlistRecord>();
  let needsRewrite = header.version !== 3 || header.guid === undefined;
  let lastUid = 0;
  const records: UidlistRecord[] = [];
  for (const line of lines) {
    if (line === "") continue;
    const parsed = parseRecord(line, header.version);
    if (parsed === undefined || parsed.record.uid <= lastUid) {
      needsRewrite = true;
      continue;
    }
    const { record } = parsed;
    if (!parsed.clean) needsRewrite = true;
    const previous = byBase.get(record.base);
    if (previous) {
      // The same file under two UIDs: Dovecot keeps the later line.
      records.splice(records.indexOf(previous), 1);
      needsRewrite = true;
    }
    byBase.set(record.base, record);
    records.push(record);
    lastUid = record.uid;
  }
  const list: Uidlist = {
    uidValidity: header.uidValidity,
    nextUid: header.nextUid,
    headerExt: header.headerExt,
    records,
    needsRewrite,
  };
  if (header.guid !== undefined) list.guid = header.guid;
  return list;
}

/** The UID the next new file gets: max(header N, last record + 1). */
export function effectiveNextUid(list: Uidlist): number {
  const last = list.records.at(-1);
  return Math.max(list.nextUid, last ? last.uid + 1 : 1);
}

export function formatRecord(record: UidlistRecord): string {
  const ext = record.ext.length > 0 ? ` ${record.ext.join(" ")}` : "";
  return `${record.uid}${ext} :${record.base}\n`;
}

/** Always writes version 3, with the effective next UID in N (what Dovecot's rewrite does). */
export function serializeUidlist(list: Uidlist): string {
  if (list.uidValidity <= 0) throw new StoreError("CORRUPT", "refusing to write UIDVALIDITY 0");
  const header = [`3`, `V${list.uidValidity}`, `N${effectiveNextUid(list)}`];
  if (list.guid !== undefined) header.push(`G${list.guid}`);
  header.push(...list.headerExt);
  return `${header.join(" ")}\n${list.records.map(formatRecord).join("")}`;
}

/** A record's extension value by key (`G` → message GUID, `S`/`W` → sizes). */
export function recordExt(record: UidlistRecord, key: string): string | undefined {
  const token = record.ext.find((t) => t[0] === key);
  return token?.slice(1);
}
