import { NUL_REPLACEMENT, type Out, Rfc822Reader } from "./rfc822-tokens.js";
import { parseMimeParams } from "./rfc2231.js";
import type { EnvelopeFields, PartData } from "./types.js";

/** Dovecot keeps these values as C strings: a NUL ends them. */
export function cString(s: string): string {
  const nul = s.indexOf("\0");
  return nul < 0 ? s : s.slice(0, nul);
}

/** Unstructured header values are copied with NUL bytes replaced by U+FFFD. */
export function headerString(s: string): string {
  return s.replaceAll("\0", NUL_REPLACEMENT);
}

/** "type/subtype" as far as it parses, for the part flags and the boundary. */
export function parseContentTypeValue(value: string): {
  /** what was read, "type/subtype" or less, as Dovecot's parser matches it */
  full: string;
  type: string;
  subtype: string;
  reader: Rfc822Reader | null;
} {
  const r = new Rfc822Reader(value);
  r.skipLwsp();
  const out: Out = { v: "" };
  const ret = r.parseContentType(out);
  const slash = out.v.indexOf("/");
  const type = cString(slash < 0 ? out.v : out.v.slice(0, slash));
  // Dovecot never leaves the subtype unset once a Content-Type was seen
  const subtype = slash < 0 ? "" : cString(out.v.slice(slash + 1));
  return { full: cString(out.v), type, subtype, reader: ret < 0 ? null : r };
}

/**
 * Applies one Content-* header (name without the "Content-" prefix, value unfolded with
 * LF as in Dovecot) to the part's data. The first occurrence wins, with Dovecot's
 * exceptions: an unusable Content-Transfer-Encoding, a Content-Language without any tag
 * and a Content-Disposition without parameters do not block a later one.
 */
export function applyContentField(data: PartData, suffix: string, value: string): void {
  switch (suffix.toLowerCase()) {
    case "id":
      data.id ??= headerString(value);
      break;
    case "md5":
      data.md5 ??= headerString(value);
      break;
    case "type":
      if (data.type === undefined) {
        const ct = parseContentTypeValue(value);
        data.type = ct.type;
        data.subtype = ct.subtype;
        if (ct.reader) {
          const params = parseMimeParams(ct.reader);
          if (params.length > 0) data.params = params;
        }
      }
      break;
    case "transfer-encoding":
      if (data.encoding === undefined) {
        const r = new Rfc822Reader(value);
        r.skipLwsp();
        const out: Out = { v: "" };
        if (r.parseMimeToken(out) >= 0 && r.skipLwsp() === 0 && out.v.length > 0) data.encoding = out.v;
      }
      break;
    case "language":
      if (data.language === undefined) {
        const r = new Rfc822Reader(value);
        const langs: string[] = [];
        r.skipLwsp();
        for (;;) {
          const out: Out = { v: "" };
          if (r.parseAtom(out) < 0) break;
          langs.push(out.v);
          if (r.atEnd || r.peek() !== 0x2c) break;
          r.pos++;
          r.skipLwsp();
        }
        if (langs.length > 0) data.language = langs;
      }
      break;
    case "location":
      data.location ??= headerString(value);
      break;
    case "description":
      data.description ??= headerString(value);
      break;
    case "disposition":
      if (data.dispositionParams === undefined) {
        const r = new Rfc822Reader(value);
        r.skipLwsp();
        const out: Out = { v: "" };
        if (r.parseMimeToken(out) < 0) break;
        data.disposition = out.v;
        const params = parseMimeParams(r);
        if (params.length > 0) data.dispositionParams = params;
      }
      break;
  }
}

export type EnvelopeStringSlot = "date" | "subject" | "inReplyTo" | "messageId";
export type EnvelopeAddressSlot = Exclude<keyof EnvelopeFields, EnvelopeStringSlot>;

const ENVELOPE_FIELDS: Record<string, keyof EnvelopeFields> = {
  date: "date",
  subject: "subject",
  from: "from",
  sender: "sender",
  "reply-to": "replyTo",
  to: "to",
  cc: "cc",
  bcc: "bcc",
  "in-reply-to": "inReplyTo",
  "message-id": "messageId",
};

/** The ENVELOPE slot a header name fills, if any (names compare case-insensitively). */
export function envelopeSlot(name: string): keyof EnvelopeFields | undefined {
  return Object.hasOwn(ENVELOPE_FIELDS, name.toLowerCase()) ? ENVELOPE_FIELDS[name.toLowerCase()] : undefined;
}

/** Records one envelope header of a message. */
export function addEnvelopeField(env: EnvelopeFields, slot: keyof EnvelopeFields, value: string): void {
  if (slot === "date" || slot === "subject" || slot === "inReplyTo" || slot === "messageId") {
    env[slot] = value;
  } else {
    const list = env[slot] ?? [];
    list.push(value);
    env[slot] = list;
  }
}
