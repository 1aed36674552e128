// POP3 commands are single lines (RFC 1939 §3). Dovecot accepts LF as well as CRLF.

export type LineEvent =
  | { kind: "line"; text: string }
  /** A line with a NUL byte: refused whole, never cut at the NUL (which could change its meaning). */
  | { kind: "nul" }
  /** The line grew past the limit; the connection should end. */
  | { kind: "too-long" };

export class LineReader {
  private buffer: Buffer = Buffer.alloc(0);
  private overflowed = false;

  constructor(private readonly maxLineLength: number) {}

  push(chunk: Buffer): LineEvent[] {
    if (this.overflowed) return [];
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const events: LineEvent[] = [];
    for (;;) {
      const lf = this.buffer.indexOf(0x0a);
      if (lf < 0) {
        if (this.buffer.length > this.maxLineLength) {
          this.overflowed = true;
          this.buffer = Buffer.alloc(0);
          events.push({ kind: "too-long" });
        }
        return events;
      }
      const end = lf > 0 && this.buffer[lf - 1] === 0x0d ? lf - 1 : lf;
      const line = this.buffer.subarray(0, end);
      this.buffer = this.buffer.subarray(lf + 1);
      if (line.length > this.maxLineLength) {
        this.overflowed = true;
        events.push({ kind: "too-long" });
        return events;
      }
      // Latin-1 keeps every byte as one character: user names and passwords may be UTF-8.
      events.push(line.includes(0) ? { kind: "nul" } : { kind: "line", text: line.toString("latin1") });
    }
  }
}
