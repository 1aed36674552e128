import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { StoreError } from "../../errors.js";
import { FileWindow } from "./file-window.js";
import { parseFromLine } from "./from-line.js";
import {
  fieldValue,
  type HeaderField,
  type ImapBase,
  lettersToFlags,
  type MessageState,
  parseImapBase,
  STATE_HEADERS,
  splitHeaderFields,
} from "./mbox-headers.js";

/** One message's place in the file and what its headers say. Offsets are absolute, ends exclusive. */
export interface MboxMessage extends MessageState {
  fromStart: number;
  headerStart: number;
  /** End of the header fields (start of the empty line). */
  headerEnd: number;
  bodyStart: number;
  /** End of the message; the separator LF (if any) follows. */
  bodyEnd: number;
  /** Start of the next From_ line, or the file size. */
  next: number;
  internalDate: number;
  /** MD5 of the header fields other than the state headers: stable across flag changes. */
  guid: string;
  /** Size of the header fields clients see (all but the state headers), and the bare LFs among them. */
  visibleHeaderBytes: number;
  visibleHeaderLines: number;
  /** The state headers do not say what this holds (a UID assigned now, foreign keywords dropped). */
  stale: boolean;
}

export interface ParsedMbox {
  ino: number;
  size: number;
  mtimeNs: bigint;
  /** X-IMAPbase (or X-IMAP) of the first message, when valid. */
  base: ImapBase | undefined;
  /** UW-IMAP's hidden "FOLDER INTERNAL DATA" message, kept but never shown (§4). */
  pseudo: MboxMessage | undefined;
  messages: MboxMessage[];
  nextUid: number;
  /** Some state is not in the file yet (assigned UIDs, a missing or odd X-IMAPbase, foreign keywords). */
  dirty: boolean;
}

function isSeparator(line: Buffer): boolean {
  return (
    line[0] === 0x46 &&
    line.subarray(0, 5).toString("latin1") === "From " &&
    parseFromLine(line.toString("latin1").replace(/\r?\n$/, "")) !== undefined
  );
}

function isEmptyLine(line: Buffer): boolean {
  return (
    (line.length === 1 && line[0] === 0x0a) || (line.length === 2 && line[0] === 0x0d && line[1] === 0x0a)
  );
}

interface RawMessage {
  fromStart: number;
  headerStart: number;
  headerEnd: number;
  bodyStart: number;
  bodyEnd: number;
  next: number;
  internalDate: number;
  fields: ReturnType<typeof splitHeaderFields>;
}

/** Where the message whose body starts at `bodyStart` ends (§2.3, §3.3). */
async function findEnd(
  win: FileWindow,
  bodyStart: number,
  contentLength: number | undefined,
): Promise<{ bodyEnd: number; next: number }> {
  const size = win.size;
  if (contentLength !== undefined) {
    const at = bodyStart + contentLength;
    if (at === size) return { bodyEnd: at, next: size };
    if (at < size && (await win.byteAt(at)) === 0x0a) {
      if (at === size - 1) return { bodyEnd: at, next: size };
      if (isSeparator(await win.line(at + 1))) return { bodyEnd: at, next: at + 1 };
    }
  }
  let pos = bodyStart;
  while (pos < size) {
    const line = await win.line(pos);
    if (isSeparator(line)) {
      // The LF before the From_ line is the separator, and a CR before it goes with it.
      let end = Math.max(bodyStart, pos - 1);
      if (end > bodyStart && (await win.byteAt(end - 1)) === 0x0d) end--;
      return { bodyEnd: end, next: pos };
    }
    pos += line.length;
  }
  const trailer = size > bodyStart && (await win.byteAt(size - 1)) === 0x0a ? 1 : 0;
  return { bodyEnd: size - trailer, next: size };
}

async function readMessage(win: FileWindow, fromStart: number): Promise<RawMessage> {
  const fromLine = await win.line(fromStart);
  const internalDate = parseFromLine(fromLine.toString("latin1").replace(/\r?\n$/, "")) ?? 0;
  const headerStart = fromStart + fromLine.length;
  let pos = headerStart;
  let headerEnd = -1;
  let bodyStart = -1;
  while (pos < win.size) {
    const line = await win.line(pos);
    if (isEmptyLine(line)) {
      headerEnd = pos;
      bodyStart = pos + line.length;
      break;
    }
    if (isSeparator(line)) {
      // A header cut short by the next message: no body.
      const fields = splitHeaderFields(await win.bytes(headerStart, pos - headerStart));
      return {
        fromStart,
        headerStart,
        headerEnd: pos,
        bodyStart: pos,
        bodyEnd: pos,
        next: pos,
        internalDate,
        fields,
      };
    }
    pos += line.length;
  }
  if (headerEnd < 0) headerEnd = bodyStart = win.size;
  const fields = splitHeaderFields(Buffer.from(await win.bytes(headerStart, headerEnd - headerStart)));
  const lengthField = fields.find((f) => f.name === "content-length");
  const lengthText = lengthField ? fieldValue(lengthField) : undefined;
  const contentLength =
    lengthText !== undefined && /^\d{1,15}$/.test(lengthText) ? Number(lengthText) : undefined;
  const { bodyEnd, next } = await findEnd(win, bodyStart, contentLength);
  return { fromStart, headerStart, headerEnd, bodyStart, bodyEnd, next, internalDate, fields };
}

/** The header fields clients see: all but Dovecot's state headers (§3.4). */
export function visibleFields(fields: readonly HeaderField[]): HeaderField[] {
  return fields.filter((f) => f.name === undefined || !STATE_HEADERS.has(f.name));
}

function value(raw: RawMessage, name: string): string | undefined {
  const field = raw.fields.find((f) => f.name === name);
  return field ? fieldValue(field) : undefined;
}

/**
 * Reads the whole mbox: message boundaries, state headers and UIDs (§4). Messages without a valid
 * X-UID get the next UID here, in file order, and the result is marked dirty so the caller writes
 * them under the write lock.
 */
export async function parseMbox(handle: FileHandle): Promise<ParsedMbox> {
  const st = await handle.stat({ bigint: true });
  const win = new FileWindow(handle, Number(st.size));
  const result: ParsedMbox = {
    ino: Number(st.ino),
    size: Number(st.size),
    mtimeNs: st.mtimeNs,
    base: undefined,
    pseudo: undefined,
    messages: [],
    nextUid: 1,
    dirty: false,
  };
  if (win.size === 0) return result;
  if (!isSeparator(await win.line(0))) {
    throw new StoreError("CORRUPT", "mbox file doesn't begin with 'From ' line");
  }
  let lastUid = 0;
  for (let pos = 0; pos < win.size; ) {
    const raw = await readMessage(win, pos);
    pos = raw.next;
    const first = raw.fromStart === 0;
    if (first) {
      const uw = value(raw, "x-imap");
      const own = value(raw, "x-imapbase");
      const base =
        uw !== undefined
          ? parseImapBase("X-IMAP", uw)
          : own !== undefined
            ? parseImapBase("X-IMAPbase", own)
            : undefined;
      if (base) {
        result.base = {
          name: base.name,
          uidValidity: base.uidValidity,
          uidLast: base.uidLast,
          keywords: base.keywords,
        };
        result.nextUid = base.uidLast + 1;
        if (!base.exact) result.dirty = true;
      } else {
        result.dirty = true;
      }
    }
    const message = toMessage(raw);
    if (first && value(raw, "x-imap") !== undefined && result.base?.name === "X-IMAP") {
      result.pseudo = message;
      continue;
    }
    // Strictly increasing and not beyond the next UID, or a stray X-UID could use up the UID space (§4).
    if (!result.base || message.uid <= lastUid || message.uid > result.nextUid) {
      message.uid = result.nextUid;
      message.stale = true;
    }
    if (message.keywords.length > 0 && !message.keywords.every((k) => result.base?.keywords.includes(k))) {
      // A name X-IMAPbase does not list makes Dovecot treat the whole header as foreign (§4).
      message.keywords = [];
      message.stale = true;
    }
    if (message.stale) result.dirty = true;
    lastUid = message.uid;
    result.nextUid = Math.max(result.nextUid, message.uid + 1);
    result.messages.push(message);
  }
  return result;
}

function toMessage(raw: RawMessage): MboxMessage {
  const hash = createHash("md5");
  let visibleHeaderBytes = 0;
  let visibleHeaderLines = 0;
  for (const field of visibleFields(raw.fields)) {
    hash.update(field.raw);
    visibleHeaderBytes += field.raw.length;
    visibleHeaderLines += bareLineFeeds(field.raw, 0);
  }
  const uidText = value(raw, "x-uid");
  const status = value(raw, "status");
  return {
    fromStart: raw.fromStart,
    headerStart: raw.headerStart,
    headerEnd: raw.headerEnd,
    bodyStart: raw.bodyStart,
    bodyEnd: raw.bodyEnd,
    next: raw.next,
    internalDate: raw.internalDate,
    guid: hash.digest("hex"),
    visibleHeaderBytes,
    visibleHeaderLines,
    stale: false,
    uid: uidText !== undefined && /^\d{1,10}$/.test(uidText) ? Number(uidText) : 0,
    flags: lettersToFlags(status, value(raw, "x-status")),
    old: status?.includes("O") ?? false,
    keywords: (value(raw, "x-keywords") ?? "").split(/\s+/).filter((k) => k !== ""),
  };
}

/** LFs not preceded by CR (each is one byte more in the CRLF form); `before` is the byte before `buf`. */
export function bareLineFeeds(buf: Buffer, before: number): number {
  let count = 0;
  for (let i = buf.indexOf(0x0a); i >= 0; i = buf.indexOf(0x0a, i + 1)) {
    if ((i === 0 ? before : buf[i - 1]) !== 0x0d) count++;
  }
  return count;
}
