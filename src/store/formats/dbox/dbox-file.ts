import type { FileHandle } from "node:fs/promises";
import { StoreError } from "../../errors.js";

/**
 * The dbox file syntax shared by sdbox and mdbox (storage-dbox.md §2-3): a header line, then per
 * message a fixed header (magic 01 02, type N, size in 16 uppercase hex digits), the message with
 * LF line ends, and a metadata block `\n 01 03 \n` + `<key><value>\n` lines + `\n`.
 */

/** The message header size Dovecot writes (`M1e`); readers use the value in the file. */
export const MESSAGE_HEADER_SIZE = 30;
const METADATA_MAGIC = Buffer.from([0x0a, 0x01, 0x03, 0x0a]);
const FILE_HEADER_MAX = 256;
const METADATA_READ = 512;
/** Metadata is a handful of short lines; more than this is a corrupt file, not a block to follow. */
const METADATA_MAX = 64 * 1024;

export function fileHeader(createdSecs: number): Buffer {
  return Buffer.from(`2 M${MESSAGE_HEADER_SIZE.toString(16)} C${createdSecs.toString(16)}\n`, "latin1");
}

export function messageHeader(size: number): Buffer {
  const hex = size.toString(16).toUpperCase().padStart(16, "0");
  return Buffer.from(`\x01\x02N${" ".repeat(10)}${hex}\n`, "latin1");
}

/** Metadata in the order Dovecot writes it: R, V, G, then the rest (B for mdbox, P/O for migrations). */
export interface DboxMetadata {
  guid: string;
  receivedSecs: number;
  vsize: number;
  /** Original mailbox (mdbox), modified UTF-7 with `/` between levels. */
  mailbox?: string;
  /** Keys Loft does not interpret (P, O, Z, X, ...), kept as read. */
  other?: Record<string, string>;
}

export function metadataBlock(meta: DboxMetadata): Buffer {
  let text = `R${meta.receivedSecs.toString(16)}\nV${meta.vsize.toString(16)}\nG${meta.guid}\n`;
  if (meta.mailbox !== undefined) text += `B${meta.mailbox}\n`;
  for (const [key, value] of Object.entries(meta.other ?? {})) text += `${key}${value}\n`;
  return Buffer.concat([METADATA_MAGIC, Buffer.from(`${text}\n`, "latin1")]);
}

export interface FileHeader {
  /** Length of the header line including its LF: where the first record starts. */
  length: number;
  messageHeaderSize: number;
  createdSecs: number;
}

function corrupt(path: string, why: string): StoreError {
  return new StoreError("CORRUPT", `Broken dbox file ${path}: ${why}`);
}

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

export async function readFileHeader(handle: FileHandle, path: string): Promise<FileHeader> {
  const head = await readAt(handle, 0, FILE_HEADER_MAX);
  const end = head.indexOf(0x0a);
  if (end < 0) throw corrupt(path, "no header line");
  const fields = head.subarray(0, end).toString("latin1").split(" ");
  // Version 1 files are still readable (same record syntax); Dovecot never writes them any more.
  if (fields[0] !== "2" && fields[0] !== "1") throw corrupt(path, `unknown version ${fields[0]}`);
  let messageHeaderSize = 0;
  let createdSecs = 0;
  for (const field of fields.slice(1)) {
    const value = Number.parseInt(field.slice(1), 16);
    if (field[0] === "M") messageHeaderSize = value;
    if (field[0] === "C") createdSecs = value;
  }
  // A missing or zero M makes the file unreadable for Dovecot too.
  if (!(messageHeaderSize >= MESSAGE_HEADER_SIZE)) throw corrupt(path, "bad message header size");
  return { length: end + 1, messageHeaderSize, createdSecs: Number.isFinite(createdSecs) ? createdSecs : 0 };
}

export interface DboxRecord {
  /** Offset of the record (its message header) in the file. */
  offset: number;
  /** Where the message bytes start, and how many there are. */
  messageStart: number;
  size: number;
  metadata: DboxMetadata;
  /** Offset just past the metadata block: the next record, or the end of the file. */
  end: number;
}

function parseMetadata(lines: string[]): DboxMetadata {
  const meta: DboxMetadata = { guid: "", receivedSecs: 0, vsize: -1 };
  const other: Record<string, string> = {};
  for (const line of lines) {
    const key = line[0]!;
    const value = line.slice(1);
    if (key === "G") meta.guid = value;
    else if (key === "R") meta.receivedSecs = Number.parseInt(value, 16) || 0;
    else if (key === "V") meta.vsize = Number.parseInt(value, 16);
    else if (key === "B") meta.mailbox = value;
    else if (/^[A-Z]$/.test(key)) other[key] = value;
  }
  if (Object.keys(other).length > 0) meta.other = other;
  return meta;
}

/** Reads the record at `offset`; undefined at the end of the file. Throws CORRUPT on a bad record. */
export async function readRecord(
  handle: FileHandle,
  path: string,
  header: FileHeader,
  offset: number,
): Promise<DboxRecord | undefined> {
  const head = await readAt(handle, offset, header.messageHeaderSize);
  if (head.length === 0) return undefined;
  if (head.length < header.messageHeaderSize || head[0] !== 0x01 || head[1] !== 0x02 || head[2] !== 0x4e) {
    throw corrupt(path, `bad message header at offset ${offset}`);
  }
  const hex = head.subarray(13, 29).toString("latin1");
  if (!/^[0-9A-Fa-f]{16}$/.test(hex)) throw corrupt(path, `bad message size at offset ${offset}`);
  const size = Number.parseInt(hex, 16);
  const messageStart = offset + header.messageHeaderSize;
  let position = messageStart + size;
  let block = await readAt(handle, position, METADATA_READ);
  if (block.length < 4 || !block.subarray(0, 4).equals(METADATA_MAGIC)) {
    throw corrupt(path, `no metadata after the message at offset ${offset}`);
  }
  const lines: string[] = [];
  let at = 4;
  for (;;) {
    const lf = block.indexOf(0x0a, at);
    if (lf < 0) {
      if (block.length - at >= METADATA_MAX) throw corrupt(path, `metadata too long at offset ${offset}`);
      const more = await readAt(handle, position + block.length, METADATA_READ);
      if (more.length === 0) throw corrupt(path, `truncated metadata at offset ${offset}`);
      block = Buffer.concat([block.subarray(at), more]);
      position += at;
      at = 0;
      continue;
    }
    const line = block.subarray(at, lf).toString("latin1");
    at = lf + 1;
    // An empty line ends the block; so does a line starting with a space (version 1 files).
    if (line === "" || line.startsWith(" ")) break;
    lines.push(line);
  }
  return { offset, messageStart, size, metadata: parseMetadata(lines), end: position + at };
}

/** A complete message header as Dovecot checks one when it looks for the next record (dbox-file-fix). */
function isMessageHeader(bytes: Buffer): boolean {
  return (
    bytes.length >= MESSAGE_HEADER_SIZE &&
    bytes[0] === 0x01 &&
    bytes[1] === 0x02 &&
    bytes[2] === 0x4e &&
    bytes[3] === 0x20 &&
    bytes[12] === 0x20 &&
    bytes[29] === 0x0a &&
    /^[0-9A-Fa-f]{16}$/.test(bytes.subarray(13, 29).toString("latin1"))
  );
}

const NEXT_HEADER = Buffer.from([0x0a, 0x01, 0x02, 0x4e]);
const SCAN_CHUNK = 256 * 1024;

/**
 * True when the bytes from `offset` (where a record failed to parse) to the end of the file are
 * what an append cut short leaves, and nothing else: a record whose header is still the zero
 * placeholder (a save writes the real one last, as Dovecot's does) or a real header whose record
 * runs into the end of the file (a purge's copy writes it first), with no further message header
 * after it. A file broken in any other way holds more than an unfinished append.
 */
export async function unfinishedAppend(
  handle: FileHandle,
  header: FileHeader,
  offset: number,
): Promise<boolean> {
  const { size: fileSize } = await handle.stat();
  const head = await readAt(handle, offset, header.messageHeaderSize);
  if (head.length === 0) return false;
  if (!head.every((b) => b === 0)) {
    if (!isMessageHeader(head)) return false;
    const bodyEnd = offset + header.messageHeaderSize + Number.parseInt(head.toString("latin1", 13, 29), 16);
    // The body and the metadata magic fit: the block must still be open at the end of the file.
    if (bodyEnd + METADATA_MAGIC.length <= fileSize) {
      const rest = await readAt(handle, bodyEnd, Math.min(fileSize - bodyEnd, METADATA_MAX));
      if (!rest.subarray(0, METADATA_MAGIC.length).equals(METADATA_MAGIC)) return false;
      if (rest.indexOf("\n\n", METADATA_MAGIC.length - 1) >= 0 || fileSize - bodyEnd > METADATA_MAX)
        return false;
    }
  }
  for (let at = offset + head.length; at < fileSize; at += SCAN_CHUNK) {
    // Chunks overlap by a header, so one cut in two is still seen.
    const chunk = await readAt(handle, at - 1, SCAN_CHUNK + header.messageHeaderSize);
    for (let i = chunk.indexOf(NEXT_HEADER); i >= 0; i = chunk.indexOf(NEXT_HEADER, i + 1)) {
      if (isMessageHeader(chunk.subarray(i + 1))) return false;
    }
  }
  return true;
}

/** Every record of a file, in order. */
export async function* readRecords(handle: FileHandle, path: string): AsyncGenerator<DboxRecord> {
  const header = await readFileHeader(handle, path);
  let offset = header.length;
  for (;;) {
    const record = await readRecord(handle, path, header, offset);
    if (!record) return;
    yield record;
    offset = record.end;
  }
}
