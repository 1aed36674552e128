// Recipient addresses as delivery sees them: the userdb key, and the +detail part that Dovecot's
// recipient_delimiter splits off (user+folder@domain → user, detail "folder").

export interface RecipientAddress {
  /** The address as given (RCPT TO or -d), without angle brackets. */
  address: string;
  /** The user name for the userdb: the address with its detail removed. */
  user: string;
  /** The part after the first delimiter character, or "" when there is none. */
  detail: string;
}

/**
 * Splits `local+detail@domain` at the first of the delimiter characters (Dovecot 2.3 treats each
 * character of recipient_delimiter as a delimiter and cuts at the earliest one).
 */
export function splitRecipient(address: string, delimiters: string): RecipientAddress {
  const at = address.lastIndexOf("@");
  const local = at < 0 ? address : address.slice(0, at);
  const domain = at < 0 ? "" : address.slice(at);
  let cut = -1;
  for (const d of delimiters) {
    const i = local.indexOf(d);
    if (i > 0 && (cut < 0 || i < cut)) cut = i;
  }
  if (cut < 0) return { address, user: address, detail: "" };
  return { address, user: local.slice(0, cut) + domain, detail: local.slice(cut + 1) };
}
