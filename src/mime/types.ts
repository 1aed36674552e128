import type { Address } from "./address.js";
import type { MimeParam } from "./rfc2231.js";

/**
 * Part flags, with Dovecot's meanings (lib-mail message-part.h) so that answers derived from
 * them match Dovecot's.
 */
export const PartFlag = {
  Multipart: 0x01,
  MultipartDigest: 0x02,
  MessageRfc822: 0x04,
  Text: 0x08,
  /** a NUL byte somewhere in the part's header or body */
  HasNuls: 0x20,
  /** Mime-Version or Content-Type present, or a child of a multipart */
  IsMime: 0x40,
  /** nesting or part-count limit hit: the rest was not parsed into further parts */
  Overflow: 0x80,
} as const;

/**
 * The Content-* fields of a part, as header bytes (binary strings: one char per byte).
 * Absent fields are undefined. A Content-Type that does not parse keeps what Dovecot keeps
 * of it: a lone type ("text") with subtype "", or both empty.
 */
export interface PartData {
  type?: string;
  subtype?: string;
  params?: MimeParam[];
  id?: string;
  description?: string;
  encoding?: string;
  disposition?: string;
  dispositionParams?: MimeParam[];
  language?: string[];
  location?: string;
  md5?: string;
}

/**
 * The raw values of the ENVELOPE header fields of one message (root or message/rfc822).
 * A repeated string field keeps its last value; a repeated address field keeps every
 * value, in order (Dovecot joins the lists).
 */
export interface EnvelopeFields {
  date?: string;
  subject?: string;
  inReplyTo?: string;
  messageId?: string;
  from?: string[];
  sender?: string[];
  replyTo?: string[];
  to?: string[];
  cc?: string[];
  bcc?: string[];
}

/** A parsed envelope: strings are raw header bytes, address lists parsed. */
export interface Envelope {
  date: string | null;
  subject: string | null;
  from: Address[] | null;
  sender: Address[] | null;
  replyTo: Address[] | null;
  to: Address[] | null;
  cc: Address[] | null;
  bcc: Address[] | null;
  inReplyTo: string | null;
  messageId: string | null;
}

/** Byte count as stored, as IMAP counts it (every line end CRLF), and number of LFs. */
export interface Size {
  physical: number;
  virtual: number;
  lines: number;
}

/**
 * One MIME part. Offsets are absolute byte positions in the message as stored:
 * [headerStart, bodyStart) is the header including its blank line, [bodyStart, bodyEnd)
 * the body. The [CR]LF before a boundary line belongs to the boundary, not to the part.
 */
export interface MimePart {
  headerStart: number;
  bodyStart: number;
  bodyEnd: number;
  header: Size;
  body: Size;
  flags: number;
  data: PartData;
  /** Set on the root and on the child of a message/rfc822 part: that message's own header. */
  envelope?: EnvelopeFields;
  children: MimePart[];
}
