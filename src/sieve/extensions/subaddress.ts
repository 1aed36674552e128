// RFC 5233: :user and :detail address parts, split at the recipient delimiter.
import type { ParsedAddress } from "../address.js";
import type { Extension } from "../extension.js";
import type { Runtime } from "../runtime.js";

/** Index of the first delimiter character in the local part, or -1 (Dovecot: each character is one). */
function delimiterAt(local: string, rt: Runtime): number {
  const delimiters = rt.config.recipientDelimiter;
  if (delimiters === "") return -1;
  for (let i = 0; i < local.length; i++) if (delimiters.includes(local[i]!)) return i;
  return -1;
}

export const subaddress: Extension = {
  name: "subaddress",
  addressParts: [
    {
      tag: ":user",
      extract(a: ParsedAddress, rt) {
        if (a.localpart === null) return null;
        const at = delimiterAt(a.localpart, rt);
        return at === -1 ? a.localpart : a.localpart.slice(0, at);
      },
    },
    {
      tag: ":detail",
      extract(a: ParsedAddress, rt) {
        // RFC 5233 §4: without a delimiter :detail matches nothing, not even "".
        if (a.localpart === null) return null;
        const at = delimiterAt(a.localpart, rt);
        return at === -1 ? null : a.localpart.slice(at + 1);
      },
    },
  ],
};
