import { Readable } from "node:stream";

const CR = 0x0d;
const LF = 0x0a;

/**
 * Serves stored bytes with every bare LF as CRLF (what IMAP and POP3 send; Dovecot stores LF and
 * converts on output), cut to the byte range [start, end] counted in the converted bytes. The range
 * cannot be seeked to, so the bytes before it are read and dropped, never buffered.
 */
export function toCrlfRange(
  source: AsyncIterable<Uint8Array>,
  start = 0,
  end = Number.POSITIVE_INFINITY,
): Readable {
  async function* convert(): AsyncGenerator<Buffer> {
    let position = 0;
    let previous = 0;
    for await (const input of source) {
      const chunk = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
      const parts: Buffer[] = [];
      let from = 0;
      for (let at = chunk.indexOf(LF); at >= 0; at = chunk.indexOf(LF, at + 1)) {
        const before = at > 0 ? chunk[at - 1] : previous;
        if (before !== CR) {
          parts.push(chunk.subarray(from, at), Buffer.from([CR]));
          from = at;
        }
      }
      parts.push(chunk.subarray(from));
      if (chunk.length > 0) previous = chunk[chunk.length - 1]!;
      for (const part of parts) {
        const partEnd = position + part.length;
        if (partEnd > start && position <= end) {
          yield part.subarray(Math.max(0, start - position), Math.min(part.length, end - position + 1));
        }
        position = partEnd;
        if (position > end) return;
      }
    }
  }
  return Readable.from(convert(), { objectMode: false });
}

/**
 * Turns every CRLF into LF across chunk boundaries (Dovecot stores messages with LF line ends,
 * mail_save_crlf=no); a lone CR stays. Chunks without a CR pass through uncopied. Synchronous, so
 * a message already in memory is converted without a promise per chunk.
 */
export class CrlfToLf {
  private pendingCr = false;

  /** The converted bytes of `input` (possibly empty): a CR at its end waits for the next chunk. */
  push(input: Uint8Array): Buffer {
    let chunk = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (this.pendingCr) chunk = Buffer.concat([Buffer.from([CR]), chunk]);
    // A CR at the end waits: the next chunk tells whether an LF follows it.
    this.pendingCr = chunk.length > 0 && chunk[chunk.length - 1] === CR;
    if (this.pendingCr) chunk = chunk.subarray(0, -1);
    if (chunk.indexOf(CR) < 0) return chunk;
    const out = Buffer.allocUnsafe(chunk.length);
    let used = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== CR || chunk[i + 1] !== LF) out[used++] = chunk[i]!;
    }
    return out.subarray(0, used);
  }

  /** A CR held back at the very end (no LF followed it), or an empty buffer. */
  end(): Buffer {
    const tail = this.pendingCr ? Buffer.from([CR]) : Buffer.alloc(0);
    this.pendingCr = false;
    return tail;
  }
}

/** The bytes with every CRLF turned into LF, as a stream of non-empty chunks (see CrlfToLf). */
export async function* crlfToLf(data: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<Buffer> {
  const converter = new CrlfToLf();
  for await (const input of data instanceof Uint8Array ? [data] : data) {
    const chunk = converter.push(input);
    if (chunk.length > 0) yield chunk;
  }
  const tail = converter.end();
  if (tail.length > 0) yield tail;
}

/** How many LFs a chunk holds. */
export function countLf(chunk: Uint8Array): number {
  let n = 0;
  for (let at = chunk.indexOf(LF); at >= 0; at = chunk.indexOf(LF, at + 1)) n++;
  return n;
}
