import { type MimePart, PartFlag } from "./types.js";

/** What follows the part numbers in BODY[...] (RFC 3501 §6.4.5), "" for none. */
export type SectionText = "" | "HEADER" | "HEADER.FIELDS" | "HEADER.FIELDS.NOT" | "TEXT" | "MIME";

/**
 * A byte range of the stored message: [start, end) as stored (line ends as in the file),
 * `size` the octets IMAP sends for it (every line end CRLF; stream it with `imapBytes`).
 * For HEADER.FIELDS[.NOT] it is the header to filter: pass `start` as `from` to
 * `filterHeaderFields`.
 */
export interface SectionRange {
  start: number;
  end: number;
  size: number;
}

/**
 * Follows section numbers as Dovecot does: a multipart's children are numbered from 1; any
 * other part has only part 1, itself, and only a message/rfc822 is entered when more
 * numbers follow.
 */
function findPart(root: MimePart, path: readonly number[]): MimePart | null {
  let part: MimePart | undefined = root;
  for (let i = 0; i < path.length; i++) {
    const n = path[i]!;
    const more = i + 1 < path.length;
    const rfc822 = (part.flags & PartFlag.MessageRfc822) !== 0;
    if ((part.flags & PartFlag.Multipart) !== 0) part = part.children[n - 1];
    else if (n !== 1 || (more && !rfc822)) return null;
    if (!part) return null;
    if (more && (part.flags & PartFlag.MessageRfc822) !== 0) part = part.children[0];
    if (!part) return null;
  }
  return part;
}

function headerRange(p: MimePart): SectionRange {
  return { start: p.headerStart, end: p.bodyStart, size: p.header.virtual };
}

function bodyRange(p: MimePart): SectionRange {
  return { start: p.bodyStart, end: p.bodyEnd, size: p.body.virtual };
}

/**
 * Locates BODY[path.text] in the stored message. Returns null where Dovecot answers with
 * an empty string: no such part, or HEADER/TEXT of a part that is not message/rfc822.
 * `.MIME` of a message/rfc822 part is that part's own header, as in Dovecot.
 */
export function locateSection(
  root: MimePart,
  path: readonly number[],
  text: SectionText,
): SectionRange | null {
  if (path.length === 0) {
    switch (text) {
      case "":
        return { start: root.headerStart, end: root.bodyEnd, size: root.header.virtual + root.body.virtual };
      case "TEXT":
        return bodyRange(root);
      case "MIME":
        return null;
      default:
        return headerRange(root);
    }
  }
  const part = findPart(root, path);
  if (!part) return null;
  if (text === "") return bodyRange(part);
  if (text === "MIME") return headerRange(part);
  if ((part.flags & PartFlag.MessageRfc822) === 0) return null;
  const message = part.children[0];
  if (!message) return null;
  return text === "TEXT" ? bodyRange(message) : headerRange(message);
}

/** The part BODYSTRUCTURE numbering calls `path` (root for []), or null. */
export function partAt(root: MimePart, path: readonly number[]): MimePart | null {
  return path.length === 0 ? root : findPart(root, path);
}
