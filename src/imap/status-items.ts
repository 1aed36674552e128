import type { MailboxStatus } from "../store/index.js";
import { encodeMailboxName } from "./mailbox-name.js";
import { type ImapValue, type StatusItem, untagged } from "./protocol/index.js";

/** Dovecot answers in this order whatever the order asked (imap-status.c). */
const ORDER: readonly StatusItem[] = [
  "MESSAGES",
  "RECENT",
  "UIDNEXT",
  "UIDVALIDITY",
  "UNSEEN",
  "HIGHESTMODSEQ",
  "SIZE",
];

/** `* STATUS name (ITEM n ...)` (RFC 3501 §7.2.4). */
export function statusResponse(name: string, status: MailboxStatus, items: readonly StatusItem[]): Buffer {
  const values: ImapValue[] = [];
  for (const item of ORDER) {
    if (items.includes(item)) values.push({ atom: item }, statusValue(status, item));
  }
  return untagged({ atom: "STATUS" }, { astring: encodeMailboxName(name) }, values);
}

function statusValue(status: MailboxStatus, item: StatusItem): number {
  switch (item) {
    case "MESSAGES":
      return status.messages;
    case "RECENT":
      return status.recent;
    case "UIDNEXT":
      return status.uidNext;
    case "UIDVALIDITY":
      return status.uidValidity;
    case "UNSEEN":
      return status.unseen;
    case "HIGHESTMODSEQ":
      return status.highestModseq;
    case "SIZE":
      return status.size;
  }
}
