import { FLAG_BITS } from "../../flags.js";

/**
 * The headers Dovecot keeps its state in (storage-mbox.md §3–§4). They are hidden from clients, so
 * a message has the same bytes and sizes whether Dovecot or Loft serves it (§3.4).
 */
export const STATE_HEADERS: ReadonlySet<string> = new Set([
  "content-length",
  "status",
  "x-imap",
  "x-imapbase",
  "x-keywords",
  "x-status",
  "x-uid",
]);

/** Dropped from an incoming message on save: copies of state headers would be trusted otherwise (§3.1). */
export const DROPPED_ON_SAVE: ReadonlySet<string> = new Set([...STATE_HEADERS, "x-delivery-id"]);

/** Dovecot's X-Keywords padding of a new message: 50 + 1 + len("Content-Length: \n") + MAX_INT_STRLEN. */
export const SAVE_PADDING = 91;
/** Spare spaces Dovecot leaves when it rewrites a header (MBOX_HEADER_PADDING). */
export const REWRITE_PADDING = 50;

export interface ImapBase {
  /** `X-IMAPbase`, or UW-IMAP's `X-IMAP` of a hidden pseudo message. */
  name: "X-IMAPbase" | "X-IMAP";
  uidValidity: number;
  uidLast: number;
  keywords: string[];
}

/** What the state headers of one message say. */
export interface MessageState {
  uid: number;
  flags: number;
  /** `O` in Status: the message is no longer \Recent for mbox readers. */
  old: boolean;
  keywords: string[];
}

/** One header field with its continuation lines, as raw bytes ending in LF. */
export interface HeaderField {
  /** Lower-cased name; undefined for a line without a colon. */
  name: string | undefined;
  raw: Buffer;
}

export function splitHeaderFields(block: Buffer): HeaderField[] {
  const fields: HeaderField[] = [];
  let start = 0;
  while (start < block.length) {
    let end = block.indexOf(0x0a, start);
    end = end < 0 ? block.length : end + 1;
    const first = block[start];
    if ((first === 0x20 || first === 0x09) && fields.length > 0) {
      const last = fields[fields.length - 1]!;
      last.raw = Buffer.concat([last.raw, block.subarray(start, end)]);
    } else {
      const line = block.subarray(start, end);
      const colon = line.indexOf(0x3a);
      const name = colon > 0 ? line.subarray(0, colon).toString("latin1").trim().toLowerCase() : undefined;
      fields.push({ name, raw: line });
    }
    start = end;
  }
  return fields;
}

/** The value of a raw header field, unfolded and trimmed. */
export function fieldValue(field: HeaderField): string {
  const text = field.raw.toString("latin1");
  return text
    .slice(text.indexOf(":") + 1)
    .replace(/\r?\n[ \t]/g, " ")
    .trim();
}

export function parseImapBase(
  name: ImapBase["name"],
  value: string,
): (ImapBase & { exact: boolean }) | undefined {
  const match = /^(\d+)\s+(\d+)(.*)$/.exec(value);
  if (!match) return undefined;
  const uidValidity = Number(match[1]);
  if (uidValidity === 0 || uidValidity > 0xffffffff) return undefined;
  return {
    name,
    uidValidity,
    uidLast: Number(match[2]),
    keywords: match[3]!.split(/\s+/).filter((k) => k !== ""),
    // uid-last must be exactly 10 digits so it can be updated in place; otherwise rewrite (§4).
    exact: match[2]!.length === 10,
  };
}

const STATUS_LETTERS: [string, number][] = [["R", FLAG_BITS["\\Seen"]]];
const X_STATUS_LETTERS: [string, number][] = [
  ["A", FLAG_BITS["\\Answered"]],
  ["F", FLAG_BITS["\\Flagged"]],
  ["T", FLAG_BITS["\\Draft"]],
  ["D", FLAG_BITS["\\Deleted"]],
];

/** Flag bits of Status / X-Status letters; unknown letters are ignored (§3.2). */
export function lettersToFlags(status: string | undefined, xStatus: string | undefined): number {
  let flags = 0;
  for (const [letter, bit] of STATUS_LETTERS) if (status?.includes(letter)) flags |= bit;
  for (const [letter, bit] of X_STATUS_LETTERS) if (xStatus?.includes(letter)) flags |= bit;
  return flags;
}

function xStatusLetters(flags: number): string {
  return X_STATUS_LETTERS.filter(([, bit]) => (flags & bit) !== 0)
    .map(([letter]) => letter)
    .join("");
}

/**
 * The state headers in Dovecot's order (§3.1): [X-IMAPbase], X-UID, Status (always, even empty),
 * [X-Status], X-Keywords with `padding` trailing spaces, then Content-Length when known.
 */
export function stateHeaders(
  base: ImapBase | undefined,
  state: MessageState,
  padding: number,
  contentLength: number | undefined,
): string {
  let text = "";
  if (base) {
    const last = String(base.uidLast).padStart(10, "0");
    text += `${base.name}: ${base.uidValidity} ${last}${base.keywords.map((k) => ` ${k}`).join("")}\n`;
  }
  text += `X-UID: ${state.uid}\n`;
  text += `Status: ${(state.flags & FLAG_BITS["\\Seen"]) !== 0 ? "R" : ""}${state.old ? "O" : ""}\n`;
  const x = xStatusLetters(state.flags);
  if (x !== "") text += `X-Status: ${x}\n`;
  text += `X-Keywords:${state.keywords.map((k) => ` ${k}`).join("")}${" ".repeat(padding)}\n`;
  if (contentLength !== undefined) text += `Content-Length: ${contentLength}\n`;
  return text;
}

/** Keywords as X-IMAPbase lists them: the known list, then new names in order of first use. */
export function mergeKeywords(known: readonly string[], used: Iterable<string>): string[] {
  const merged = [...known];
  for (const k of used) if (!merged.includes(k)) merged.push(k);
  return merged;
}
