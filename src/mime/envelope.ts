import { type Address, parseAddressList } from "./address.js";
import { headerString } from "./content-fields.js";
import { imapNstring, imapNstringNolf, imapStringForHumans } from "./imap-quote.js";
import type { Envelope, EnvelopeFields, MimePart } from "./types.js";

/** Parses the raw ENVELOPE fields of a message: strings stay raw, address lists are parsed. */
export function parseEnvelope(fields: EnvelopeFields | undefined): Envelope {
  const f = fields ?? {};
  // Repeated address headers add up; an empty one adds nothing.
  const addr = (values: string[] | undefined) => {
    const list = (values ?? []).flatMap((v) => parseAddressList(v) ?? []);
    return list.length > 0 ? list : null;
  };
  // Dovecot copies these with NUL bytes replaced by U+FFFD.
  const str = (v: string | undefined) => (v === undefined ? null : headerString(v));
  return {
    date: str(f.date),
    subject: str(f.subject),
    from: addr(f.from),
    sender: addr(f.sender),
    replyTo: addr(f.replyTo),
    to: addr(f.to),
    cc: addr(f.cc),
    bcc: addr(f.bcc),
    inReplyTo: str(f.inReplyTo),
    messageId: str(f.messageId),
  };
}

function addressList(list: Address[] | null): string {
  if (list === null) return "NIL";
  let out = "(";
  for (const a of list) {
    out += `(${a.name === null ? "NIL" : imapStringForHumans(a.name)} ${imapNstring(a.route)} ${imapNstring(a.mailbox)} ${imapNstring(a.domain)})`;
  }
  return `${out})`;
}

/**
 * The ENVELOPE items (RFC 3501 §7.4.2) without the outer parentheses, as Dovecot 2.3
 * writes them: header values unfolded but not decoded; Sender and Reply-To default to From.
 */
export function envelopeItems(fields: EnvelopeFields | undefined): string {
  const e = parseEnvelope(fields);
  return [
    imapNstringNolf(e.date),
    e.subject === null ? "NIL" : imapStringForHumans(e.subject),
    addressList(e.from),
    addressList(e.sender ?? e.from),
    addressList(e.replyTo ?? e.from),
    addressList(e.to),
    addressList(e.cc),
    addressList(e.bcc),
    imapNstringNolf(e.inReplyTo),
    imapNstringNolf(e.messageId),
  ].join(" ");
}

/**
 * The ENVELOPE of a message as an IMAP value, "(...)", as a binary string (latin1: one
 * char per byte; it may contain literals). `part` is the root, or the child of a
 * message/rfc822 part.
 */
export function envelope(part: MimePart): string {
  return `(${envelopeItems(part.envelope)})`;
}
