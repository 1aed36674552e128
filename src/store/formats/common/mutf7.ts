import { iconv } from "../../../mime/index.js";

/** Printable ASCII but "&" stands for itself in modified UTF-7: no need to load the codec for it. */
const PLAIN = /^[\x20-\x25\x27-\x7e]*$/;

/** Modified UTF-7 (RFC 3501 §5.1.3), the form Dovecot uses for mailbox names on disk. */
export function encodeMutf7(name: string): string {
  if (PLAIN.test(name)) return name;
  return iconv().encode(name, "utf7imap").toString("latin1");
}

/** Decodes a name read from disk; undefined when it is not valid modified UTF-7 (it would not round-trip). */
export function decodeMutf7(name: string): string | undefined {
  if (!/^[\x20-\x7e]*$/.test(name)) return undefined;
  if (PLAIN.test(name)) return name;
  const decoded = iconv().decode(Buffer.from(name, "latin1"), "utf7imap");
  return encodeMutf7(decoded) === name ? decoded : undefined;
}
