/**
 * Bytes as IMAP counts them (every bare LF sent as CRLF, RFC 3501 §2.3.4 RFC822.SIZE) from a
 * stored range, cut to [skip, skip + take) of the converted stream.
 */
export async function* crlfSlice(
  source: AsyncIterable<Uint8Array>,
  skip: number,
  take: number,
): AsyncGenerator<Buffer> {
  let pos = 0;
  const end = skip + take;
  let lastWasCr = false;
  for await (const raw of source) {
    if (pos >= end) break;
    const chunk = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    const pieces: Buffer[] = [];
    let from = 0;
    for (let lf = chunk.indexOf(10); lf !== -1; lf = chunk.indexOf(10, lf + 1)) {
      const cr = lf > 0 ? chunk[lf - 1] === 13 : lastWasCr;
      if (cr) continue;
      pieces.push(chunk.subarray(from, lf), CRLF);
      from = lf + 1;
    }
    pieces.push(chunk.subarray(from));
    if (chunk.length > 0) lastWasCr = chunk[chunk.length - 1] === 13;
    for (const piece of pieces) {
      const a = Math.max(skip - pos, 0);
      const b = Math.min(end - pos, piece.length);
      if (b > a) yield piece.subarray(a, b);
      pos += piece.length;
      if (pos >= end) return;
    }
  }
}

const CRLF = Buffer.from("\r\n");
