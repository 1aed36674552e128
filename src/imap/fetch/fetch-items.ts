import { bodystructure, envelope, type MimePart } from "../../mime/index.js";
import type { Mailbox, MessageInfo } from "../../store/index.js";
import { flagList } from "../message-flags.js";
import {
  type BodySection,
  type FetchAttribute,
  type FetchItem,
  fetchItemName,
  formatDateTime,
} from "../protocol/index.js";
import { bodySection } from "./body-section.js";

/** Items that need the MIME structure. */
export function needsStructure(attr: FetchAttribute): boolean {
  switch (attr.kind) {
    case "ENVELOPE":
    case "BODY":
    case "BODYSTRUCTURE":
    case "RFC822":
    case "RFC822.HEADER":
    case "RFC822.TEXT":
    case "BODY[]":
      return true;
    default:
      return false;
  }
}

/** Items that set \Seen when fetched (RFC 3501 §6.4.5). */
export function setsSeen(attr: FetchAttribute): boolean {
  return attr.kind === "RFC822" || attr.kind === "RFC822.TEXT" || (attr.kind === "BODY[]" && !attr.peek);
}

export interface MessageContext {
  mailbox: Mailbox;
  info: MessageInfo;
  recent: boolean;
  root: MimePart | null;
}

const WHOLE: BodySection = { part: [], text: null, fields: [] };

/** One FETCH item's name and value for a message. */
export async function fetchItem(attr: FetchAttribute, m: MessageContext): Promise<FetchItem> {
  const { info } = m;
  switch (attr.kind) {
    case "UID":
      return { name: "UID", value: info.uid };
    case "FLAGS":
      return { name: "FLAGS", value: flagList(info, m.recent) };
    case "INTERNALDATE":
      // Dovecot shows the internal date in the server's time zone.
      return {
        name: "INTERNALDATE",
        value: { raw: formatDateTime(info.internalDate, -info.internalDate.getTimezoneOffset()) },
      };
    case "RFC822.SIZE":
      return { name: "RFC822.SIZE", value: info.vsize };
    case "MODSEQ":
      return { name: "MODSEQ", value: [info.modseq] };
    case "ENVELOPE":
      return { name: "ENVELOPE", value: { raw: envelope(m.root!) } };
    case "BODY":
      return { name: "BODY", value: { raw: bodystructure(m.root!, false) } };
    case "BODYSTRUCTURE":
      return { name: "BODYSTRUCTURE", value: { raw: bodystructure(m.root!, true) } };
    case "RFC822":
      return { name: "RFC822", value: await bodySection(m.mailbox, info.uid, m.root!, WHOLE, null) };
    case "RFC822.HEADER":
      return {
        name: "RFC822.HEADER",
        value: await bodySection(m.mailbox, info.uid, m.root!, { ...WHOLE, text: "HEADER" }, null),
      };
    case "RFC822.TEXT":
      return {
        name: "RFC822.TEXT",
        value: await bodySection(m.mailbox, info.uid, m.root!, { ...WHOLE, text: "TEXT" }, null),
      };
    case "BODY[]":
      return {
        name: fetchItemName(attr),
        value: await bodySection(m.mailbox, info.uid, m.root!, attr.section, attr.partial),
      };
    case "BINARY[]":
    case "BINARY.SIZE":
      throw new Error("BINARY is not offered");
  }
}
