import iconv from "iconv-lite";

/** Modified UTF-7 (RFC 3501 §5.1.3), the form Dovecot uses for mailbox names on disk. */
export function encodeMutf7(name: string): string {
  return iconv.encode(name, "utf7imap").toString("latin1");
}

/** Decodes a name read from disk; undefined when it is not valid modified UTF-7 (it would not round-trip). */
export function decodeMutf7(name: string): string | undefined {
  if (!/^[\x20-\x7e]*$/.test(name)) return undefined;
  const decoded = iconv.decode(Buffer.from(name, "latin1"), "utf7imap");
  return encodeMutf7(decoded) === name ? decoded : undefined;
}
