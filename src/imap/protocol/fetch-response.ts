import { encodeValueInto, type ImapValue } from "./encode-value.js";
import type { FetchAttribute } from "./fetch-grammar.js";

/**
 * Message bytes sent as a literal without being held in memory: the caller knows the
 * length and gives a source that yields exactly that many bytes (a file range, say).
 */
export class StreamedBody {
  constructor(
    readonly size: number,
    readonly source: AsyncIterable<Uint8Array>,
    /** `~{n}` literal8, for BINARY[] of content that holds NULs (RFC 3516 §4.3). */
    readonly binary = false,
  ) {}
}

/** Response bytes, with streamed bodies spliced in where they go. */
export type ResponsePart = Buffer | StreamedBody;

export interface FetchItem {
  /** "FLAGS", "UID", or fetchItemName(attr) for sections. */
  name: string;
  value: ImapValue | StreamedBody;
}

/**
 * The name a fetch item has in the response: BODY.PEEK answers as BODY, RFC822 items
 * keep theirs, a partial fetch gets `<origin>` (RFC 3501 §7.4.2).
 */
export function fetchItemName(attr: FetchAttribute): string {
  switch (attr.kind) {
    case "BODY[]":
    case "BINARY[]":
      return attr.partial === null ? attr.label : `${attr.label}<${attr.partial.offset}>`;
    case "BINARY.SIZE":
      return attr.label;
    default:
      return attr.kind;
  }
}

/** `* seq FETCH (name value ...)` as parts; streamed values become `{n}` + their bytes. */
export function fetchResponse(seq: number, items: readonly FetchItem[]): ResponsePart[] {
  const parts: ResponsePart[] = [];
  let pending: Buffer[] = [Buffer.from(`* ${seq} FETCH (`)];
  items.forEach((item, i) => {
    pending.push(Buffer.from(`${i > 0 ? " " : ""}${item.name} `, "latin1"));
    if (item.value instanceof StreamedBody) {
      const v = item.value;
      pending.push(Buffer.from(`${v.binary ? "~" : ""}{${v.size}}\r\n`));
      parts.push(Buffer.concat(pending), v);
      pending = [];
    } else {
      encodeValueInto(pending, item.value);
    }
  });
  pending.push(Buffer.from(")\r\n"));
  parts.push(Buffer.concat(pending));
  return parts;
}
