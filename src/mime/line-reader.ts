/** An absolute position with the counts of LFs and bare LFs (no CR before) up to it. */
export interface Point {
  off: number;
  lf: number;
  bare: number;
}

/** The point `nl` bytes before `p`, where a line end (LF or CRLF) of that length ends. */
export function pointBefore(p: Point, nl: number): Point {
  if (nl === 0) return p;
  return { off: p.off - nl, lf: p.lf - 1, bare: p.bare - (nl === 1 ? 1 : 0) };
}

/**
 * What the reader reports to. `lineMode()` is asked at each line start: "header" lines come
 * whole (up to the cap); in "body" mode lines that do not start with "-" cannot matter and
 * are counted in bulk; in "opaque" mode everything is.
 */
export interface LineSink {
  lineMode(): "header" | "body" | "opaque";
  /** A line: its first bytes (binary string, without line end), full length, line end (0, 1, 2). */
  line(start: Point, head: string, length: number, term: number, hasNul: boolean): void;
  /** Bytes counted in bulk; `lastTerm` is the line end they finished with (1 or 2). */
  plain(hasNul: boolean, lastTerm: number): void;
}

const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
/** Enough of a body line to decide whether it is a boundary line (80-byte boundary + dashes). */
const BODY_LINE_PEEK = 2 + 80 + 2 + 8;

/**
 * Cuts a byte stream, fed in chunks of any size, into lines, keeping the absolute offset
 * and the line-end counts IMAP sizes are made of. Only the first bytes of the current line
 * are held, so memory stays bounded whatever the input.
 */
export class LineReader {
  private off = 0;
  private lf = 0;
  private bare = 0;
  private lastByte = -1;

  private lineStart: Point = { off: 0, lf: 0, bare: 0 };
  private lineLen = 0;
  private lineBufs: Buffer[] = [];
  private lineKept = 0;
  private lineHasNul = false;

  constructor(
    private readonly sink: LineSink,
    private readonly headerCap: number,
  ) {}

  point(): Point {
    return { off: this.off, lf: this.lf, bare: this.bare };
  }

  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let i = 0;
    let nul = buf.indexOf(0);
    const nulIn = (from: number, to: number): boolean => {
      if (nul >= 0 && nul < from) nul = buf.indexOf(0, from);
      return nul >= from && nul < to;
    };
    while (i < buf.length) {
      if (this.lineLen === 0 && this.sink.lineMode() !== "header") {
        const stop = this.plainEnd(buf, i);
        if (stop > i) {
          const hasNul = nulIn(i, stop);
          this.count(buf, i, stop);
          this.sink.plain(hasNul, stop - 2 >= i && buf[stop - 2] === CR ? 2 : 1);
          i = stop;
          continue;
        }
      }
      const nl = buf.indexOf(LF, i);
      const stop = nl < 0 ? buf.length : nl;
      if (nulIn(i, stop)) this.lineHasNul = true;
      this.append(buf, i, stop);
      if (nl < 0) return;
      this.complete(true);
      i = nl + 1;
    }
  }

  /** Delivers a last line without line end, if any. */
  end(): void {
    if (this.lineLen > 0) this.complete(false);
  }

  /** From a line start: the end of what can be counted in bulk (complete lines only in a body). */
  private plainEnd(buf: Buffer, i: number): number {
    if (this.sink.lineMode() === "opaque") return buf.length;
    if (buf[i] === DASH) return i;
    const dash = buf.indexOf("\n-", i, "latin1");
    if (dash >= 0) return dash + 1;
    const last = buf.lastIndexOf(LF);
    return last >= i ? last + 1 : i;
  }

  private count(buf: Buffer, from: number, to: number): void {
    let lf = 0;
    let bare = 0;
    let prev = this.lastByte;
    for (let j = from; j < to; j++) {
      const c = buf[j]!;
      if (c === LF) {
        lf++;
        if (prev !== CR) bare++;
      }
      prev = c;
    }
    this.lf += lf;
    this.bare += bare;
    this.off += to - from;
    this.lastByte = prev;
  }

  private append(buf: Buffer, from: number, to: number): void {
    if (to <= from) return;
    if (this.lineLen === 0) this.lineStart = this.point();
    const cap = this.sink.lineMode() === "header" ? this.headerCap : BODY_LINE_PEEK;
    if (this.lineKept < cap) {
      const take = Math.min(to - from, cap - this.lineKept);
      this.lineBufs.push(buf.subarray(from, from + take));
      this.lineKept += take;
    }
    this.lineLen += to - from;
    this.lastByte = buf[to - 1]!;
    this.off += to - from;
  }

  private complete(withLf: boolean): void {
    if (this.lineLen === 0) this.lineStart = this.point();
    let length = this.lineLen;
    let term = 0;
    if (withLf) {
      term = 1;
      if (this.lineLen > 0 && this.lastByte === CR) {
        length--;
        term = 2;
      }
      this.off++;
      this.lf++;
      if (term === 1) this.bare++;
      this.lastByte = LF;
    }
    // a body line matters only when it might be a boundary line
    let head = "";
    const first = this.lineBufs[0];
    if (this.sink.lineMode() === "header" || first?.[0] === DASH) {
      head =
        this.lineBufs.length === 1
          ? first!.toString("latin1")
          : Buffer.concat(this.lineBufs).toString("latin1");
      if (head.length > length) head = head.slice(0, length);
    }
    const hasNul = this.lineHasNul;
    this.lineBufs = [];
    this.lineKept = 0;
    this.lineLen = 0;
    this.lineHasNul = false;
    this.sink.line(this.lineStart, head, length, term, hasNul);
  }
}
