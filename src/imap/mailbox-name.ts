import iconv from "iconv-lite";

/**
 * Mailbox names on the wire are modified UTF-7 (RFC 3501 §5.1.3); the store speaks Unicode.
 * Null for a name that is not valid modified UTF-7 (8-bit bytes, or a `&` sequence that does
 * not encode back to the same bytes): Dovecot refuses those too.
 */
export function decodeMailboxName(wire: string): string | null {
  if (!/^[\x01-\x7f]*$/.test(wire)) return null;
  if (!wire.includes("&")) return wire;
  const decoded = iconv.decode(Buffer.from(wire, "latin1"), "utf7imap");
  return encodeMailboxName(decoded) === wire ? decoded : null;
}

/** Unicode name → modified UTF-7 (a binary string, all 7-bit). */
export function encodeMailboxName(name: string): string {
  if (/^[\x20-\x25\x27-\x7e]*$/.test(name)) return name;
  return iconv.encode(name, "utf7imap").toString("latin1");
}

/** RFC 3501 §5.1: INBOX in any case is INBOX; the rest of a name keeps its case. */
export function normalizeInbox(name: string, separator: string): string {
  const first = name.split(separator, 1)[0]!;
  return first.toUpperCase() === "INBOX" ? `INBOX${name.slice(first.length)}` : name;
}
