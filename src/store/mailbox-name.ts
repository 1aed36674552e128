import { StoreError } from "./errors.js";

/** A mailbox name as hierarchy levels (Unicode), independent of the separator clients see. */
export type MailboxPath = readonly string[];

/** Longest name accepted, in UTF-8 bytes of the whole name (Dovecot's MAILBOX_LIST_NAME_MAX_LENGTH is 255 too). */
export const MAX_NAME_BYTES = 255;

export const INBOX = "INBOX";

function refuse(name: string, why: string): never {
  throw new StoreError("BADNAME", `Invalid mailbox name ${JSON.stringify(name)}: ${why}`);
}

/**
 * Splits a client's mailbox name on the hierarchy separator and refuses every name that could be
 * used to reach outside the mail root or break the on-disk files. The first level "INBOX" is
 * case-insensitive (RFC 3501 §5.1).
 */
export function parseMailboxName(name: string, separator: string): string[] {
  if (name.length === 0) refuse(name, "empty name");
  if (name.includes("\0")) refuse(name, "contains NUL");
  if (/[\t\r\n]/.test(name)) refuse(name, "contains a TAB or line break");
  if (Buffer.byteLength(name, "utf8") > MAX_NAME_BYTES) refuse(name, `longer than ${MAX_NAME_BYTES} bytes`);
  if (name.startsWith("~")) refuse(name, "begins with ~");
  const levels = name.split(separator);
  for (const level of levels) {
    if (level === "") refuse(name, "empty hierarchy level");
    if (level === "." || level === "..") refuse(name, `hierarchy level "${level}"`);
    if (level.includes("/")) refuse(name, "contains the path separator /");
    if (level.startsWith("~")) refuse(name, "hierarchy level begins with ~");
  }
  if (levels[0]!.toUpperCase() === INBOX) levels[0] = INBOX;
  return levels;
}

export function formatMailboxName(path: MailboxPath, separator: string): string {
  return path.join(separator);
}

export function isInbox(path: MailboxPath): boolean {
  return path.length === 1 && path[0] === INBOX;
}

/** A stable key for maps and the index: levels joined by TAB, which no level may contain on disk. */
export function pathKey(path: MailboxPath): string {
  return path.join("\t");
}

export function keyToPath(key: string): string[] {
  return key.split("\t");
}

export function isDescendant(path: MailboxPath, ancestor: MailboxPath): boolean {
  return path.length > ancestor.length && ancestor.every((level, i) => path[i] === level);
}
