import type { ArgCursor } from "./arg-cursor.js";
import { isAtomChar, isDigit } from "./char-classes.js";

/** Fetch items without a section (RFC 3501 §6.4.5, RFC 7162 §3.1.4.1 MODSEQ). */
export type SimpleFetchItem =
  | "ENVELOPE"
  | "FLAGS"
  | "INTERNALDATE"
  | "RFC822"
  | "RFC822.HEADER"
  | "RFC822.SIZE"
  | "RFC822.TEXT"
  | "BODY"
  | "BODYSTRUCTURE"
  | "UID"
  | "MODSEQ";

/** section-spec; `part` empty for the whole message. */
export interface BodySection {
  /** section-part: "1.2" → [1, 2]. */
  part: number[];
  text: "HEADER" | "HEADER.FIELDS" | "HEADER.FIELDS.NOT" | "TEXT" | "MIME" | null;
  /** header-list of HEADER.FIELDS[.NOT], as given. */
  fields: string[];
}

/** "<" number "." nz-number ">" */
export interface FetchPartial {
  offset: number;
  length: number;
}

export type FetchAttribute =
  | { kind: SimpleFetchItem }
  | {
      kind: "BODY[]";
      peek: boolean;
      section: BodySection;
      partial: FetchPartial | null;
      /** The item's name in the response, without `<origin>`: `BODY[HEADER.FIELDS (SUBJECT)]`. */
      label: string;
    }
  /** RFC 3516 BINARY[part], BINARY.PEEK[part]. */
  | { kind: "BINARY[]"; peek: boolean; part: number[]; partial: FetchPartial | null; label: string }
  | { kind: "BINARY.SIZE"; part: number[]; label: string };

export type FetchMacro = "ALL" | "FAST" | "FULL";

const SIMPLE: readonly SimpleFetchItem[] = [
  "ENVELOPE",
  "FLAGS",
  "INTERNALDATE",
  "RFC822",
  "RFC822.HEADER",
  "RFC822.SIZE",
  "RFC822.TEXT",
  "BODY",
  "BODYSTRUCTURE",
  "UID",
  "MODSEQ",
];

/** RFC 3501 §6.4.5 macros. */
export const FETCH_MACROS: Record<FetchMacro, SimpleFetchItem[]> = {
  FAST: ["FLAGS", "INTERNALDATE", "RFC822.SIZE"],
  ALL: ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"],
  FULL: ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"],
};

const BAD_SECTION = "Invalid BODY[..] section";
const BAD_BINARY = "Invalid BINARY[..] section";
const BAD_PARTIAL = "Invalid BODY[..] partial";

/** section-part = nz-number *("." nz-number); stops before a "." not followed by a digit. */
function sectionPart(c: ArgCursor, reason: string): number[] {
  const part: number[] = [];
  while (isDigit(c.peek())) {
    part.push(c.nzNumber(reason, false));
    const m = c.mark();
    if (!c.tryChar(0x2e)) break;
    if (!isDigit(c.peek())) {
      c.reset(m);
      break;
    }
  }
  return part;
}

/** A header field name for the response label: upper-cased, kept as atom or string. */
function fieldLabel(name: string, wasAtom: boolean): string {
  const upper = name.toUpperCase();
  return wasAtom ? upper : `"${upper}"`;
}

/** The part of `[...]` after "[", up to and including "]". */
function bodySection(c: ArgCursor): { section: BodySection; text: string } {
  const part = sectionPart(c, BAD_SECTION);
  let text: BodySection["text"] = null;
  if (part.length === 0 || c.tryChar(0x2e)) {
    const word = c.take((b) => isAtomChar(b) && b !== 0x5b).toUpperCase();
    if (word === "HEADER" || word === "HEADER.FIELDS" || word === "HEADER.FIELDS.NOT" || word === "TEXT")
      text = word;
    else if (word === "MIME" && part.length > 0) text = "MIME";
    else if (word !== "" || part.length > 0) c.fail(BAD_SECTION);
  }
  const fields: string[] = [];
  const labels: string[] = [];
  if (text === "HEADER.FIELDS" || text === "HEADER.FIELDS.NOT") {
    if (c.peek() !== 0x20) c.fail(BAD_SECTION);
    c.sp();
    c.openList(BAD_SECTION);
    if (c.listEmpty()) c.fail(BAD_SECTION);
    do {
      const wasAtom = c.peek() !== 0x22 && !c.atLiteral();
      const name = c.astring(BAD_SECTION);
      // RFC 5322 §2.2: field names are printable US-ASCII without ":"
      if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) c.fail(BAD_SECTION);
      fields.push(name);
      labels.push(fieldLabel(name, wasAtom));
    } while (!c.listNext());
  }
  c.char(0x5d, BAD_SECTION);
  let label = part.join(".");
  if (text !== null) label += (label === "" ? "" : ".") + text;
  if (labels.length > 0) label += ` (${labels.join(" ")})`;
  return { section: { part, text, fields }, text: label };
}

function partial(c: ArgCursor): FetchPartial | null {
  if (!c.tryChar(0x3c)) return null;
  const offset = c.number(BAD_PARTIAL, false);
  c.char(0x2e, BAD_PARTIAL);
  const length = c.nzNumber(BAD_PARTIAL, false);
  c.char(0x3e, BAD_PARTIAL);
  return { offset, length };
}

export function parseFetchAttribute(c: ArgCursor): FetchAttribute {
  const name = c.take((b) => isAtomChar(b) && b !== 0x5b).toUpperCase();
  if (name === "") c.fail(c.peek() === 0x29 ? "Unexpected ')'" : "Invalid arguments");
  if (c.peek() !== 0x5b) {
    const simple = SIMPLE.find((s) => s === name);
    if (simple === undefined) return c.fail(`Unknown parameter: ${name}`);
    return { kind: simple };
  }
  c.tryChar(0x5b);
  if (name === "BODY" || name === "BODY.PEEK") {
    const { section, text } = bodySection(c);
    return {
      kind: "BODY[]",
      peek: name === "BODY.PEEK",
      section,
      partial: partial(c),
      label: `BODY[${text}]`,
    };
  }
  if (name === "BINARY" || name === "BINARY.PEEK" || name === "BINARY.SIZE") {
    const part = binarySection(c);
    const label = `${name === "BINARY.SIZE" ? "BINARY.SIZE" : "BINARY"}[${part.join(".")}]`;
    if (name === "BINARY.SIZE") return { kind: "BINARY.SIZE", part, label };
    return { kind: "BINARY[]", peek: name === "BINARY.PEEK", part, partial: partial(c), label };
  }
  return c.fail(`Unknown parameter: ${name}`);
}

/** section-binary = "[" [section-part] "]" (RFC 3516 §4.4), after its "[". */
function binarySection(c: ArgCursor): number[] {
  const part = sectionPart(c, BAD_BINARY);
  c.char(0x5d, BAD_BINARY);
  return part;
}

/**
 * ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")").
 * Macros expand to their items; `macro` tells which was used.
 */
export function parseFetchItems(c: ArgCursor): { items: FetchAttribute[]; macro: FetchMacro | null } {
  if (c.peek() !== 0x28) {
    const word = c.peekAtom();
    if (word === "ALL" || word === "FAST" || word === "FULL") {
      c.tryKeyword(word);
      return { items: FETCH_MACROS[word].map((kind) => ({ kind })), macro: word };
    }
    return { items: [parseFetchAttribute(c)], macro: null };
  }
  c.openList();
  if (c.listEmpty()) c.fail("FETCH list is empty");
  const items: FetchAttribute[] = [];
  do items.push(parseFetchAttribute(c));
  while (!c.listNext());
  return { items, macro: null };
}
