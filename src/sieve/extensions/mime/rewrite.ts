// Building MIME entities for replace and enclose (RFC 5703 §5, §6). Texts are converted to
// octets held as latin1 code units, as SieveMessage keeps them.
import { libmime } from "../../../mime/index.js";
import type { HeaderField } from "../../message.js";
import { headerText, SieveMessage } from "../../message.js";

export interface Entity {
  headers: HeaderField[];
  body: string;
}

/** UTF-8 text as octets (one latin1 code unit each). */
export function octets(text: string): string {
  return Buffer.from(text, "utf8").toString("latin1");
}

function crlf(text: string): string {
  return text.replace(/\r?\n/g, "\r\n");
}

/** A header value: RFC 2047 encoded-words when it is not ASCII. */
export function headerValue(value: string): string {
  return /[^\x20-\x7e]/.test(value) ? libmime().encodeWords(value, "Q", 52) : value;
}

/** A text/plain part in UTF-8 holding `text`. */
export function textEntity(text: string): Entity {
  const ascii = !/[^\x00-\x7f]/.test(text);
  return {
    headers: [
      { name: "Content-Type", raw: "text/plain; charset=utf-8" },
      { name: "Content-Transfer-Encoding", raw: ascii ? "7bit" : "8bit" },
    ],
    body: octets(crlf(text)),
  };
}

/** A MIME entity given by the script (`replace :mime`): its own header and body. */
export function mimeEntity(text: string): Entity {
  const parsed = new SieveMessage(Buffer.from(crlf(text), "utf8"));
  return { headers: parsed.root.headers, body: parsed.text.slice(parsed.root.bodyStart) };
}

export function entityText(entity: Entity): string {
  return `${headerText(entity.headers)}\r\n${entity.body}`;
}

export const isContentField = (h: HeaderField) => /^content-/i.test(h.name);

/** A boundary that does not occur in the enclosed text. */
export function boundaryFor(text: string): string {
  for (let n = 0; ; n++) {
    const candidate = `----=_loft_enclose_${n}_${text.length}`;
    if (!text.includes(candidate)) return candidate;
  }
}
