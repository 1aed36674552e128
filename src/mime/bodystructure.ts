import { envelopeItems } from "./envelope.js";
import { imapNstringNolf, imapString } from "./imap-quote.js";
import type { MimeParam } from "./rfc2231.js";
import { type MimePart, type PartData, PartFlag } from "./types.js";

/** RFC 2045 §5.2: text without a charset parameter is us-ascii; Dovecot says so explicitly. */
const DEFAULT_CHARSET = '"charset" "us-ascii"';
const EMPTY_BODY = `("text" "plain" (${DEFAULT_CHARSET}) NIL NIL "7bit" 0 0)`;
const EMPTY_BODYSTRUCTURE = `("text" "plain" (${DEFAULT_CHARSET}) NIL NIL "7bit" 0 0 NIL NIL NIL NIL)`;

function params(list: MimeParam[] | undefined, defaultCharset: boolean): string {
  if (!defaultCharset && (list === undefined || list.length === 0)) return "NIL";
  const items: string[] = [];
  let seenCharset = false;
  for (const [name, value] of list ?? []) {
    if (defaultCharset && name.toLowerCase() === "charset") seenCharset = true;
    items.push(`${imapString(name)} ${imapString(value)}`);
  }
  if (defaultCharset && !seenCharset) items.push(DEFAULT_CHARSET);
  return `(${items.join(" ")})`;
}

function extensionCommon(data: PartData): string {
  const disposition =
    data.disposition === undefined
      ? "NIL"
      : `(${imapString(data.disposition)} ${params(data.dispositionParams, false)})`;
  const language =
    data.language === undefined ? "NIL" : `(${data.language.map((l) => imapString(l)).join(" ")})`;
  return ` ${disposition} ${language} ${imapNstringNolf(data.location ?? null)}`;
}

function write(part: MimePart, extended: boolean): string {
  const data = part.data;
  if ((part.flags & PartFlag.Multipart) !== 0) {
    let out =
      part.children.length === 0
        ? extended
          ? EMPTY_BODYSTRUCTURE
          : EMPTY_BODY
        : part.children.map((c) => `(${write(c, extended)})`).join("");
    out += ` ${imapString(data.subtype ?? "")}`;
    if (extended) out += ` ${params(data.params, false)}${extensionCommon(data)}`;
    return out;
  }

  let out: string;
  let text = false;
  const rfc822 = (part.flags & PartFlag.MessageRfc822) !== 0;
  if (rfc822) {
    out = '"message" "rfc822"';
  } else if (data.type === undefined) {
    text = true;
    out = '"text" "plain"';
  } else {
    text = data.type.toLowerCase() === "text";
    out = `${imapString(data.type)} ${imapString(data.subtype ?? "")}`;
  }
  out += ` ${params(data.params, text)}`;
  out += ` ${imapNstringNolf(data.id ?? null)} ${imapNstringNolf(data.description ?? null)}`;
  out += ` ${data.encoding === undefined ? '"7bit"' : imapString(data.encoding)} ${part.body.virtual}`;
  if (text) {
    out += ` ${part.body.lines}`;
  } else if (rfc822) {
    const child = part.children[0];
    out += child
      ? ` (${envelopeItems(child.envelope)}) (${write(child, extended)}) ${part.body.lines}`
      : ` (${envelopeItems(undefined)}) ${EMPTY_BODY} ${part.body.lines}`;
  }
  if (extended) out += ` ${imapNstringNolf(data.md5 ?? null)}${extensionCommon(data)}`;
  return out;
}

/**
 * Dovecot's shortcut for the commonest message (lib-mail message_part_data_is_plain_7bit):
 * a top-level text/plain part whose only parameter is charset=us-ascii, 7bit, with no
 * other Content-* field, is answered with a canonical, lower-case structure.
 */
function isPlain7bit(part: MimePart): boolean {
  const d = part.data;
  if ((part.flags & PartFlag.Text) === 0 || part.children.length > 0) return false;
  if (d.subtype !== undefined && d.subtype.toLowerCase() !== "plain") return false;
  const params = d.params ?? [];
  if (params.length > 1) return false;
  const first = params[0];
  if (first && (first[0].toLowerCase() !== "charset" || first[1].toLowerCase() !== "us-ascii")) return false;
  if (d.id !== undefined || d.description !== undefined) return false;
  if (d.encoding !== undefined && d.encoding.toLowerCase() !== "7bit") return false;
  return (
    d.md5 === undefined && d.disposition === undefined && d.language === undefined && d.location === undefined
  );
}

/**
 * FETCH BODYSTRUCTURE (extended) or BODY (not extended) of a message, as an IMAP value
 * "(...)", exactly as Dovecot 2.3.19 answers: sizes are CRLF-counted body octets, line
 * counts the body's line ends. The result is a binary string (latin1: one char per byte)
 * that may contain literals.
 */
export function bodystructure(root: MimePart, extended = true): string {
  if (isPlain7bit(root)) {
    const base = `"text" "plain" (${DEFAULT_CHARSET}) NIL NIL "7bit" ${root.body.virtual} ${root.body.lines}`;
    return extended ? `(${base} NIL NIL NIL NIL)` : `(${base})`;
  }
  return `(${write(root, extended)})`;
}

/** The structure of any part as Dovecot writes it inside a larger one (no shortcut). */
export function partBodystructure(part: MimePart, extended = true): string {
  return `(${write(part, extended)})`;
}
