// ManageSieve command syntax (RFC 5804 §4): an atom, then strings (quoted or literal {n}/{n+})
// and numbers, ended by CRLF. A literal's octets are never scanned for syntax.

export type Argument = { kind: "string"; value: Buffer } | { kind: "number"; value: number };

export interface ParsedCommand {
  name: string;
  args: Argument[];
}

export type ReaderEvent =
  | { kind: "command"; command: ParsedCommand }
  /** The line was bad; the reader has skipped to the end of it. `literalTooLarge` names the limit crossed. */
  | { kind: "error"; message: string; command?: string; literalTooLarge?: number };

export interface ReaderLimits {
  /** Longest command line, not counting literal octets. */
  maxLineLength: number;
  /** Largest literal accepted; a larger one is skipped. */
  maxLiteralSize: number;
}

type Scan =
  | { done: true; command: ParsedCommand; length: number }
  | { done: false; need: number }
  | ScanError;

interface ScanError {
  done: "error";
  message: string;
  command?: string;
  /** Where the bad line ends (after its CRLF), or -1 if the CRLF has not arrived yet. */
  resume: number;
  /** Octets of an oversized literal to skip before resuming. */
  skip?: number;
  literalTooLarge?: number;
}

const MAX_ARGS = 32;

export class CommandReader {
  private buffer: Buffer = Buffer.alloc(0);
  /** Bytes needed before a rescan can succeed (a literal's end). */
  private need = 0;
  /** Octets of an oversized literal still to be thrown away. */
  private skipping = 0;
  /** After an error, the rest of the line is dropped up to the next LF. */
  private discardingLine = false;

  /** The next line is a bare string: a client's answer to an AUTHENTICATE challenge. */
  expectResponse = false;

  constructor(private readonly limits: ReaderLimits) {}

  push(chunk: Buffer): ReaderEvent[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const events: ReaderEvent[] = [];
    for (;;) {
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, this.buffer.length);
        this.skipping -= n;
        this.buffer = this.buffer.subarray(n);
        if (this.skipping > 0) break;
      }
      if (this.discardingLine) {
        const lf = this.buffer.indexOf(10);
        if (lf < 0) {
          this.buffer = Buffer.alloc(0);
          break;
        }
        this.buffer = this.buffer.subarray(lf + 1);
        this.discardingLine = false;
      }
      if (this.buffer.length === 0 || this.buffer.length < this.need) break;
      const scan = scanCommand(this.buffer, this.limits, this.expectResponse);
      if (scan.done === true) {
        this.buffer = this.buffer.subarray(scan.length);
        this.need = 0;
        events.push({ kind: "command", command: scan.command });
      } else if (scan.done === false) {
        this.need = scan.need;
        break;
      } else {
        events.push({
          kind: "error",
          message: scan.message,
          command: scan.command,
          literalTooLarge: scan.literalTooLarge,
        });
        this.need = 0;
        if (scan.skip !== undefined) {
          this.skipping = scan.skip;
          this.buffer = this.buffer.subarray(scan.resume);
          // The CRLF after the skipped literal, and anything else on that line, goes too.
          this.discardingLine = true;
        } else if (scan.resume < 0) {
          this.buffer = Buffer.alloc(0);
          this.discardingLine = true;
        } else {
          this.buffer = this.buffer.subarray(scan.resume);
        }
      }
    }
    return events;
  }
}

function scanCommand(buf: Buffer, limits: ReaderLimits, response: boolean): Scan {
  let pos = 0;
  let lineBytes = 0;
  const lineEnd = (from: number) => {
    const lf = buf.indexOf(10, from);
    return lf < 0 ? -1 : lf + 1;
  };
  const fail = (message: string, command?: string): ScanError => ({
    done: "error",
    message,
    command,
    resume: lineEnd(pos),
  });

  const nameMatch = response ? [""] : /^[A-Za-z]{1,32}/.exec(buf.subarray(0, 40).toString("latin1"));
  if (!nameMatch) {
    if (buf.indexOf(10) < 0 && buf.length <= limits.maxLineLength)
      return { done: false, need: buf.length + 1 };
    return fail("Error in MANAGESIEVE command received by server.");
  }
  const name = nameMatch[0].toUpperCase();
  pos = nameMatch[0].length;
  const args: Argument[] = [];
  // A response line starts with its string; a command's arguments each follow a space.
  let needSpace = !response;
  for (;;) {
    if (pos >= buf.length) return incomplete(buf, lineBytes, limits, name);
    const c = buf[pos]!;
    if (c === 0x0d || c === 0x0a) {
      if (c === 0x0d && pos + 1 >= buf.length) return { done: false, need: buf.length + 1 };
      const end = c === 0x0d ? pos + 2 : pos + 1;
      if (c === 0x0d && buf[pos + 1] !== 0x0a) return fail("Expected CRLF after the command.", name);
      return { done: true, command: { name, args }, length: end };
    }
    if (needSpace) {
      if (c !== 0x20) return fail(`Unexpected character after ${name || "the response"}.`, name);
      pos++;
      lineBytes++;
    }
    needSpace = true;
    if (args.length >= MAX_ARGS) return fail("Too many arguments.", name);
    if (pos >= buf.length) return incomplete(buf, lineBytes, limits, name);
    const d = buf[pos]!;
    if (d === 0x22) {
      // Quoted string: \" and \\ are the only escapes; CR, LF and NUL may not appear.
      const bytes: number[] = [];
      let i = pos + 1;
      for (;;) {
        if (i >= buf.length) return incomplete(buf, lineBytes + (i - pos), limits, name);
        const q = buf[i]!;
        if (q === 0x22) break;
        if (q === 0x0d || q === 0x0a || q === 0) return fail("Unterminated or invalid quoted string.", name);
        if (q === 0x5c) {
          if (i + 1 >= buf.length) return incomplete(buf, lineBytes + (i - pos), limits, name);
          const e = buf[i + 1]!;
          if (e !== 0x22 && e !== 0x5c) return fail("Invalid escape in quoted string.", name);
          bytes.push(e);
          i += 2;
          continue;
        }
        bytes.push(q);
        i++;
      }
      lineBytes += i + 1 - pos;
      pos = i + 1;
      args.push({ kind: "string", value: Buffer.from(bytes) });
    } else if (d === 0x7b) {
      const m = /^\{(\d{1,10})(\+?)\}\r?\n/.exec(buf.subarray(pos, pos + 16).toString("latin1"));
      if (!m) {
        if (buf.length - pos < 16 && buf.indexOf(10, pos) < 0)
          return incomplete(buf, lineBytes, limits, name);
        return fail("Invalid literal.", name);
      }
      const size = Number(m[1]);
      const start = pos + m[0].length;
      if (size > limits.maxLiteralSize)
        return {
          done: "error",
          message: "Literal too large.",
          command: name,
          resume: start,
          skip: size,
          literalTooLarge: limits.maxLiteralSize,
        };
      if (buf.length < start + size) return { done: false, need: start + size };
      args.push({ kind: "string", value: Buffer.from(buf.subarray(start, start + size)) });
      lineBytes += m[0].length;
      pos = start + size;
    } else if (d >= 0x30 && d <= 0x39) {
      const m = /^\d{1,10}/.exec(buf.subarray(pos, pos + 11).toString("latin1"))!;
      if (pos + m[0].length >= buf.length) return incomplete(buf, lineBytes, limits, name);
      const value = Number(m[0]);
      if (value > 0xffffffff) return fail("Number too large.", name);
      args.push({ kind: "number", value });
      lineBytes += m[0].length;
      pos += m[0].length;
    } else {
      return fail("Invalid argument.", name);
    }
    if (lineBytes > limits.maxLineLength) return fail("Command line too long.", name);
  }
}

function incomplete(buf: Buffer, lineBytes: number, limits: ReaderLimits, name: string): Scan {
  if (lineBytes > limits.maxLineLength)
    return { done: "error", message: "Command line too long.", command: name, resume: -1 };
  return { done: false, need: buf.length + 1 };
}
