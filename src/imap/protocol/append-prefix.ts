import { ArgCursor } from "./arg-cursor.js";
import { parseFlagList } from "./flags.js";
import { type ImapDateTime, parseDateTime } from "./imap-date.js";
import { defaultReaderLimits } from "./limits.js";
import type { LiteralHeader, RawCommand } from "./raw-command.js";

export interface AppendHead {
  mailbox: string;
  flags: string[] | null;
  date: ImapDateTime | null;
}

/** APPEND's arguments up to the message: mailbox [SP flag-list] [SP date-time] SP. */
export function parseAppendHead(c: ArgCursor): AppendHead {
  c.sp();
  const mailbox = c.astring();
  c.sp();
  let flags: string[] | null = null;
  let date: ImapDateTime | null = null;
  if (c.peek() === 0x28) {
    flags = parseFlagList(c);
    c.sp();
  }
  if (c.peek() === 0x22) {
    date = parseDateTime(c);
    c.sp();
  }
  return { mailbox, flags, date };
}

/**
 * The reader's default streaming rule: a literal is APPEND's message when everything
 * before it reads as APPEND's head. Literals elsewhere (a mailbox name sent as a literal)
 * stay buffered arguments.
 */
export function isAppendMessageLiteral(prefix: RawCommand, _literal: LiteralHeader): boolean {
  if (prefix.name !== "APPEND" || prefix.uid) return false;
  const c = new ArgCursor(prefix.parts, defaultReaderLimits.maxDepth);
  try {
    parseAppendHead(c);
  } catch {
    return false;
  }
  return c.atEnd();
}
