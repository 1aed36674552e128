/**
 * What the session needs to answer a command it cannot run: the tag if one was read, the
 * status to send, and whether the connection must end. Texts follow Dovecot 2.3
 * ("Error in IMAP command FETCH: Invalid messageset"), without its timing suffix.
 */
export interface ProtocolError {
  /** The command's tag, or null when none was read (answer with `* BAD`). */
  tag: string | null;
  /** Command name as read ("FETCH", "UID FETCH"), or null before one was read. */
  command: string | null;
  /** BAD for grammar errors; NO for a refused synchronising literal (RFC 7889 §4 style). */
  status: "BAD" | "NO";
  /** Response code to put in brackets, e.g. TOOBIG (RFC 4469 §6). */
  code: string | null;
  /** The reason alone ("Missing ')'"). */
  reason: string;
  /** The full response text ("Error in IMAP command SELECT: Missing ')'"). */
  text: string;
  /**
   * The input can no longer be followed (a non-synchronising literal too large to drain):
   * after the tagged response send `* BYE` and close.
   */
  fatal: boolean;
}

export function commandError(tag: string | null, command: string | null, reason: string): ProtocolError {
  const text =
    tag === null
      ? `Error in IMAP tag: ${reason}`
      : command === null
        ? `Error in IMAP command: ${reason}`
        : `Error in IMAP command ${command}: ${reason}`;
  return { tag, command, status: "BAD", code: null, reason, text, fatal: false };
}

/** Thrown by the grammar; parseCommand turns it into a ProtocolError. */
export class ImapParseError extends Error {
  override readonly name = "ImapParseError";
}
