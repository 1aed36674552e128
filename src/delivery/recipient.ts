// Recipient addresses as delivery sees them: the userdb key, and the +detail part that Dovecot's
// recipient_delimiter splits off (user+folder@domain → user, detail "folder").
import { encodeLocalPart, splitAddress } from "../mime/index.js";

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
 * character of recipient_delimiter as a delimiter and cuts at the earliest one). A quoted local
 * part is split and looked up unquoted (`"b ob+x"@d` is user `b ob@d`), as Dovecot's LMTP does;
 * only one that holds an "@" stays quoted before a domain, so that the domain stays apparent.
 */
export function splitRecipient(address: string, delimiters: string): RecipientAddress {
  const { local, domain } = splitAddress(address);
  let cut = -1;
  for (const d of delimiters) {
    const i = local.indexOf(d);
    if (i > 0 && (cut < 0 || i < cut)) cut = i;
  }
  const user = cut < 0 ? local : local.slice(0, cut);
  return {
    address,
    user: (domain !== "" && user.includes("@") ? encodeLocalPart(user) : user) + domain,
    detail: cut < 0 ? "" : local.slice(cut + 1),
  };
}
