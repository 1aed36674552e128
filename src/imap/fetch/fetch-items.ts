import { bodystructure } from "../../mime/index.js";
import type { Mailbox, MessageInfo, MessageStructure } from "../../store/index.js";
import { flagList } from "../message-flags.js";
import {
  type BodySection,
  type FetchAttribute,
  type FetchItem,
  fetchItemName,
  formatDateTime,
} from "../protocol/index.js";
import { type BinaryFailure, binarySection, binarySize } from "./binary-section.js";
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
    case "BINARY[]":
    case "BINARY.SIZE":
      return true;
    default:
      return false;
  }
}

/** Items that need the MIME tree itself, not only the ENVELOPE and BODYSTRUCTURE texts cached with it. */
export function needsTree(attr: FetchAttribute): boolean {
  return needsStructure(attr) && attr.kind !== "ENVELOPE" && attr.kind !== "BODYSTRUCTURE";
}

/** BINARY cannot decode a part: its encoding is unknown (RFC 3516 §4.3) or its body invalid. */
export class BinaryDecodeError extends Error {
  override readonly name = "BinaryDecodeError";
  constructor(readonly code: BinaryFailure) {
    super(code === "UNKNOWN-CTE" ? "Unknown Content-Transfer-Encoding." : "Invalid data in MIME part.");
  }
}

/** Items that set \Seen when fetched (RFC 3501 §6.4.5). */
export function setsSeen(attr: FetchAttribute): boolean {
  return (
    attr.kind === "RFC822" ||
    attr.kind === "RFC822.TEXT" ||
    ((attr.kind === "BODY[]" || attr.kind === "BINARY[]") && !attr.peek)
  );
}

export interface MessageContext {
  mailbox: Mailbox;
  info: MessageInfo;
  recent: boolean;
  structure: MessageStructure | null;
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
      return { name: "ENVELOPE", value: { raw: m.structure!.envelope } };
    case "BODY":
      return { name: "BODY", value: { raw: bodystructure(m.structure!.root, false) } };
    case "BODYSTRUCTURE":
      return { name: "BODYSTRUCTURE", value: { raw: m.structure!.bodystructure } };
    case "RFC822":
      return {
        name: "RFC822",
        value: await bodySection(m.mailbox, info.uid, m.structure!.root, WHOLE, null),
      };
    case "RFC822.HEADER":
      return {
        name: "RFC822.HEADER",
        value: await bodySection(m.mailbox, info.uid, m.structure!.root, { ...WHOLE, text: "HEADER" }, null),
      };
    case "RFC822.TEXT":
      return {
        name: "RFC822.TEXT",
        value: await bodySection(m.mailbox, info.uid, m.structure!.root, { ...WHOLE, text: "TEXT" }, null),
      };
    case "BODY[]":
      return {
        name: fetchItemName(attr),
        value: await bodySection(m.mailbox, info.uid, m.structure!.root, attr.section, attr.partial),
      };
    case "BINARY[]": {
      const value = await binarySection(m.mailbox, info.uid, m.structure!.root, attr.part, attr.partial);
      if (typeof value === "string") throw new BinaryDecodeError(value);
      return { name: fetchItemName(attr), value };
    }
    case "BINARY.SIZE": {
      const size = await binarySize(m.mailbox, info.uid, m.structure!.root, attr.part);
      if (typeof size === "string") throw new BinaryDecodeError(size);
      return { name: fetchItemName(attr), value: size };
    }
  }
}
