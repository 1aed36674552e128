import { isAppendMessageLiteral } from "./append-prefix.js";
import { type CommandHead, readCommandHead } from "./command-head.js";
import { defaultReaderLimits, LITERAL_MINUS_MAX, type ReaderLimits } from "./limits.js";
import { findLiteralMarker } from "./literal-marker.js";
import { commandError, type ProtocolError } from "./protocol-error.js";
import { type CommandPart, displayName, type LiteralHeader, type RawCommand } from "./raw-command.js";

export type ReaderEvent =
  /** A complete command; apply its grammar with parseCommand. */
  | { type: "command"; command: RawCommand }
  /** A synchronising literal was accepted: send `+ OK` (Dovecot's text) now. */
  | { type: "continue"; tag: string }
  /**
   * A literal chosen for streaming begins (APPEND's message). `command` holds what was
   * read before it. When `literal.sync`, send `+ OK` before asking for the next event, or
   * call refuseLiteral() and answer the tag yourself (e.g. `NO [TRYCREATE]`).
   */
  | { type: "literal-start"; command: RawCommand; literal: LiteralHeader }
  | { type: "literal-data"; chunk: Buffer }
  /** Then the rest of the command follows, ending in a "command" event. */
  | { type: "literal-end" }
  /** A bare line asked for with expectLine() (IDLE's DONE, a SASL response). */
  | { type: "line"; bytes: Buffer }
  /** Answer with error.tag (or `*`); unless error.fatal the reader is back in step. */
  | { type: "error"; error: ProtocolError };

export interface ReaderOptions {
  limits?: Partial<ReaderLimits>;
  /**
   * Whether a literal is delivered as literal-data events instead of being buffered.
   * Called with the command read so far. Default: APPEND's message literal.
   */
  streamLiteral?: (prefix: RawCommand, literal: LiteralHeader) => boolean;
}

type Mode =
  | { kind: "line" }
  | { kind: "literal"; remaining: number; pieces: Buffer[]; header: LiteralHeader }
  | { kind: "stream-pending"; header: LiteralHeader }
  | { kind: "stream"; remaining: number; header: LiteralHeader }
  | { kind: "drain"; remaining: number }
  /** A non-synchronising literal too large even to drain: the input cannot be followed. */
  | { kind: "dead"; reported: boolean };

interface PendingCommand {
  /** null when the line had no valid tag (answer `* BAD`). */
  tag: string | null;
  /** Upper-cased name without UID, null when none was read. */
  name: string | null;
  uid: boolean;
  parts: CommandPart[];
  size: number;
}

/** Bytes kept from the end of an over-long line, to notice a literal marker there. */
const TAIL_KEEP = 32;
/** Bytes of an over-long line searched for its tag and command name. */
const HEAD_KEEP = 1024;
const OVERFLOW = Symbol("overflow");
const SKIPPED = Symbol("skipped");

/**
 * Frames IMAP commands out of socket chunks. push() adds bytes; next() returns the next
 * event, or null when more bytes are needed. Nothing is read ahead of the caller: a
 * session that stops calling next() (to await a store operation) leaves the bytes
 * queued, and should pause its socket once `bufferedBytes` grows.
 */
export class CommandReader {
  readonly limits: ReaderLimits;
  private readonly streamLiteral: (prefix: RawCommand, literal: LiteralHeader) => boolean;
  private input: Buffer[] = [];
  private inputOffset = 0;
  private inputBytes = 0;
  private mode: Mode = { kind: "line" };
  private lineParts: Buffer[] = [];
  private lineLength = 0;
  /** The current line went over the limit; its rest is skipped, its last bytes kept. */
  private skipping: Buffer | null = null;
  private cmd: PendingCommand | null = null;
  /** An error was reported for the current command; read on to its end, keeping nothing. */
  private discarding = false;
  private lineWanted = false;
  /** The over-long line being reported has already ended. */
  private overflowEnded = false;

  constructor(options: ReaderOptions = {}) {
    this.limits = { ...defaultReaderLimits, ...options.limits };
    this.streamLiteral = options.streamLiteral ?? isAppendMessageLiteral;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0 || this.mode.kind === "dead") return;
    this.input.push(chunk);
    this.inputBytes += chunk.length;
  }

  /** Bytes held: queued input plus the partial line, literal and command being assembled. */
  get bufferedBytes(): number {
    const literal = this.mode.kind === "literal" ? this.mode.pieces.reduce((n, b) => n + b.length, 0) : 0;
    return this.inputBytes + this.lineLength + literal + (this.cmd?.size ?? 0);
  }

  /** The next line is a bare line (IDLE's DONE, a SASL response), not a command. */
  expectLine(): void {
    this.lineWanted = true;
  }

  /**
   * Refuse the literal announced by the last literal-start event: a synchronising one is
   * never sent by the client; a non-synchronising one is read and dropped. Either way the
   * command is abandoned and no further event reports it.
   */
  refuseLiteral(): void {
    if (this.mode.kind !== "stream-pending") throw new Error("refuseLiteral() without a pending literal");
    const { header } = this.mode;
    this.mode = { kind: "line" };
    this.discarding = true;
    this.afterError(header);
  }

  next(): ReaderEvent | null {
    for (;;) {
      const mode = this.mode;
      switch (mode.kind) {
        case "dead":
          if (mode.reported) return null;
          mode.reported = true;
          return { type: "error", error: this.fatalError() };
        case "stream-pending":
          this.mode = { kind: "stream", remaining: mode.header.size, header: mode.header };
          continue;
        case "stream": {
          if (mode.remaining === 0) {
            this.cmd!.parts.push({ kind: "streamed", size: mode.header.size, binary: mode.header.binary });
            this.mode = { kind: "line" };
            return { type: "literal-end" };
          }
          const chunk = this.take(mode.remaining);
          if (chunk === null) return null;
          mode.remaining -= chunk.length;
          return { type: "literal-data", chunk };
        }
        case "drain":
          while (mode.remaining > 0) {
            const chunk = this.take(mode.remaining);
            if (chunk === null) return null;
            mode.remaining -= chunk.length;
          }
          this.mode = { kind: "line" };
          continue;
        case "literal": {
          while (mode.remaining > 0) {
            const chunk = this.take(mode.remaining);
            if (chunk === null) return null;
            mode.pieces.push(chunk);
            mode.remaining -= chunk.length;
          }
          const bytes = Buffer.concat(mode.pieces);
          this.cmd!.parts.push({ kind: "literal", bytes, binary: mode.header.binary });
          this.cmd!.size += bytes.length;
          this.mode = { kind: "line" };
          continue;
        }
        case "line": {
          const line = this.readLine();
          if (line === null) return null;
          if (line === SKIPPED) continue;
          if (line === OVERFLOW) return this.overLongLine();
          const event = this.handleLine(line);
          if (event !== null) return event;
        }
      }
    }
  }

  /** A slice of at most `max` queued bytes, or null when none are queued. */
  private take(max: number): Buffer | null {
    const first = this.input[0];
    if (first === undefined) return null;
    const n = Math.min(max, first.length - this.inputOffset);
    const out = first.subarray(this.inputOffset, this.inputOffset + n);
    this.consume(n);
    return out;
  }

  private consume(n: number): void {
    this.inputOffset += n;
    this.inputBytes -= n;
    if (this.inputOffset === this.input[0]!.length) {
      this.input.shift();
      this.inputOffset = 0;
    }
  }

  /**
   * The next complete line without its line break (CRLF, or a bare LF as Dovecot
   * accepts), null when more bytes are needed, OVERFLOW the moment the line outgrows the
   * limit, SKIPPED when the rest of an over-long line has gone by.
   */
  private readLine(): Buffer | typeof OVERFLOW | typeof SKIPPED | null {
    for (;;) {
      const first = this.input[0];
      if (first === undefined) return null;
      const lf = first.indexOf(10, this.inputOffset);
      const end = lf === -1 ? first.length : lf;
      const piece = first.subarray(this.inputOffset, end);
      this.consume(end - this.inputOffset + (lf === -1 ? 0 : 1));
      if (this.skipping !== null) {
        this.skipping = Buffer.concat([this.skipping, piece.subarray(-TAIL_KEEP)]).subarray(-TAIL_KEEP);
        if (lf === -1) continue;
        this.endSkippedLine();
        return SKIPPED;
      }
      this.lineParts.push(piece);
      this.lineLength += piece.length;
      if (lf === -1) {
        // +1: the CR of a CRLF not yet seen is not part of the line
        if (this.lineLength > this.limits.maxLineLength + 1) return OVERFLOW;
        continue;
      }
      let line = this.lineParts.length === 1 ? this.lineParts[0]! : Buffer.concat(this.lineParts);
      if (line.length > 0 && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
      if (line.length > this.limits.maxLineLength) {
        // the whole line is in: overLongLine() finds its end already seen
        this.lineParts = [line];
        this.overflowEnded = true;
        return OVERFLOW;
      }
      this.lineParts = [];
      this.lineLength = 0;
      return line;
    }
  }

  /** Reports an over-long line, then skips the rest of it. */
  private overLongLine(): ReaderEvent {
    const line = Buffer.concat(this.lineParts);
    this.lineParts = [];
    this.lineLength = 0;
    this.skipping = line.subarray(-TAIL_KEEP);
    let error: ProtocolError;
    if (this.lineWanted && this.cmd === null) {
      this.lineWanted = false;
      error = commandError(null, null, "Too long argument");
    } else {
      if (this.cmd === null) {
        const head = readTruncatedHead(line);
        this.cmd = { tag: head.tag, name: head.bareName, uid: head.uid, parts: [], size: 0 };
        error = commandError(head.tag, head.name, "Too long argument");
      } else {
        error = this.errorFor("Too long argument");
      }
      this.discarding = true;
    }
    if (this.overflowEnded) {
      this.overflowEnded = false;
      this.endSkippedLine();
    }
    return { type: "error", error };
  }

  /**
   * The skipped line ended. A non-synchronising literal announced at its end is drained,
   * so that its bytes are not taken for commands; otherwise the command is over.
   */
  private endSkippedLine(): void {
    let tail = this.skipping!;
    this.skipping = null;
    if (tail.length > 0 && tail[tail.length - 1] === 13) tail = tail.subarray(0, -1);
    this.afterError(findLiteralMarker(tail)?.header ?? null);
  }

  private errorFor(reason: string, status: "BAD" | "NO" = "BAD", code: string | null = null): ProtocolError {
    const { tag, name, uid } = this.cmd!;
    return { ...commandError(tag, name === null ? null : displayName({ name, uid }), reason), status, code };
  }

  private fatalError(): ProtocolError {
    const cmd = this.cmd;
    const base =
      cmd === null
        ? commandError(null, null, "Literal size too large")
        : this.errorFor("Literal size too large");
    return { ...base, code: "TOOBIG", fatal: true };
  }

  private handleLine(line: Buffer): ReaderEvent | null {
    if (this.lineWanted && this.cmd === null) {
      this.lineWanted = false;
      return { type: "line", bytes: line };
    }
    const marker = findLiteralMarker(line);
    const header = marker?.header ?? null;
    const text = marker === null ? line : line.subarray(0, marker.textEnd);
    if (this.discarding) {
      this.afterError(header);
      return null;
    }
    if (this.cmd === null) {
      const head = readCommandHead(text);
      this.cmd = { tag: head.tag, name: head.bareName, uid: head.uid, parts: [], size: 0 };
      if (head.error !== null) {
        this.discarding = true;
        const error = commandError(head.tag, head.name, head.error);
        this.afterError(header);
        return { type: "error", error };
      }
      this.cmd.parts.push({ kind: "line", bytes: text.subarray(head.argsStart) });
    } else {
      this.cmd.parts.push({ kind: "line", bytes: text });
    }
    this.cmd.size += text.length;
    if (this.cmd.size > this.limits.maxCommandSize) return this.fail("Too long argument", header);
    if (header === null) {
      const command = this.rawCommand();
      this.endCommand();
      return { type: "command", command };
    }
    return this.startLiteral(header);
  }

  private startLiteral(header: LiteralHeader): ReaderEvent | null {
    const { limits } = this;
    if (!header.sync && limits.nonSynchronizing === "off")
      return this.fail("Non-synchronizing literals not supported", header);
    // RFC 7888 §4: a LITERAL- server rejects a larger {n+} with a tagged BAD [TOOBIG].
    if (!header.sync && limits.nonSynchronizing === "LITERAL-" && header.size > LITERAL_MINUS_MAX)
      return this.fail("Literal size too large", header, "BAD", "TOOBIG");
    const cmd = this.cmd!;
    const prefix = this.rawCommand();
    if (this.streamLiteral(prefix, header)) {
      // RFC 7889 §4 answers an APPEND larger than the server takes with NO [TOOBIG].
      if (header.size > limits.maxStreamedLiteralSize)
        return this.fail("Literal size too large", header, "NO", "TOOBIG");
      this.mode = { kind: "stream-pending", header };
      return { type: "literal-start", command: prefix, literal: header };
    }
    if (header.size > limits.maxLiteralSize || cmd.size + header.size > limits.maxCommandSize)
      return this.fail("Literal size too large", header, "BAD", "TOOBIG");
    this.mode = { kind: "literal", remaining: header.size, pieces: [], header };
    return header.sync ? { type: "continue", tag: prefix.tag } : null;
  }

  private fail(
    reason: string,
    header: LiteralHeader | null,
    status: "BAD" | "NO" = "BAD",
    code: string | null = null,
  ): ReaderEvent {
    const error = this.errorFor(reason, status, code);
    this.discarding = true;
    this.afterError(header);
    if (this.mode.kind === "dead") {
      this.mode.reported = true;
      error.fatal = true;
    }
    return { type: "error", error };
  }

  /**
   * After an error the rest of the command is skipped: a synchronising literal will never
   * be sent (no `+` went out), so the command ends here; a non-synchronising one is on its
   * way and is drained, unless it is too large to wait for.
   */
  private afterError(header: LiteralHeader | null): void {
    if (header === null || header.sync) {
      this.cmd = null;
      this.discarding = false;
    } else if (header.size > this.limits.maxStreamedLiteralSize) {
      this.mode = { kind: "dead", reported: false };
      this.input = [];
      this.inputOffset = 0;
      this.inputBytes = 0;
    } else {
      this.mode = { kind: "drain", remaining: header.size };
    }
  }

  /** The command being read, once its head was valid (a copy of its parts so far). */
  private rawCommand(): RawCommand {
    const { tag, name, uid, parts } = this.cmd!;
    return { tag: tag!, name: name!, uid, parts: [...parts] };
  }

  private endCommand(): void {
    this.cmd = null;
    this.discarding = false;
  }
}

/**
 * Tag and name of an over-long line from its first bytes; each only when a space ends it
 * there (Dovecot: "* BAD Error in IMAP tag: Too long argument" for a line of one word).
 */
function readTruncatedHead(line: Buffer): CommandHead {
  const head = readCommandHead(line.subarray(0, HEAD_KEEP));
  const firstSpace = line.indexOf(0x20);
  if (firstSpace === -1 || firstSpace >= HEAD_KEEP) return { ...head, tag: null, name: null, bareName: null };
  if (head.argsStart >= Math.min(line.length, HEAD_KEEP)) return { ...head, name: null, bareName: null };
  return head;
}
