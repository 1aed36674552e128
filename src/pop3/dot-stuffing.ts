const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;
const EXTRA_DOT = Buffer.from(".");
const CRLF = Buffer.from("\r\n");

/**
 * A message as a POP3 multi-line response body (RFC 1939 §3): a line starting with "." gets
 * another, bare LF becomes CRLF, and the last line is ended by CRLF. The terminating ".\r\n" is
 * the caller's. With `bodyLines` (TOP), only the header, the empty line after it and that many
 * body lines are sent; a message without an empty line is sent whole, as Dovecot does.
 */
export async function* pop3Body(
  source: AsyncIterable<Uint8Array>,
  bodyLines?: number,
): AsyncGenerator<Buffer> {
  let atLineStart = true;
  let lineLength = 0;
  let previous = -1;
  let inBody = false;
  let remaining = bodyLines ?? Number.POSITIVE_INFINITY;
  let lastSent = -1;
  let done = false;
  for await (const input of source) {
    const chunk = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const parts: Buffer[] = [];
    let from = 0;
    let pos = 0;
    while (pos < chunk.length) {
      if (atLineStart && chunk[pos] === DOT) {
        parts.push(chunk.subarray(from, pos), EXTRA_DOT);
        from = pos;
      }
      const lf = chunk.indexOf(LF, pos);
      if (lf < 0) {
        lineLength += chunk.length - pos;
        previous = chunk[chunk.length - 1]!;
        atLineStart = false;
        break;
      }
      const before = lf > pos ? chunk[lf - 1]! : previous;
      lineLength += lf - pos;
      if (before !== CR) {
        parts.push(chunk.subarray(from, lf), Buffer.from([CR]));
        from = lf;
      }
      const empty = lineLength === 0 || (lineLength === 1 && before === CR);
      if (!inBody && empty) inBody = true;
      // The empty line ending the header counts too: TOP n sends it and n more lines.
      if (inBody && --remaining < 0) {
        parts.push(chunk.subarray(from, lf + 1));
        from = lf + 1;
        done = true;
        previous = LF;
        break;
      }
      previous = LF;
      lineLength = 0;
      atLineStart = true;
      pos = lf + 1;
    }
    if (!done) parts.push(chunk.subarray(from));
    const out = Buffer.concat(parts);
    if (out.length > 0) {
      lastSent = out[out.length - 1]!;
      yield out;
    }
    if (done) break;
  }
  // Dovecot ends an empty message, or one without a final newline, with CRLF too.
  if (lastSent !== LF) yield CRLF;
}
