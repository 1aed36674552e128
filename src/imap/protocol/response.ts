import { encodeValues, type ImapValue } from "./encode-value.js";
import type { ProtocolError } from "./protocol-error.js";

/** A response code: `[NAME args...]` (RFC 3501 §7.1), e.g. { name: "UIDNEXT", args: [5] }. */
export interface ResponseCode {
  name: string;
  args?: readonly ImapValue[];
}

export type ResponseStatus = "OK" | "NO" | "BAD";

const CRLF = Buffer.from("\r\n");

/** resp-text TEXT-CHARs: a CR, LF or NUL in a reason (a mailbox name, say) becomes a space. */
function cleanText(text: string): string {
  return text.replace(/[\r\n\0]/g, " ");
}

function statusLine(prefix: string, status: string, text: string, code?: ResponseCode | null): Buffer {
  const parts: Buffer[] = [Buffer.from(`${prefix} ${status} `, "latin1")];
  if (code) {
    parts.push(Buffer.from(`[${code.name}`, "latin1"));
    if (code.args && code.args.length > 0) parts.push(Buffer.from(" "), encodeValues(code.args));
    parts.push(Buffer.from("] "));
  }
  parts.push(Buffer.from(cleanText(text), "latin1"), CRLF);
  return Buffer.concat(parts);
}

/** `tag OK [CODE] text` */
export function taggedResponse(
  tag: string,
  status: ResponseStatus,
  text: string,
  code?: ResponseCode | null,
): Buffer {
  return statusLine(tag, status, text, code);
}

/** `* OK|NO|BAD|BYE|PREAUTH [CODE] text` */
export function untaggedStatus(
  status: ResponseStatus | "BYE" | "PREAUTH",
  text: string,
  code?: ResponseCode | null,
): Buffer {
  return statusLine("*", status, text, code);
}

/** `* ` followed by the values, e.g. untagged(5, { atom: "EXISTS" }) → `* 5 EXISTS`. */
export function untagged(...values: readonly ImapValue[]): Buffer {
  return Buffer.concat([Buffer.from("* "), encodeValues(values), CRLF]);
}

/** `+ text`; Dovecot sends `+ OK` for a literal and `+ idling` for IDLE. */
export function continuationRequest(text = "OK"): Buffer {
  return Buffer.from(`+ ${cleanText(text)}\r\n`, "latin1");
}

/** The answer to a ProtocolError: tagged, or `* BAD` when no tag was read. */
export function errorResponse(error: ProtocolError): Buffer {
  const code = error.code === null ? null : { name: error.code };
  if (error.tag === null) return untaggedStatus("BAD", error.text, code);
  return taggedResponse(error.tag, error.status, error.text, code);
}
