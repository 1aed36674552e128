import { headerFields, type MimePart } from "../mime/index.js";

/**
 * The header fields searched most (IMAP's SUBJECT, FROM, TO, CC, BCC, SENT*, and HEADER on
 * these names), kept in the index so a search need not open every message file.
 */
export const CACHED_HEADER_FIELDS: ReadonlySet<string> = new Set([
  "subject",
  "from",
  "to",
  "cc",
  "bcc",
  "date",
  "message-id",
]);

/** Lower-cased field name → each occurrence's value, unfolded and trimmed (RFC 2047 words left as they are). */
export type CachedHeaders = Readonly<Record<string, readonly string[]>>;

/** A field's value as searches compare it: the bytes after the colon as UTF-8, folding removed, trimmed. */
export function unfoldedValue(header: Buffer, valueStart: number, end: number): string {
  return header
    .toString("utf8", valueStart, end)
    .replace(/\r?\n[ \t]/g, " ")
    .trim();
}

export function cachedHeaderFields(header: Buffer): CachedHeaders {
  const out: Record<string, string[]> = {};
  for (const field of headerFields(header)) {
    const name = field.name.toLowerCase();
    if (!CACHED_HEADER_FIELDS.has(name)) continue;
    const values = out[name] ?? [];
    values.push(unfoldedValue(header, field.valueStart, field.end));
    out[name] = values;
  }
  return out;
}

/**
 * Keeps the first bytes of a message as they stream past, enough for its header, so the cache
 * can be filled while the message is saved or parsed. A header longer than the limit is not cached.
 */
export class HeaderCapture {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;

  constructor(private readonly limit = 64 * 1024) {}

  push(chunk: Uint8Array): void {
    if (this.bytes >= this.limit) return;
    this.chunks.push(Buffer.from(chunk));
    this.bytes += chunk.length;
  }

  /** The cached fields as index text, or null when the header did not fit. */
  fields(root: MimePart): string | null {
    if (root.bodyStart > this.bytes) return null;
    const header = Buffer.concat(this.chunks).subarray(root.headerStart, root.bodyStart);
    return JSON.stringify(cachedHeaderFields(header));
  }
}
