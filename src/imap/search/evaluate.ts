import type { MimePart } from "../../mime/index.js";
import {
  CACHED_HEADER_FIELDS,
  type CachedHeaders,
  type Mailbox,
  type MessageInfo,
  type SystemFlag,
} from "../../store/index.js";
import { type ImapDate, resolveSequenceSet, type SearchKey } from "../protocol/index.js";
import type { SelectedMailbox } from "../selected-mailbox.js";
import { bodyText, decodedHeader, decodeWords } from "./message-text.js";

/** What a search needs besides the message: the view, the decoded search strings, the time. */
export interface SearchScope {
  selected: SelectedMailbox;
  /** A search string (binary, in the command's CHARSET) as text. */
  text(s: string): string;
  now: number;
  saved: readonly number[];
}

/** What a search knows of a message without its index row: the mailbox snapshot's part. */
export interface SearchFacts {
  uid: number;
  flags: readonly SystemFlag[];
  keywords: readonly string[];
  modseq: number;
}

/** One message under test; its row, header and body are read only when a key needs them. */
export class Candidate {
  private header: Buffer | null = null;
  private body: string | null = null;
  /** The message up to the end of its body, when a key needed all of it. */
  private whole: Buffer | null = null;

  constructor(
    readonly facts: SearchFacts,
    readonly seq: number,
    private readonly mailbox: Mailbox,
    /** The message's cached header fields, when the index has them. */
    private readonly cached: CachedHeaders | undefined = undefined,
    /** Its MIME structure, when already read. */
    private root: MimePart | null = null,
    /** Its index row (sizes, dates), when already read; null once found gone. */
    private info: MessageInfo | null | undefined = undefined,
  ) {}

  /** Sizes and dates from the index row; undefined when the message was expunged meanwhile. */
  details(): MessageInfo | undefined {
    if (this.info === undefined) this.info = this.mailbox.message(this.facts.uid) ?? null;
    return this.info ?? undefined;
  }

  /** Decoded values of one header field: from the index when it caches the field, else from the file. */
  async headerValues(field: string): Promise<string[]> {
    const name = field.toLowerCase();
    if (this.cached !== undefined && CACHED_HEADER_FIELDS.has(name))
      return (this.cached[name] ?? []).map(decodeWords);
    return decodedHeader(await this.headerBlock(), name);
  }

  private async structure(): Promise<MimePart> {
    this.root ??= await this.mailbox.structure(this.facts.uid);
    return this.root;
  }

  private async bytes(start: number, end: number): Promise<Buffer> {
    if (end <= start) return Buffer.alloc(0);
    const chunks: Buffer[] = [];
    for await (const c of await this.mailbox.read(this.facts.uid, { crlf: false, start, end: end - 1 }))
      chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  /** Reads the whole message once, so the header and the body come from one file read. */
  async readWhole(): Promise<void> {
    if (this.whole === null) {
      const root = await this.structure();
      this.whole = (await this.mailbox.readWhole(this.facts.uid)).subarray(0, root.bodyEnd);
    }
  }

  async headerBlock(): Promise<Buffer> {
    if (this.header === null) {
      const root = await this.structure();
      this.header =
        this.whole === null
          ? await this.bytes(root.headerStart, root.bodyStart)
          : this.whole.subarray(root.headerStart, root.bodyStart);
    }
    return this.header;
  }

  async bodyText(): Promise<string> {
    if (this.body === null) {
      await this.readWhole();
      this.body = bodyText(await this.structure(), this.whole!);
    }
    return this.body;
  }
}

/** Rough cost, so that an AND tests flags before it reads files. */
function cost(key: SearchKey): number {
  switch (key.key) {
    case "HEADER":
    case "DATE":
      return key.key === "DATE" && key.field === "INTERNAL" ? 0 : 1;
    case "BODY":
    case "TEXT":
      return 2;
    case "NOT":
      return cost(key.inner);
    case "OR":
      return Math.max(cost(key.left), cost(key.right));
    case "AND":
      return Math.max(0, ...key.keys.map(cost));
    default:
      return 0;
  }
}

export function orderByCost(keys: readonly SearchKey[]): SearchKey[] {
  return [...keys].sort((a, b) => cost(a) - cost(b));
}

const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

function dayNumber(d: ImapDate): number {
  return Date.UTC(d.year, d.month - 1, d.day) / 86_400_000;
}

/** The calendar day of a Date: header in its own zone (RFC 3501 §6.4.4 SENT*), or null. */
function sentDay(value: string): number | null {
  const m = /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{2,4})/.exec(value);
  if (m === null) return null;
  const month = MONTHS.indexOf(m[2]!.toLowerCase()) + 1;
  if (month === 0) return null;
  let year = Number(m[3]);
  if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  return dayNumber({ year, month, day: Number(m[1]) });
}

function compareDay(day: number, op: "BEFORE" | "ON" | "SINCE", wanted: number): boolean {
  return op === "BEFORE" ? day < wanted : op === "ON" ? day === wanted : day >= wanted;
}

function includes(haystack: string, needle: string): boolean {
  return haystack.toLowerCase().includes(needle.toLowerCase());
}

export async function matches(key: SearchKey, c: Candidate, scope: SearchScope): Promise<boolean> {
  const info = c.facts;
  switch (key.key) {
    case "ALL":
      return true;
    case "FLAG": {
      let has: boolean;
      if (key.flag === "\\Recent") has = scope.selected.isRecent(info.uid);
      else if (key.flag.startsWith("\\")) has = (info.flags as readonly string[]).includes(key.flag);
      else has = info.keywords.some((k) => k.toLowerCase() === key.flag.toLowerCase());
      return has === key.set;
    }
    case "SIZE": {
      const details = c.details();
      if (details === undefined) return false;
      return key.op === "LARGER" ? details.vsize > key.size : details.vsize < key.size;
    }
    case "SEQUENCE":
      return inRanges(resolveSequenceSet(key.set, scope.selected.count, seqsOf(scope)), c.seq);
    case "UID":
      return inRanges(resolveSequenceSet(key.set, scope.selected.highestUid, scope.saved), info.uid);
    case "MODSEQ":
      return BigInt(info.modseq) >= key.modseq;
    case "WITHIN": {
      const details = c.details();
      if (details === undefined) return false;
      const age = (scope.now - details.internalDate.getTime()) / 1000;
      return key.op === "OLDER" ? age >= key.seconds : age < key.seconds;
    }
    case "DATE": {
      if (key.field === "INTERNAL") {
        const details = c.details();
        if (details === undefined) return false;
        const { internalDate } = details;
        const local = new Date(internalDate.getTime() - internalDate.getTimezoneOffset() * 60_000);
        const day = Math.floor(local.getTime() / 86_400_000);
        return compareDay(day, key.op, dayNumber(key.date));
      }
      const [value] = await c.headerValues("date");
      // Dovecot takes a missing or unparsable Date: as 1 January 1970.
      const day = (value === undefined ? null : sentDay(value)) ?? 0;
      return compareDay(day, key.op, dayNumber(key.date));
    }
    case "HEADER": {
      const values = await c.headerValues(key.field);
      const needle = scope.text(key.value);
      return values.some((v) => includes(v, needle));
    }
    case "BODY":
      return includes(await c.bodyText(), scope.text(key.value));
    case "TEXT": {
      const needle = scope.text(key.value);
      await c.readWhole();
      if (decodedHeader(await c.headerBlock(), null).some((v) => includes(v, needle))) return true;
      return includes(await c.bodyText(), needle);
    }
    case "NOT":
      return !(await matches(key.inner, c, scope));
    case "OR":
      return (await matches(key.left, c, scope)) || (await matches(key.right, c, scope));
    case "AND":
      for (const k of orderByCost(key.keys)) if (!(await matches(k, c, scope))) return false;
      return true;
  }
}

/** `$` in a sequence-number set: the saved UIDs as they number now. */
function seqsOf(scope: SearchScope): number[] {
  return scope.saved.map((uid) => scope.selected.seqOf(uid)).filter((n) => n > 0);
}

function inRanges(ranges: ReadonlyArray<[number, number]>, n: number): boolean {
  return ranges.some(([lo, hi]) => n >= lo && n <= hi);
}

/** Whether a key tests MODSEQ: the answer then carries the highest modseq (RFC 7162 §3.1.5). */
export function usesModseq(key: SearchKey): boolean {
  switch (key.key) {
    case "MODSEQ":
      return true;
    case "NOT":
      return usesModseq(key.inner);
    case "OR":
      return usesModseq(key.left) || usesModseq(key.right);
    case "AND":
      return key.keys.some(usesModseq);
    default:
      return false;
  }
}

/** Whether a key reads the index row's sizes or dates (the search then reads all rows at once). */
export function usesDetails(key: SearchKey): boolean {
  switch (key.key) {
    case "SIZE":
    case "WITHIN":
      return true;
    case "DATE":
      return key.field === "INTERNAL";
    case "NOT":
      return usesDetails(key.inner);
    case "OR":
      return usesDetails(key.left) || usesDetails(key.right);
    case "AND":
      return key.keys.some(usesDetails);
    default:
      return false;
  }
}

/** The cached header fields a key reads (the search then loads just those, once). */
export function cachedFieldsUsed(key: SearchKey, into = new Set<string>()): Set<string> {
  switch (key.key) {
    case "HEADER": {
      const name = key.field.toLowerCase();
      if (CACHED_HEADER_FIELDS.has(name)) into.add(name);
      break;
    }
    case "DATE":
      if (key.field !== "INTERNAL") into.add("date");
      break;
    case "NOT":
      cachedFieldsUsed(key.inner, into);
      break;
    case "OR":
      cachedFieldsUsed(key.left, into);
      cachedFieldsUsed(key.right, into);
      break;
    case "AND":
      for (const k of key.keys) cachedFieldsUsed(k, into);
      break;
  }
  return into;
}

/** Whether a key reads message files (BODY, TEXT, HEADER on a field the index does not cache). */
export function readsFiles(key: SearchKey): boolean {
  switch (key.key) {
    case "BODY":
    case "TEXT":
      return true;
    case "HEADER":
      return !CACHED_HEADER_FIELDS.has(key.field.toLowerCase());
    case "NOT":
      return readsFiles(key.inner);
    case "OR":
      return readsFiles(key.left) || readsFiles(key.right);
    case "AND":
      return key.keys.some(readsFiles);
    default:
      return false;
  }
}
