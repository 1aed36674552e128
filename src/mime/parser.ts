import { type Boundary, BoundaryStack } from "./boundary-stack.js";
import {
  addEnvelopeField,
  applyContentField,
  cString,
  envelopeSlot,
  parseContentTypeValue,
} from "./content-fields.js";
import { LineReader, type LineSink, type Point, pointBefore } from "./line-reader.js";
import { parseMimeParams } from "./rfc2231.js";
import { type MimePart, PartFlag } from "./types.js";

export interface MimeParserOptions {
  /** Containers nested this deep are not split further (Dovecot's default: 100). */
  maxNesting?: number;
  /** The part that reaches this count takes the rest of the message (Dovecot's default: 10000). */
  maxParts?: number;
  /** Header field values kept for parsing are cut here; sizes and offsets stay exact. */
  maxFieldBytes?: number;
}

interface Node {
  part: MimePart;
  parent: Node | null;
  depth: number;
  start: Point;
  bodyStart: Point | null;
  seenContentType: boolean;
  boundary: string | null;
  /** the root or the child of a message/rfc822: its header feeds an envelope */
  messageRoot: boolean;
}

type Mode = "header" | "afterEoh" | "body" | "bodyToEof";

/**
 * Single-pass MIME structure parser with byte offsets, fed in chunks of any size.
 *
 * It reproduces Dovecot 2.3.19's lib-mail message-parser: boundaries are recognised at line
 * starts by prefix (RFC 2046 §5.1.1, details in BoundaryStack.find); the [CR]LF
 * before a boundary line belongs to the boundary; a part's header may be cut short by an
 * enclosing boundary; a multipart without a usable boundary has no children; a header
 * without a blank line runs to the end of the message. Memory stays bounded: only the
 * current line's first bytes and the header fields it parses are held.
 */
export class MimeParser {
  private readonly maxNesting: number;
  private readonly maxParts: number;
  private readonly maxField: number;
  private readonly reader: LineReader;

  private readonly root: Node;
  private cur: Node;
  private mode: Mode = "header";
  private readonly boundaries = new BoundaryStack<Node>();
  private partCount = 1;
  /** bytes of the previous line's end that a boundary line would claim */
  private pendingNl = 0;

  // the header field being assembled
  private fieldName: string | null = null;
  private fieldValue: string | null = null;
  private headerHasNul = false;
  /** bytes of header values kept for the current part, against maxField * 4 */
  private keptBytes = 0;

  private finished: MimePart | null = null;

  constructor(options: MimeParserOptions = {}) {
    this.maxNesting = options.maxNesting ?? 100;
    this.maxParts = options.maxParts ?? 10000;
    this.maxField = options.maxFieldBytes ?? 1 << 20;
    const sink: LineSink = {
      lineMode: () => this.lineMode(),
      line: (start, head, length, term, hasNul) => this.line(start, head, length, term, hasNul),
      plain: (hasNul, lastTerm) => this.plain(hasNul, lastTerm),
    };
    this.reader = new LineReader(sink, this.maxField);
    this.root = this.newNode(null, { off: 0, lf: 0, bare: 0 });
    this.root.messageRoot = true;
    this.root.part.envelope = {};
    this.cur = this.root;
  }

  /** Feeds the next bytes of the message. */
  push(chunk: Uint8Array): void {
    if (this.finished) throw new Error("MimeParser: push after end");
    this.reader.push(chunk);
  }

  /** Ends the input and returns the part tree. */
  end(): MimePart {
    if (this.finished) return this.finished;
    this.reader.end();
    const eof = this.reader.point();
    if (this.mode === "header" || this.mode === "afterEoh") this.endHeaders(eof);
    while (this.cur.parent) this.finishNode(this.cur, eof);
    this.finishNode(this.root, eof);
    this.finished = this.root.part;
    return this.finished;
  }

  private newNode(parent: Node | null, at: Point): Node {
    const part: MimePart = {
      headerStart: at.off,
      bodyStart: at.off,
      bodyEnd: at.off,
      header: { physical: 0, virtual: 0, lines: 0 },
      body: { physical: 0, virtual: 0, lines: 0 },
      flags: 0,
      data: {},
      children: [],
    };
    return {
      part,
      parent,
      depth: parent ? parent.depth + 1 : 1,
      start: at,
      bodyStart: null,
      seenContentType: false,
      boundary: null,
      messageRoot: false,
    };
  }

  private lineMode(): "header" | "body" | "opaque" {
    return this.mode === "bodyToEof" ? "opaque" : this.mode === "body" ? "body" : "header";
  }

  private plain(hasNul: boolean, lastTerm: number): void {
    if (hasNul) this.cur.part.flags |= PartFlag.HasNuls;
    if (this.mode === "body") this.pendingNl = lastTerm;
  }

  private line(start: Point, head: string, contentLen: number, term: number, hasNul: boolean): void {
    if (this.mode === "header" || this.mode === "afterEoh") {
      const b = this.boundaries.find(head, contentLen, term);
      if (b && b.owner !== this.cur) {
        // The header ends before the previous line's newline; Dovecot counts that newline
        // in the enclosing part's body.
        const cut = this.cur;
        const at = pointBefore(start, this.pendingNl);
        this.endHeaders(at);
        this.boundaryLine(b, at, head, term, cut, start);
        return;
      }
      if (this.mode === "afterEoh") {
        this.endHeaders(start);
        // the blank line was the header's; the first body line starts fresh
        if ((this.mode as Mode) === "header") {
          this.line(start, head, contentLen, term, hasNul);
          return;
        }
      } else {
        this.headerLine(head, contentLen, term, hasNul);
        return;
      }
    }
    if (hasNul) this.cur.part.flags |= PartFlag.HasNuls;
    if (this.mode === "body") {
      const b = this.boundaries.find(head, contentLen, term);
      if (b) {
        this.boundaryLine(b, pointBefore(start, this.pendingNl), head, term);
        return;
      }
    }
    this.pendingNl = term;
  }

  private headerLine(head: string, contentLen: number, term: number, hasNul: boolean): void {
    if (hasNul) this.headerHasNul = true;
    if (contentLen === 0 && term > 0) {
      // the blank line ending the header
      this.finishField();
      this.atEoh();
      this.pendingNl = term;
      this.mode = "afterEoh";
      return;
    }
    const first = head.charCodeAt(0);
    if ((first === 0x20 || first === 0x09) && this.fieldName !== null) {
      if (this.fieldValue !== null && this.fieldValue.length < this.maxField) {
        // Observed in Dovecot 2.3.19: a one-byte continuation line is joined without the
        // LF (visible in unterminated quoted strings and comments of address headers).
        this.fieldValue += head.length === 1 ? head : `\n${head}`;
      }
    } else {
      this.finishField();
      this.startField(head);
    }
    this.pendingNl = term;
  }

  private startField(line: string): void {
    const colon = line.indexOf(":");
    if (colon < 0) {
      // no colon: Dovecot takes the whole line as a name with an empty value
      this.fieldName = line;
      this.fieldValue = null;
      return;
    }
    let nameEnd = colon;
    while (nameEnd > 0 && (line.charCodeAt(nameEnd - 1) === 0x20 || line.charCodeAt(nameEnd - 1) === 0x09))
      nameEnd--;
    const name = line.slice(0, nameEnd);
    this.fieldName = name;
    if (!this.wantsField(name)) {
      this.fieldValue = null;
      return;
    }
    let v = colon + 1;
    while (v < line.length && (line.charCodeAt(v) === 0x20 || line.charCodeAt(v) === 0x09)) v++;
    // a value of only whitespace loses just the first blank (Dovecot's header parser)
    if (v === line.length && line.length > colon + 1) v = colon + 2;
    this.fieldValue = line.slice(v);
  }

  private wantsField(name: string): boolean {
    const n = name.toLowerCase();
    if (n.startsWith("content-") || n === "mime-version") return true;
    return this.cur.messageRoot && envelopeSlot(n) !== undefined;
  }

  private finishField(): void {
    const name = this.fieldName;
    const value = this.fieldValue;
    this.fieldName = null;
    this.fieldValue = null;
    if (name === null || value === null) return;
    // a header of endless repeated fields must not grow memory without bound
    this.keptBytes += value.length;
    if (this.keptBytes > this.maxField * 4) return;
    const node = this.cur;
    const part = node.part;
    const lower = cString(name).toLowerCase();
    if (lower === "mime-version") {
      part.flags |= PartFlag.IsMime;
    } else if (lower === "content-type" && !node.seenContentType) {
      part.flags |= PartFlag.IsMime;
      node.seenContentType = true;
      this.contentTypeFlags(node, value);
    }
    if (lower.startsWith("content-")) applyContentField(part.data, lower.slice(8), value);
    if (node.messageRoot) {
      const slot = envelopeSlot(lower);
      if (slot && part.envelope) addEnvelopeField(part.envelope, slot, value);
    }
  }

  private contentTypeFlags(node: Node, value: string): void {
    const ct = parseContentTypeValue(value);
    const full = ct.full.toLowerCase();
    const part = node.part;
    if (full === "message/rfc822") part.flags |= PartFlag.MessageRfc822;
    else if (full.startsWith("text") && (full.length === 4 || full[4] === "/")) part.flags |= PartFlag.Text;
    else if (full.startsWith("multipart/")) {
      part.flags |= PartFlag.Multipart;
      if (full.slice(10) === "digest") part.flags |= PartFlag.MultipartDigest;
    }
    if (!ct.reader || (part.flags & PartFlag.Multipart) === 0) return;
    for (const [k, v] of parseMimeParams(ct.reader)) {
      if (k.toLowerCase() === "boundary") {
        node.boundary = v;
        break;
      }
    }
  }

  /** At the blank line: a multipart with a boundary starts recognising it from here. */
  private atEoh(): void {
    const node = this.cur;
    const part = node.part;
    if (node.boundary === null || (part.flags & (PartFlag.IsMime | PartFlag.Overflow)) !== PartFlag.IsMime)
      return;
    if (node.depth >= this.maxNesting) {
      part.flags = (part.flags | PartFlag.Overflow) & ~PartFlag.Multipart;
      return;
    }
    this.boundaries.push(node.boundary, node);
  }

  private endHeaders(at: Point): void {
    this.finishField();
    const node = this.cur;
    const part = node.part;
    node.bodyStart = at;
    if ((part.flags & PartFlag.IsMime) === 0) {
      // not MIME: Content-* fields mean nothing (RFC 2045 §4)
      part.flags &= PartFlag.Overflow;
      part.data = {};
    }
    if (!node.seenContentType || (part.flags & PartFlag.IsMime) === 0) {
      const digest = node.parent && (node.parent.part.flags & PartFlag.MultipartDigest) !== 0;
      part.flags |= digest ? PartFlag.MessageRfc822 : PartFlag.Text;
    }
    if (this.headerHasNul) part.flags |= PartFlag.HasNuls;
    this.headerHasNul = false;
    const pushed = this.boundaries.innermost?.owner === node;
    if ((part.flags & PartFlag.Overflow) !== 0) this.overflowed(part);
    this.pendingNl = 0;
    if (pushed) {
      this.mode = "body";
    } else if ((part.flags & PartFlag.MessageRfc822) !== 0) {
      if (node.depth >= this.maxNesting) {
        part.flags |= PartFlag.Overflow;
        this.overflowed(part);
        this.mode = this.boundaries.size > 0 ? "body" : "bodyToEof";
        return;
      }
      const child = this.startChild(node, at);
      child.messageRoot = true;
      child.part.envelope = {};
    } else {
      this.mode = this.boundaries.size > 0 ? "body" : "bodyToEof";
    }
  }

  /** A container past a limit is left unparsed, and shown as opaque data (as Dovecot does). */
  private overflowed(part: MimePart): void {
    part.flags &= ~(PartFlag.Multipart | PartFlag.MessageRfc822);
    const type = part.data.type?.toLowerCase();
    if (type === "multipart" || (type === "message" && part.data.subtype?.toLowerCase() === "rfc822")) {
      part.data.type = "application";
      part.data.subtype = "octet-stream";
    }
  }

  private startChild(parent: Node, at: Point): Node {
    const child = this.newNode(parent, at);
    this.keptBytes = 0;
    parent.part.children.push(child.part);
    this.cur = child;
    this.mode = "header";
    this.pendingNl = 0;
    if (++this.partCount >= this.maxParts) {
      // the limit: this part takes the rest of the message unparsed
      child.part.flags |= PartFlag.Overflow;
      this.boundaries.clear();
    }
    return child;
  }

  private finishNode(node: Node, at: Point): void {
    const part = node.part;
    const bodyStart = node.bodyStart ?? at;
    part.bodyStart = bodyStart.off;
    part.bodyEnd = at.off;
    part.header = {
      physical: bodyStart.off - node.start.off,
      virtual: bodyStart.off - node.start.off + bodyStart.bare - node.start.bare,
      lines: bodyStart.lf - node.start.lf,
    };
    part.body = {
      physical: at.off - bodyStart.off,
      virtual: at.off - bodyStart.off + at.bare - bodyStart.bare,
      lines: at.lf - bodyStart.lf,
    };
    if (node.parent) this.cur = node.parent;
  }

  private boundaryLine(
    b: Boundary<Node>,
    at: Point,
    head: string,
    term: number,
    cut?: Node,
    lineStart?: Point,
  ): void {
    let end = at;
    while (this.cur !== b.owner) {
      const node = this.cur;
      this.finishNode(node, end);
      if (node === cut && lineStart) end = lineStart;
    }
    const closing = BoundaryStack.closes(b, head);
    this.boundaries.cutAt(b, closing);
    if (term === 0) {
      this.mode = "body";
      return;
    }
    if (!closing) {
      this.startChild(b.owner, this.reader.point()).part.flags |= PartFlag.IsMime;
      return;
    }
    this.pendingNl = 0;
    this.mode = this.boundaries.size > 0 ? "body" : "bodyToEof";
  }
}

/** Parses a message from any byte source (a file or delivery stream), chunk by chunk. */
export async function parseMimeStream(
  source: AsyncIterable<Uint8Array>,
  options?: MimeParserOptions,
): Promise<MimePart> {
  const parser = new MimeParser(options);
  for await (const chunk of source) parser.push(chunk);
  return parser.end();
}

/** Parses a whole message held in memory. */
export function parseMime(message: Uint8Array, options?: MimeParserOptions): MimePart {
  const parser = new MimeParser(options);
  parser.push(message);
  return parser.end();
}
