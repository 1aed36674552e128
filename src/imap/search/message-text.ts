import { isAscii } from "node:buffer";
import iconv from "iconv-lite";
import libmime from "libmime";
import { headerFields, type MimePart, PartFlag } from "../../mime/index.js";
import { unfoldedValue } from "../../store/index.js";

/** Decoded header field values (RFC 2047 words, unfolded), for SEARCH HEADER and TEXT. */
export function decodedHeader(header: Buffer, name: string | null): string[] {
  const out: string[] = [];
  const want = name?.toLowerCase();
  for (const field of headerFields(header)) {
    if (want !== undefined && field.name.toLowerCase() !== want) continue;
    const raw = unfoldedValue(header, field.valueStart, field.end);
    out.push(want === undefined ? `${field.name}: ${decodeWords(raw)}` : decodeWords(raw));
  }
  return out;
}

export function decodeWords(raw: string): string {
  if (!raw.includes("=?")) return raw;
  try {
    return libmime.decodeWords(raw);
  } catch {
    return raw;
  }
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const text = body.toString("latin1").replace(/=\r?\n/g, "");
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c);
  }
  return Buffer.from(out);
}

/** Charsets whose first 128 code points are ASCII's. */
const ASCII_SUPERSETS = /^(us-ascii|ascii|utf-?8|iso-8859-\d+|windows-125\d)$/i;

function charsetOf(part: MimePart): string {
  const param = part.data.params?.find(([name]) => name.toLowerCase() === "charset");
  return param?.[1] ?? "us-ascii";
}

function decodeBody(part: MimePart, message: Buffer): string {
  const raw = message.subarray(part.bodyStart, part.bodyEnd);
  const encoding = (part.data.encoding ?? "7bit").toLowerCase();
  const bytes =
    encoding === "base64"
      ? Buffer.from(raw.toString("latin1"), "base64")
      : encoding === "quoted-printable"
        ? decodeQuotedPrintable(raw)
        : raw;
  const charset = charsetOf(part);
  // The usual case, ASCII text in a charset that extends ASCII, decodes to itself without iconv.
  if (ASCII_SUPERSETS.test(charset) && isAscii(bytes)) return bytes.toString("latin1");
  return iconv.encodingExists(charset) ? iconv.decode(bytes, charset) : bytes.toString("utf8");
}

/**
 * The searchable text of a message body: text parts decoded (transfer encoding and
 * charset), and the headers of attached messages, as Dovecot searches BODY.
 */
export function bodyText(root: MimePart, message: Buffer): string {
  const out: string[] = [];
  const walk = (part: MimePart) => {
    if (part.children.length > 0) {
      for (const child of part.children) {
        if ((part.flags & PartFlag.MessageRfc822) !== 0)
          out.push(...decodedHeader(message.subarray(child.headerStart, child.bodyStart), null));
        walk(child);
      }
      return;
    }
    const type = (part.data.type ?? "text").toLowerCase();
    if (type === "text" || type === "") out.push(decodeBody(part, message));
  };
  walk(root);
  return out.join("\n");
}
