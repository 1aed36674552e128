import {
  headerFields,
  headerValues,
  locateSection,
  type MimePart,
  PartFlag,
  partAt,
} from "../../mime/index.js";
import type { Mailbox } from "../../store/index.js";
import { type FetchPartial, StreamedBody } from "../protocol/index.js";
import { decodeBody, decodingOf } from "./transfer-decoding.js";

/** Why BINARY cannot answer: an encoding it does not know (RFC 3516 §4.3), or a body not valid in its own. */
export type BinaryFailure = "UNKNOWN-CTE" | "PARSE";

/** What BINARY[section] holds (RFC 3516 §4.2). */
interface BinaryContent {
  bytes: Buffer;
  /** Something was decoded: sent as literal8 (as Dovecot does), as is content with a NUL. */
  decoded: boolean;
}

async function readRange(mailbox: Mailbox, uid: number, start: number, end: number): Promise<Buffer> {
  if (end <= start) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const c of await mailbox.read(uid, { crlf: false, start, end: end - 1 }))
    chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Stored bytes with every bare LF sent as CRLF; NULs stay (BINARY sends them in literal8). */
function asSent(bytes: Buffer): Buffer {
  const pieces: Buffer[] = [];
  let from = 0;
  for (let lf = bytes.indexOf(0x0a); lf !== -1; lf = bytes.indexOf(0x0a, lf + 1)) {
    if (lf > 0 && bytes[lf - 1] === 0x0d) continue;
    pieces.push(bytes.subarray(from, lf), CRLF);
    from = lf + 1;
  }
  if (pieces.length === 0) return bytes;
  pieces.push(bytes.subarray(from));
  return Buffer.concat(pieces);
}

const CRLF = Buffer.from("\r\n");

/**
 * A part's Content-Transfer-Encoding: from the structure, else from its header (a message
 * without MIME-Version keeps none in the structure, yet Dovecot's binary converter decodes).
 */
function encodingOf(part: MimePart, message: Buffer, offset: number): string | undefined {
  if (part.data.encoding !== undefined) return part.data.encoding;
  const [value] = headerValues(
    message,
    "content-transfer-encoding",
    part.headerStart - offset,
    part.bodyStart - offset,
  );
  return value?.toString("latin1");
}

function isLeaf(part: MimePart): boolean {
  return part.children.length === 0 && (part.flags & (PartFlag.Multipart | PartFlag.MessageRfc822)) === 0;
}

/**
 * The whole message with every base64 or quoted-printable part decoded and its
 * Content-Transfer-Encoding moved to the end of its header as `binary`, as Dovecot's binary
 * converter writes it.
 */
async function wholeMessage(
  mailbox: Mailbox,
  uid: number,
  root: MimePart,
): Promise<BinaryContent | BinaryFailure> {
  const message = await readRange(mailbox, uid, 0, root.bodyEnd);
  const out: Buffer[] = [];
  let pos = 0;
  let decoded = false;
  const walk = (part: MimePart): BinaryFailure | null => {
    if (!isLeaf(part)) {
      for (const child of part.children) {
        const failure = walk(child);
        if (failure !== null) return failure;
      }
      return null;
    }
    const decoding = decodingOf(encodingOf(part, message, 0));
    if (decoding === "unknown") return "UNKNOWN-CTE";
    if (decoding === "identity") return null;
    const body = decodeBody(message.subarray(part.bodyStart, part.bodyEnd), decoding);
    if (body === null) return "PARSE";
    decoded = true;
    out.push(asSent(message.subarray(pos, part.headerStart)));
    const fields = headerFields(message, part.headerStart, part.bodyStart);
    for (const f of fields) {
      if (f.name.toLowerCase() !== "content-transfer-encoding")
        out.push(asSent(message.subarray(f.start, f.end)));
    }
    out.push(Buffer.from("Content-Transfer-Encoding: binary\r\n"));
    const headerEnd = fields.length > 0 ? fields[fields.length - 1]!.end : part.headerStart;
    out.push(asSent(message.subarray(headerEnd, part.bodyStart)));
    out.push(body);
    pos = part.bodyEnd;
    return null;
  };
  const failure = walk(root);
  if (failure !== null) return failure;
  out.push(asSent(message.subarray(pos)));
  return { bytes: Buffer.concat(out), decoded };
}

async function binaryContent(
  mailbox: Mailbox,
  uid: number,
  root: MimePart,
  path: readonly number[],
): Promise<BinaryContent | BinaryFailure> {
  if (path.length === 0) return wholeMessage(mailbox, uid, root);
  const part = partAt(root, path);
  const range = locateSection(root, path, "");
  if (part === null || range === null) return { bytes: Buffer.alloc(0), decoded: false };
  if (!isLeaf(part))
    return { bytes: asSent(await readRange(mailbox, uid, range.start, range.end)), decoded: false };
  const stored = await readRange(mailbox, uid, part.headerStart, range.end);
  const raw = stored.subarray(range.start - part.headerStart);
  const decoding = decodingOf(encodingOf(part, stored, part.headerStart));
  if (decoding === "unknown") return "UNKNOWN-CTE";
  if (decoding === "identity") return { bytes: asSent(raw), decoded: false };
  const bytes = decodeBody(raw, decoding);
  return bytes === null ? "PARSE" : { bytes, decoded: true };
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  if (bytes.length > 0) yield bytes;
}

/** BINARY[section]<partial>, or why it cannot be sent. */
export async function binarySection(
  mailbox: Mailbox,
  uid: number,
  root: MimePart,
  path: readonly number[],
  partial: FetchPartial | null,
): Promise<StreamedBody | BinaryFailure> {
  const content = await binaryContent(mailbox, uid, root, path);
  if (typeof content === "string") return content;
  let { bytes } = content;
  if (partial !== null) {
    const skip = Math.min(partial.offset, bytes.length);
    bytes = bytes.subarray(skip, skip + Math.min(partial.length, bytes.length - skip));
  }
  return new StreamedBody(bytes.length, once(bytes), content.decoded || bytes.includes(0));
}

/** BINARY.SIZE[section], or why it cannot be told. */
export async function binarySize(
  mailbox: Mailbox,
  uid: number,
  root: MimePart,
  path: readonly number[],
): Promise<number | BinaryFailure> {
  const content = await binaryContent(mailbox, uid, root, path);
  return typeof content === "string" ? content : content.bytes.length;
}
