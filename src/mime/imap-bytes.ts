export interface ImapBytesOptions {
  /** octets of the converted stream to skip first (the start of BODY[...]<start.length>) */
  skip?: number;
  /** octets to send at most (the length of <start.length>) */
  limit?: number;
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * Stored message bytes as IMAP sends them in a literal, as Dovecot does for Maildir files
 * written with LF: every bare LF becomes CRLF and NUL becomes 0x80 (literals must not hold
 * NUL, RFC 3501 §4.3). A partial range is counted in these converted octets, so it may
 * start between the CR and LF of a converted line end. Feed it a SectionRange of the file.
 */
export async function* imapBytes(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ImapBytesOptions = {},
): AsyncGenerator<Buffer> {
  let skip = options.skip ?? 0;
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  let prev = -1;
  for await (const chunk of source) {
    if (left <= 0) return;
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let out = convert(buf, prev);
    prev = buf.length > 0 ? buf[buf.length - 1]! : prev;
    if (skip > 0) {
      const n = Math.min(skip, out.length);
      out = out.subarray(n);
      skip -= n;
    }
    if (out.length > left) out = out.subarray(0, left);
    left -= out.length;
    if (out.length > 0) yield out;
  }
}

function convert(buf: Buffer, prevByte: number): Buffer {
  let extra = 0;
  let nul = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === LF && (i > 0 ? buf[i - 1] : prevByte) !== CR) extra++;
    else if (c === 0) nul = true;
  }
  if (extra === 0 && !nul) return buf;
  const out = Buffer.allocUnsafe(buf.length + extra);
  let o = 0;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c === LF && (i > 0 ? buf[i - 1] : prevByte) !== CR) out[o++] = CR;
    out[o++] = c === 0 ? 0x80 : c;
  }
  return out;
}
