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
 * The bytes with every CRLF turned into LF, across chunk boundaries (Dovecot stores messages with
 * LF line ends, mail_save_crlf=no); a lone CR stays. Chunks without a CR pass through uncopied.
 */
export async function* crlfToLf(data: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<Buffer> {
  let pendingCr = false;
  for await (const input of data instanceof Uint8Array ? [data] : data) {
    let chunk = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    if (pendingCr) chunk = Buffer.concat([Buffer.from([CR]), chunk]);
    // A CR at the end waits: the next chunk tells whether an LF follows it.
    pendingCr = chunk.length > 0 && chunk[chunk.length - 1] === CR;
    if (pendingCr) chunk = chunk.subarray(0, -1);
    if (chunk.indexOf(CR) < 0) {
      if (chunk.length > 0) yield chunk;
      continue;
    }
    const out = Buffer.allocUnsafe(chunk.length);
    let used = 0;
    for (let i = 0; i < chunk.length; i++) {
      if (chunk[i] !== CR || chunk[i + 1] !== LF) out[used++] = chunk[i]!;
    }
    yield out.subarray(0, used);
  }
  if (pendingCr) yield Buffer.from([CR]);
}

/** How many LFs a chunk holds. */
export function countLf(chunk: Uint8Array): number {
  let n = 0;
  for (let at = chunk.indexOf(LF); at >= 0; at = chunk.indexOf(LF, at + 1)) n++;
  return n;
}
