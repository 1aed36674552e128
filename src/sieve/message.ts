// The message as the Sieve engine sees it: header fields and a MIME tree with decoded text.
// This is the one adapter between Sieve and message parsing; it walks MIME parts itself until
// the shared src/mime/ parser is available, and nothing else in src/sieve/ parses MIME.
import { iconv, libmime } from "../mime/index.js";

export interface HeaderField {
  /** The field name as written. */
  name: string;
  /** The raw value after the colon, folding and encoded-words intact. */
  raw: string;
}

export interface ContentType {
  type: string;
  subtype: string;
  params: Record<string, string>;
}

export interface MimePart {
  headers: HeaderField[];
  contentType: ContentType;
  /** Content-Disposition type (`attachment`, `inline`) or "" when absent. */
  disposition: string;
  /** Parameters of Content-Disposition (e.g. filename). */
  dispositionParams: Record<string, string>;
  /** Body octets as latin1 code units, still transfer-encoded. */
  rawBody: string;
  /** Sub-parts of a multipart, or the one enclosed message of message/rfc822. */
  children: MimePart[];
  /** For multipart: the text before the first and after the last boundary. */
  prologue: string;
  epilogue: string;
  /** Where the part (its header) starts and ends in the whole message text. */
  start: number;
  end: number;
  /** Where its body starts in the whole message text. */
  bodyStart: number;
}

/** Removes folding (RFC 5322 §2.2.3). */
export function unfold(value: string): string {
  return value.replace(/\r?\n(?=[ \t])/g, "");
}

/** Unfolded, trimmed and RFC 2047-decoded, as Sieve compares headers (RFC 5228 §5.7). */
export function decodeHeaderValue(raw: string): string {
  const unfolded = unfold(latin1ToUtf8(raw)).trim();
  return unfolded.includes("=?") ? libmime().decodeWords(unfolded) : unfolded;
}

/** Header bytes are held as latin1 code units; 8-bit headers are usually UTF-8 (RFC 6532). */
function latin1ToUtf8(s: string): string {
  if (!/[\x80-\xff]/.test(s)) return s;
  const decoded = Buffer.from(s, "latin1").toString("utf8");
  return decoded.includes("\ufffd") ? s : decoded;
}

function splitHeaderBlock(text: string, start: number): { headers: HeaderField[]; bodyStart: number } {
  const headers: HeaderField[] = [];
  let pos = start;
  let current: HeaderField | null = null;
  while (pos < text.length) {
    let eol = text.indexOf("\n", pos);
    if (eol === -1) eol = text.length;
    const line = text.slice(pos, eol).replace(/\r$/, "");
    const next = eol + 1;
    if (line === "") return { headers, bodyStart: Math.min(next, text.length) };
    if ((line[0] === " " || line[0] === "\t") && current !== null) {
      current.raw += `\r\n${line}`;
    } else {
      const colon = line.indexOf(":");
      // A line that is not a field ends the header (as in Dovecot's message-header-parser).
      if (colon <= 0) return { headers, bodyStart: pos };
      current = { name: line.slice(0, colon).trim(), raw: line.slice(colon + 1).replace(/^[ \t]/, "") };
      headers.push(current);
    }
    pos = next;
  }
  return { headers, bodyStart: text.length };
}

/** Header fields as message text (latin1 code units, CRLF line ends). */
export function headerText(fields: HeaderField[]): string {
  return fields.map((f) => `${f.name}: ${f.raw}\r\n`).join("");
}

export function headerValues(headers: HeaderField[], name: string): string[] {
  const lower = name.toLowerCase();
  const out: string[] = [];
  for (const h of headers) if (h.name.toLowerCase() === lower) out.push(h.raw);
  return out;
}

function parseStructured(raw: string | undefined): { value: string; params: Record<string, string> } {
  if (raw === undefined) return { value: "", params: {} };
  const parsed = libmime().parseHeaderValue(unfold(raw));
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed.params)) params[k.toLowerCase()] = String(v);
  return { value: parsed.value.trim().toLowerCase(), params };
}

const MAX_DEPTH = 20;

/** `base` is where `text` itself starts in the whole message (for the offsets replace needs). */
function parsePart(
  text: string,
  start: number,
  end: number,
  parentType: string,
  depth: number,
  base: number,
): MimePart {
  const slice = text.slice(start, end);
  const { headers, bodyStart } = splitHeaderBlock(slice, 0);
  const rawBody = slice.slice(bodyStart);
  const ct = parseStructured(headerValues(headers, "content-type")[0]);
  // RFC 2046 §5.1.5: parts of multipart/digest default to message/rfc822.
  const fallback = parentType === "multipart/digest" ? "message/rfc822" : "text/plain";
  const full = ct.value.includes("/") ? ct.value : fallback;
  const [type = "text", subtype = "plain"] = full.split("/");
  const cd = parseStructured(headerValues(headers, "content-disposition")[0]);
  const part: MimePart = {
    headers,
    contentType: { type, subtype, params: ct.params },
    disposition: cd.value,
    dispositionParams: cd.params,
    rawBody,
    children: [],
    prologue: "",
    epilogue: "",
    start: base + start,
    end: base + end,
    bodyStart: base + start + bodyStart,
  };
  if (depth >= MAX_DEPTH) return part;
  if (type === "multipart" && ct.params.boundary) {
    splitMultipart(part, ct.params.boundary, `${type}/${subtype}`, depth);
  } else if (type === "message" && subtype === "rfc822") {
    part.children.push(parsePart(rawBody, 0, rawBody.length, "", depth + 1, part.bodyStart));
  }
  return part;
}

function splitMultipart(part: MimePart, boundary: string, fullType: string, depth: number): void {
  const body = part.rawBody;
  const delimiter = `--${boundary}`;
  const starts: number[] = [];
  let closeAt = -1;
  let pos = 0;
  while (pos <= body.length) {
    const lineEnd = body.indexOf("\n", pos);
    const end = lineEnd === -1 ? body.length : lineEnd;
    const line = body.slice(pos, end).replace(/\r$/, "").trimEnd();
    if (line === delimiter) starts.push(lineEnd === -1 ? body.length : lineEnd + 1);
    else if (line === `${delimiter}--`) {
      closeAt = pos;
      break;
    }
    if (lineEnd === -1) break;
    pos = lineEnd + 1;
  }
  if (starts.length === 0) return;
  const boundaryLineStart = (afterLine: number): number => {
    const lineStart = body.lastIndexOf("\n", afterLine - 2) + 1;
    return lineStart;
  };
  part.prologue = body.slice(0, boundaryLineStart(starts[0]!));
  for (let i = 0; i < starts.length; i++) {
    const from = starts[i]!;
    const lineStart =
      i + 1 < starts.length ? boundaryLineStart(starts[i + 1]!) : closeAt === -1 ? body.length : closeAt;
    // The CRLF before a boundary belongs to the boundary (RFC 2046 §5.1.1).
    const to = Math.max(
      from,
      body[lineStart - 1] === "\n" ? lineStart - (body[lineStart - 2] === "\r" ? 2 : 1) : lineStart,
    );
    part.children.push(parsePart(body, from, to, fullType, depth + 1, part.bodyStart));
  }
  if (closeAt !== -1) {
    const eol = body.indexOf("\n", closeAt);
    part.epilogue = eol === -1 ? "" : body.slice(eol + 1);
  }
}

function decodeQuotedPrintable(s: string): Buffer {
  const cleaned = s.replace(/[ \t]+(?=\r?\n)/g, "").replace(/=\r?\n/g, "");
  const bytes: number[] = [];
  for (let i = 0; i < cleaned.length; i++) {
    const c = cleaned.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(cleaned.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(cleaned.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(c & 0xff);
  }
  return Buffer.from(bytes);
}

/** The part's body with its Content-Transfer-Encoding undone. */
export function decodedBody(part: MimePart): Buffer {
  const cte = (headerValues(part.headers, "content-transfer-encoding")[0] ?? "").trim().toLowerCase();
  if (cte === "base64") return Buffer.from(part.rawBody.replace(/[^A-Za-z0-9+/=]/g, ""), "base64");
  if (cte === "quoted-printable") return decodeQuotedPrintable(part.rawBody);
  return Buffer.from(part.rawBody, "latin1");
}

/** The part's body as text in its declared charset (UTF-8 when absent or unknown). */
export function decodedText(part: MimePart): string {
  const bytes = decodedBody(part);
  const charset = (part.contentType.params.charset ?? "utf-8").toLowerCase();
  if (charset !== "utf-8" && charset !== "us-ascii" && iconv().encodingExists(charset)) {
    return iconv().decode(bytes, charset);
  }
  return bytes.toString("utf8");
}

export class SieveMessage {
  readonly root: MimePart;
  readonly size: number;
  /** The whole message as latin1 code units (one per octet). */
  readonly text: string;

  constructor(raw: Buffer | string) {
    this.text =
      typeof raw === "string" ? Buffer.from(raw, "utf8").toString("latin1") : raw.toString("latin1");
    this.size = this.text.length;
    this.root = parsePart(this.text, 0, this.text.length, "", 0, 0);
  }
}
