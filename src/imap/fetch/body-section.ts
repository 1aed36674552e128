import { filterHeaderFields, imapBytes, locateSection, type MimePart } from "../../mime/index.js";
import type { Mailbox } from "../../store/index.js";
import { type BodySection, type FetchPartial, StreamedBody } from "../protocol/index.js";

/**
 * The stored bytes [start, end) of a message, opened now: once a literal's size has gone
 * out its bytes must follow, and an open file outlives an expunge by another session.
 */
async function storedRange(
  mailbox: Mailbox,
  uid: number,
  start: number,
  end: number,
): Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>> {
  if (end <= start) return [];
  return mailbox.read(uid, { crlf: false, start, end: end - 1 });
}

async function readAll(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** RFC 3501 §6.4.5 partial: `<origin.length>` of what the section holds. */
function window(size: number, partial: FetchPartial | null): { skip: number; take: number } {
  if (partial === null) return { skip: 0, take: size };
  const skip = Math.min(partial.offset, size);
  return { skip, take: Math.min(partial.length, size - skip) };
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  if (bytes.length > 0) yield bytes;
}

/** Bytes in hand, sent as a literal as Dovecot always sends sections (`{0}` when empty). */
function literal(bytes: Buffer): StreamedBody {
  return new StreamedBody(bytes.length, once(bytes));
}

/**
 * BODY[section]<partial>: a body streamed from the file (line ends as CRLF, NUL as 0x80), or the
 * filtered header fields, or an empty literal where the section does not exist (as Dovecot).
 */
export async function bodySection(
  mailbox: Mailbox,
  uid: number,
  root: MimePart,
  section: BodySection,
  partial: FetchPartial | null,
): Promise<StreamedBody> {
  const text = section.text ?? "";
  const range = locateSection(root, section.part, text);
  if (range === null) return literal(Buffer.alloc(0));
  if (text === "HEADER.FIELDS" || text === "HEADER.FIELDS.NOT") {
    const header = await readAll(await storedRange(mailbox, uid, range.start, range.end));
    const fields = filterHeaderFields(header, section.fields, {
      not: text === "HEADER.FIELDS.NOT",
      topLevel: section.part.length === 0,
    });
    const { skip, take } = window(fields.length, partial);
    return literal(fields.subarray(skip, skip + take));
  }
  const { skip, take } = window(range.size, partial);
  if (take === 0) return literal(Buffer.alloc(0));
  return new StreamedBody(
    take,
    imapBytes(await storedRange(mailbox, uid, range.start, range.end), { skip, limit: take }),
  );
}
