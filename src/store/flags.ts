import { StoreError } from "./errors.js";

/** IMAP system flags (RFC 3501 §2.3.2) except \Recent, which is a session property, not stored. */
export type SystemFlag = "\\Seen" | "\\Answered" | "\\Flagged" | "\\Deleted" | "\\Draft";

export const SYSTEM_FLAGS: readonly SystemFlag[] = [
  "\\Seen",
  "\\Answered",
  "\\Flagged",
  "\\Deleted",
  "\\Draft",
];

/** Bit values used in the index and between the store layers. */
export const FLAG_BITS: Readonly<Record<SystemFlag, number>> = {
  "\\Seen": 1,
  "\\Answered": 2,
  "\\Flagged": 4,
  "\\Deleted": 8,
  "\\Draft": 16,
};

export function flagsToBits(flags: Iterable<SystemFlag>): number {
  let bits = 0;
  for (const flag of flags) bits |= FLAG_BITS[flag];
  return bits;
}

export function bitsToFlags(bits: number): SystemFlag[] {
  return SYSTEM_FLAGS.filter((flag) => (bits & FLAG_BITS[flag]) !== 0);
}

/** Case-insensitive lookup of a system flag name as clients send it (`\seen` is `\Seen`). */
export function parseSystemFlag(name: string): SystemFlag | undefined {
  const lower = name.toLowerCase();
  return SYSTEM_FLAGS.find((flag) => flag.toLowerCase() === lower);
}

/** Keyword atoms (RFC 3501 flag-keyword): no specials, no backslash, no control characters. */
export function isValidKeyword(name: string): boolean {
  return /^[!#$&'+,\-./0-9:;<=>?@A-Z[^_`a-z|}~]+$/.test(name) && name.length <= 200;
}

/** Refuses (CANNOT) a keyword IMAP could not name. */
export function checkKeywords(keywords: readonly string[]): void {
  for (const keyword of keywords) {
    if (!isValidKeyword(keyword))
      throw new StoreError("CANNOT", `Invalid keyword ${JSON.stringify(keyword)}`);
  }
}
