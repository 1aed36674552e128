import { FLAG_BITS, type SystemFlag } from "../../flags.js";

/** Maildir info letters for the IMAP system flags (storage-maildir.md §2.3). */
export const FLAG_LETTERS: Readonly<Record<SystemFlag, string>> = {
  "\\Draft": "D",
  "\\Flagged": "F",
  "\\Answered": "R",
  "\\Seen": "S",
  "\\Deleted": "T",
};

const LETTER_BITS: Readonly<Record<string, number>> = Object.fromEntries(
  (Object.entries(FLAG_LETTERS) as [SystemFlag, string][]).map(([flag, letter]) => [letter, FLAG_BITS[flag]]),
);

export interface ParsedFilename {
  /** Everything before the first `:`: the message's identity and the key in dovecot-uidlist. */
  base: string;
  /** `,S=` physical size, when present in the base. */
  size?: number;
  /** `,W=` virtual (CRLF) size, when present in the base. */
  vsize?: number;
  /** System flag bits from the `:2,` letters. */
  flags: number;
  /** Keyword indexes 0–25 from the letters a–z. */
  keywordIndexes: number[];
  /** Letters that are neither IMAP flags nor keywords (e.g. Maildir's P "passed"), kept on rename. */
  otherLetters: string;
  /** Text after a second `,` inside the info, kept verbatim on rename. */
  infoTail: string;
  /** Whether the name had a `:2,` info part at all. */
  hasInfo: boolean;
}

/** Reads `,S=`/`,W=` the way Dovecot does: a number ended by `,`, `:` or the end of the base. */
function sizeField(base: string, key: "S" | "W"): number | undefined {
  const re = key === "S" ? /,S=(\d+)(?=,|$)/ : /,W=(\d+)(?=,|$)/;
  const match = re.exec(base);
  return match ? Number(match[1]) : undefined;
}

export function parseFilename(name: string): ParsedFilename {
  const colon = name.indexOf(":");
  const base = colon < 0 ? name : name.slice(0, colon);
  const info = colon < 0 ? "" : name.slice(colon + 1);
  const parsed: ParsedFilename = {
    base,
    flags: 0,
    keywordIndexes: [],
    otherLetters: "",
    infoTail: "",
    hasInfo: info.startsWith("2,"),
  };
  const size = sizeField(base, "S");
  const vsize = sizeField(base, "W");
  if (size !== undefined) parsed.size = size;
  if (vsize !== undefined) parsed.vsize = vsize;
  if (parsed.hasInfo) {
    const rest = info.slice(2);
    const comma = rest.indexOf(",");
    const letters = comma < 0 ? rest : rest.slice(0, comma);
    parsed.infoTail = comma < 0 ? "" : rest.slice(comma);
    for (const letter of letters) {
      const bit = LETTER_BITS[letter];
      if (bit !== undefined) parsed.flags |= bit;
      else if (letter >= "a" && letter <= "z") parsed.keywordIndexes.push(letter.charCodeAt(0) - 97);
      else parsed.otherLetters += letter;
    }
  }
  return parsed;
}

/**
 * Builds the file name for a base and flags. Dovecot writes all letters sorted by ASCII code
 * (system flags, then keyword letters), keeping letters it does not know.
 */
export function buildFilename(
  base: string,
  flags: number,
  keywordIndexes: readonly number[],
  otherLetters = "",
  infoTail = "",
): string {
  const letters: string[] = [...otherLetters];
  for (const [flag, letter] of Object.entries(FLAG_LETTERS) as [SystemFlag, string][]) {
    if ((flags & FLAG_BITS[flag]) !== 0) letters.push(letter);
  }
  for (const index of keywordIndexes) letters.push(String.fromCharCode(97 + index));
  const unique = [...new Set(letters)].sort();
  return `${base}:2,${unique.join("")}${infoTail}`;
}

/** Maildir spec: `/` and `:` in the host name are written as octal escapes; `,` would look like a size field. */
export function escapeHostname(host: string): string {
  return host.replace(/\//g, "\\057").replace(/:/g, "\\072").replace(/,/g, "\\054");
}

export interface BaseNameParts {
  secs: number;
  usecs: number;
  pid: number;
  host: string;
}

/** `<secs>.M<usecs>P<pid>.<host>`: the base name Dovecot generates, before the size fields. */
export function buildBaseName(parts: BaseNameParts): string {
  return `${parts.secs}.M${parts.usecs}P${parts.pid}.${escapeHostname(parts.host)}`;
}

/** Appends `,S=<size>,W=<vsize>` in Dovecot's order. */
export function withSizes(base: string, size: number, vsize: number): string {
  return `${base},S=${size},W=${vsize}`;
}

/** Leading decimal seconds of a base name; Dovecot reads a name without leading digits as 0. */
function leadingSeconds(base: string): number {
  const match = /^\d+/.exec(base);
  return match ? Number(match[0]) : 0;
}

/** The `M<usecs>` number at the start of the second dot-separated part, as Dovecot's sort reads it. */
function microseconds(base: string): number | undefined {
  const dot = base.indexOf(".");
  if (dot < 0) return undefined;
  const match = /^M(\d+)/.exec(base.slice(dot + 1));
  return match ? Number(match[1]) : undefined;
}

function byteCompare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Dovecot's order for new files before it gives them UIDs (maildir-uidlist.c,
 * maildir_filename_sort_cmp): by leading seconds, then microseconds when both have them,
 * then by bytes.
 */
export function compareNewFiles(a: string, b: string): number {
  const sa = leadingSeconds(a);
  const sb = leadingSeconds(b);
  if (sa !== sb) return sa < sb ? -1 : 1;
  const ua = microseconds(a);
  const ub = microseconds(b);
  if (ua !== undefined && ub !== undefined && ua !== ub) return ua < ub ? -1 : 1;
  return byteCompare(a, b);
}
