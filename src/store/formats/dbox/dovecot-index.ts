import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { errnoCode } from "../../errors.js";

/**
 * A reader of Dovecot 2.3's mail index (`<prefix>` = dovecot.index, dovecot.map.index) and its
 * transaction log (`<prefix>.log`, `<prefix>.log.2`): the state Dovecot's own sync would build,
 * restricted to what Loft adopts — UIDVALIDITY, next UID, each record's UID, flags, keywords and
 * extension data by extension name. Read only; Loft never writes these files. Dovecot writes
 * dovecot.index only once the log has grown, so a small mailbox often has nothing but the log.
 * Layouts checked against `doveadm dump` of files Dovecot 2.3.19 wrote.
 */

export interface DovecotIndexRecord {
  uid: number;
  /** Dovecot's flag bits: 1 \Answered, 2 \Flagged, 4 \Deleted, 8 \Seen, 0x10 \Draft. */
  flags: number;
  keywords: Set<string>;
  /** Record data of each extension by name (e.g. "mdbox": map_uid, save date; "map": file id, offset, size). */
  ext: Map<string, Buffer>;
}

export interface DovecotIndex {
  uidValidity: number;
  nextUid: number;
  /** Live records in UID order. */
  records: DovecotIndexRecord[];
}

export class DovecotIndexError extends Error {
  override name = "DovecotIndexError";
}

const INDEX_MAJOR_VERSION = 7;
const BASE_HEADER_MIN = 72;
const HDR_UID_VALIDITY = 24;
const HDR_NEXT_UID = 28;

const T_EXPUNGE = 0x1;
const T_APPEND = 0x2;
const T_FLAG_UPDATE = 0x4;
const T_HEADER_UPDATE = 0x20;
const T_EXT_INTRO = 0x40;
const T_EXT_RESET = 0x80;
const T_EXT_HDR_UPDATE = 0x100;
const T_EXT_REC_UPDATE = 0x200;
const T_KEYWORD_UPDATE = 0x400;
const T_KEYWORD_RESET = 0x800;
const T_EXT_ATOMIC_INC = 0x1000;
const T_EXPUNGE_GUID = 0x2000;
const T_MODSEQ_UPDATE = 0x8000;
const T_EXT_HDR_UPDATE32 = 0x10000;
const T_INDEX_DELETED = 0x20000;
const T_INDEX_UNDELETED = 0x40000;
const T_BOUNDARY = 0x80000;
const T_ATTRIBUTE_UPDATE = 0x100000;
const T_TYPE_MASK = 0x0fffffff;
/** ORed into expunge types, so a garbled log cannot expunge by accident. */
const T_EXPUNGE_PROT = 0xcd90;
/** The change already happened (an expunge without it is only a request). */
const T_EXTERNAL = 0x10000000;
const IGNORED_TYPES = new Set([T_MODSEQ_UPDATE, T_INDEX_DELETED, T_INDEX_UNDELETED, T_ATTRIBUTE_UPDATE]);

const KEYWORDS_EXT = "keywords";
const APPEND_RECORD_SIZE = 8;

const align = (n: number, to: number) => Math.ceil(n / to) * to;

/**
 * Record sizes in the log are written in Dovecot's packed form: the size divided by 4, seven bits
 * per byte from the most significant, each byte with its high bit set (so a size never reads as 0).
 */
export function packedToSize(bytes: Buffer, at: number): number {
  let value = 0;
  for (let i = 0; i < 4; i++) {
    const b = bytes[at + i]!;
    if ((b & 0x80) === 0) throw new DovecotIndexError(`bad record size at ${at}`);
    value = value * 128 + (b & 0x7f);
  }
  return value * 4;
}

interface Ext {
  name: string;
  resetId: number;
}

/** The extension the log's following ext records are about, as its last intro record gave it. */
interface CurrentExt {
  ext: Ext;
  recordSize: number;
  /** The intro named an older reset of the extension: its updates no longer apply (Dovecot skips them). */
  stale: boolean;
}

class IndexState {
  header = Buffer.alloc(120);
  readonly exts: Ext[] = [];
  readonly records = new Map<number, DovecotIndexRecord>();

  extByName(name: string, resetId = 0): Ext {
    let ext = this.exts.find((e) => e.name === name);
    if (!ext) {
      ext = { name, resetId };
      this.exts.push(ext);
    }
    return ext;
  }

  get nextUid(): number {
    return this.header.readUInt32LE(HDR_NEXT_UID);
  }

  /** Records with uid1 <= UID <= uid2 (ranges may be as wide as 1..2^32-1). */
  *inRange(uid1: number, uid2: number): Iterable<DovecotIndexRecord> {
    if (uid2 - uid1 < 256) {
      for (let uid = uid1; uid <= uid2; uid++) {
        const record = this.records.get(uid);
        if (record) yield record;
      }
      return;
    }
    for (const record of [...this.records.values()])
      if (record.uid >= uid1 && record.uid <= uid2) yield record;
  }
}

async function readOptional(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw err;
  }
}

function cString(bytes: Buffer, start: number, end: number): string {
  const nul = bytes.indexOf(0, start);
  return bytes.toString("utf8", start, nul === -1 || nul > end ? end : nul);
}

/** dovecot.index: base header, extension headers (64-bit aligned), then fixed-size records. */
function loadIndexFile(
  bytes: Buffer,
  state: IndexState,
): { indexId: number; logSeq: number; logOffset: number } {
  if (bytes.length < BASE_HEADER_MIN || bytes[0] !== INDEX_MAJOR_VERSION) {
    throw new DovecotIndexError("not a version 7 index");
  }
  const baseSize = bytes.readUInt16LE(2);
  const headerSize = bytes.readUInt32LE(4);
  const recordSize = bytes.readUInt32LE(8);
  const count = bytes.readUInt32LE(32);
  if (baseSize < BASE_HEADER_MIN || headerSize < baseSize || recordSize < 5) {
    throw new DovecotIndexError("bad index header sizes");
  }
  if (headerSize + count * recordSize > bytes.length) throw new DovecotIndexError("index is truncated");
  state.header = Buffer.alloc(Math.max(120, baseSize));
  bytes.copy(state.header, 0, 0, baseSize);
  const exts: { name: string; recordOffset: number; recordSize: number; data: Buffer }[] = [];
  for (let at = baseSize; at + 16 <= headerSize; ) {
    const hdrSize = bytes.readUInt32LE(at);
    const resetId = bytes.readUInt32LE(at + 4);
    const extRecordOffset = bytes.readUInt16LE(at + 8);
    const extRecordSize = bytes.readUInt16LE(at + 10);
    const nameSize = bytes.readUInt16LE(at + 14);
    const name = bytes.toString("latin1", at + 16, at + 16 + nameSize);
    const dataStart = align(at + 16 + nameSize, 8);
    const next = dataStart + align(hdrSize, 8);
    if (next > headerSize || nameSize === 0 || extRecordOffset + extRecordSize > recordSize) {
      throw new DovecotIndexError(`bad extension header at ${at}`);
    }
    exts.push({
      name,
      recordOffset: extRecordOffset,
      recordSize: extRecordSize,
      data: bytes.subarray(dataStart, dataStart + hdrSize),
    });
    state.exts.push({ name, resetId });
    at = next;
  }
  const keywordNames = keywordsOf(exts.find((e) => e.name === KEYWORDS_EXT)?.data);
  for (let i = 0; i < count; i++) {
    const at = headerSize + i * recordSize;
    const record: DovecotIndexRecord = {
      uid: bytes.readUInt32LE(at),
      flags: bytes[at + 4]!,
      keywords: new Set(),
      ext: new Map(),
    };
    for (const ext of exts) {
      if (ext.recordSize === 0) continue;
      const data = bytes.subarray(at + ext.recordOffset, at + ext.recordOffset + ext.recordSize);
      if (ext.name === KEYWORDS_EXT) {
        keywordNames.forEach((name, bit) => {
          if (((data[bit >> 3] ?? 0) & (1 << (bit & 7))) !== 0) record.keywords.add(name);
        });
      } else {
        record.ext.set(ext.name, Buffer.from(data));
      }
    }
    if (record.uid === 0 || state.records.has(record.uid)) throw new DovecotIndexError("bad record UID");
    state.records.set(record.uid, record);
  }
  return {
    indexId: bytes.readUInt32LE(16),
    logSeq: bytes.readUInt32LE(60),
    logOffset: bytes.readUInt32LE(68),
  };
}

/** The "keywords" extension header: a count, 8-byte entries, then NUL-terminated names in bit order. */
function keywordsOf(data: Buffer | undefined): string[] {
  if (data === undefined || data.length < 4) return [];
  const count = data.readUInt32LE(0);
  const namesStart = 4 + count * 8;
  if (namesStart > data.length) throw new DovecotIndexError("bad keywords header");
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = namesStart + data.readUInt32LE(4 + i * 8 + 4);
    if (at >= data.length) throw new DovecotIndexError("bad keyword name offset");
    names.push(cString(data, at, data.length));
  }
  return names;
}

interface LogFile {
  bytes: Buffer;
  headerSize: number;
  indexId: number;
  fileSeq: number;
  prevFileSeq: number;
}

function logFile(bytes: Buffer): LogFile {
  if (bytes.length < 24 || bytes[0] !== 1) throw new DovecotIndexError("not a version 1 transaction log");
  const headerSize = bytes.readUInt16LE(2);
  if (headerSize < 24 || headerSize > bytes.length) throw new DovecotIndexError("bad log header size");
  return {
    bytes,
    headerSize,
    indexId: bytes.readUInt32LE(4),
    fileSeq: bytes.readUInt32LE(8),
    prevFileSeq: bytes.readUInt32LE(12),
  };
}

/** A field list of `count` entries of `size` bytes, exactly filling `body`. */
function entries(body: Buffer, size: number): number {
  if (body.length % size !== 0) throw new DovecotIndexError("bad record length");
  return body.length / size;
}

/** Applies the log's transactions from `start`, stopping before a transaction not completely written. */
function replayLog(log: LogFile, start: number, state: IndexState): void {
  const { bytes } = log;
  let current: CurrentExt | undefined;
  let at = start;
  if (at < log.headerSize || at > bytes.length) throw new DovecotIndexError("index points outside the log");
  while (at + 8 <= bytes.length) {
    const size = packedToSize(bytes, at);
    const rawType = bytes.readUInt32LE(at + 4);
    if (size < 8) throw new DovecotIndexError(`bad record size at ${at}`);
    // A record not completely written: a writer died, Dovecot ignores it too.
    if (at + size > bytes.length) break;
    const body = bytes.subarray(at + 8, at + size);
    let type = rawType & T_TYPE_MASK;
    const external = (rawType & T_EXTERNAL) !== 0;
    if ((type & (T_EXPUNGE | T_EXPUNGE_GUID)) !== 0) {
      if ((type & T_EXPUNGE_PROT) !== T_EXPUNGE_PROT)
        throw new DovecotIndexError("expunge without protection");
      type &= ~T_EXPUNGE_PROT;
    }
    switch (type) {
      case T_BOUNDARY:
        // The whole transaction must be there, else Dovecot ignores it (a writer died midway).
        if (body.length < 4 || at + body.readUInt32LE(0) > bytes.length) return;
        break;
      case T_APPEND:
        for (let i = 0, n = entries(body, APPEND_RECORD_SIZE); i < n; i++) {
          const uid = body.readUInt32LE(i * APPEND_RECORD_SIZE);
          if (uid === 0 || uid < state.nextUid)
            throw new DovecotIndexError(`append of UID ${uid} below next UID`);
          state.records.set(uid, {
            uid,
            flags: body[i * APPEND_RECORD_SIZE + 4]!,
            keywords: new Set(),
            ext: new Map(),
          });
          state.header.writeUInt32LE(uid + 1, HDR_NEXT_UID);
        }
        break;
      case T_EXPUNGE:
        if (!external) break;
        for (let i = 0, n = entries(body, 8); i < n; i++) {
          for (const r of state.inRange(body.readUInt32LE(i * 8), body.readUInt32LE(i * 8 + 4))) {
            state.records.delete(r.uid);
          }
        }
        break;
      case T_EXPUNGE_GUID:
        if (!external) break;
        for (let i = 0, n = entries(body, 20); i < n; i++) state.records.delete(body.readUInt32LE(i * 20));
        break;
      case T_FLAG_UPDATE:
        for (let i = 0, n = entries(body, 12); i < n; i++) {
          const add = body[i * 12 + 8]!;
          const remove = body[i * 12 + 9]!;
          for (const r of state.inRange(body.readUInt32LE(i * 12), body.readUInt32LE(i * 12 + 4))) {
            r.flags = (r.flags & ~remove) | add;
          }
        }
        break;
      case T_HEADER_UPDATE:
        for (let p = 0; p + 4 <= body.length; ) {
          const offset = body.readUInt16LE(p);
          const length = body.readUInt16LE(p + 2);
          if (p + 4 + length > body.length) throw new DovecotIndexError("bad header update");
          if (offset + length <= state.header.length) body.copy(state.header, offset, p + 4, p + 4 + length);
          p = align(p + 4 + length, 4);
        }
        break;
      case T_EXT_INTRO: {
        if (body.length < 20) throw new DovecotIndexError("bad extension intro");
        const extId = body.readUInt32LE(0);
        const resetId = body.readUInt32LE(4);
        const recordSize = body.readUInt16LE(12);
        const nameSize = body.readUInt16LE(18);
        if (20 + nameSize > body.length) throw new DovecotIndexError("bad extension intro");
        const ext =
          extId === 0xffffffff
            ? state.extByName(body.toString("latin1", 20, 20 + nameSize), resetId)
            : state.exts[extId];
        if (!ext) throw new DovecotIndexError(`unknown extension ${extId}`);
        current = { ext, recordSize, stale: ext.resetId !== resetId };
        break;
      }
      case T_EXT_RESET: {
        if (!current) throw new DovecotIndexError("extension reset without intro");
        if (body.length < 5) throw new DovecotIndexError("bad extension reset");
        current.ext.resetId = body.readUInt32LE(0);
        current.stale = false;
        if (body[4] === 0) for (const r of state.records.values()) r.ext.delete(current.ext.name);
        break;
      }
      case T_EXT_REC_UPDATE: {
        if (!current) throw new DovecotIndexError("extension update without intro");
        const step = align(4 + current.recordSize, 4);
        const n = entries(body, step);
        if (current.stale) break;
        for (let i = 0; i < n; i++) {
          const r = recordToUpdate(state, body.readUInt32LE(i * step));
          const data = body.subarray(i * step + 4, i * step + 4 + current.recordSize);
          r?.ext.set(current.ext.name, Buffer.from(data));
        }
        break;
      }
      case T_EXT_ATOMIC_INC: {
        if (!current) throw new DovecotIndexError("extension update without intro");
        const n = entries(body, 8);
        if (current.stale) break;
        for (let i = 0; i < n; i++) {
          const r = recordToUpdate(state, body.readUInt32LE(i * 8));
          if (r) atomicInc(r, current, body.readInt32LE(i * 8 + 4));
        }
        break;
      }
      case T_KEYWORD_UPDATE: {
        if (body.length < 4) throw new DovecotIndexError("bad keyword update");
        const add = body[0] === 0;
        const nameSize = body.readUInt16LE(2);
        const name = body.toString("utf8", 4, 4 + nameSize);
        const ranges = body.subarray(align(4 + nameSize, 4));
        state.extByName(KEYWORDS_EXT);
        for (let i = 0, n = entries(ranges, 8); i < n; i++) {
          for (const r of state.inRange(ranges.readUInt32LE(i * 8), ranges.readUInt32LE(i * 8 + 4))) {
            if (add) r.keywords.add(name);
            else r.keywords.delete(name);
          }
        }
        break;
      }
      case T_KEYWORD_RESET:
        for (let i = 0, n = entries(body, 8); i < n; i++) {
          for (const r of state.inRange(body.readUInt32LE(i * 8), body.readUInt32LE(i * 8 + 4)))
            r.keywords.clear();
        }
        break;
      case T_EXT_HDR_UPDATE:
      case T_EXT_HDR_UPDATE32:
        if (!current) throw new DovecotIndexError("extension header update without intro");
        break;
      default:
        if (!IGNORED_TYPES.has(type))
          throw new DovecotIndexError(`unknown log record type 0x${type.toString(16)}`);
    }
    at += size;
  }
}

/** The record an ext update is for; a UID never given out means a garbled log, as for Dovecot. */
function recordToUpdate(state: IndexState, uid: number): DovecotIndexRecord | undefined {
  if (uid === 0 || uid >= state.nextUid) throw new DovecotIndexError(`extension update for UID ${uid}`);
  return state.records.get(uid);
}

/** Adds `diff` to a record's counter (the "ref" count of the map index); leaving its range is garbage. */
function atomicInc(record: DovecotIndexRecord, current: CurrentExt, diff: number): void {
  const size = current.recordSize;
  if (![1, 2, 4, 8].includes(size)) throw new DovecotIndexError(`counter of ${size} bytes`);
  const data = record.ext.get(current.ext.name) ?? Buffer.alloc(size);
  const value =
    BigInt(`0x${Buffer.from(data.subarray(0, size)).reverse().toString("hex") || "0"}`) + BigInt(diff);
  if (value < 0n || value >= 1n << BigInt(size * 8)) throw new DovecotIndexError("counter out of range");
  const updated = Buffer.from(value.toString(16).padStart(size * 2, "0"), "hex").reverse();
  record.ext.set(current.ext.name, updated);
}

/**
 * Dovecot's index `<dir>/<prefix>` with its log applied; undefined when Dovecot left neither file.
 * Throws DovecotIndexError when the files are garbled or do not fit together (then the caller
 * must not trust any of it).
 */
export async function readDovecotIndex(
  dir: string,
  prefix = "dovecot.index",
): Promise<DovecotIndex | undefined> {
  const [indexBytes, logBytes, log2Bytes] = await Promise.all([
    readOptional(join(dir, prefix)),
    readOptional(join(dir, `${prefix}.log`)),
    readOptional(join(dir, `${prefix}.log.2`)),
  ]);
  if (indexBytes === undefined && logBytes === undefined) return undefined;
  const state = new IndexState();
  const head = logBytes === undefined ? undefined : logFile(logBytes);
  const prev = log2Bytes === undefined ? undefined : logFile(log2Bytes);
  if (indexBytes !== undefined) {
    const synced = loadIndexFile(indexBytes, state);
    if (head === undefined) throw new DovecotIndexError("index without its log");
    if (head.indexId !== synced.indexId) throw new DovecotIndexError("log belongs to another index");
    if (head.fileSeq === synced.logSeq) {
      replayLog(head, synced.logOffset, state);
    } else if (prev && prev.fileSeq === synced.logSeq && head.prevFileSeq === prev.fileSeq) {
      replayLog(prev, synced.logOffset, state);
      replayLog(head, head.headerSize, state);
    } else {
      throw new DovecotIndexError("the log the index was synced with is gone");
    }
  } else if (head) {
    // No index file yet: the log alone holds everything, from its first file on.
    if (
      prev &&
      head.prevFileSeq === prev.fileSeq &&
      prev.prevFileSeq === 0 &&
      prev.indexId === head.indexId
    ) {
      replayLog(prev, prev.headerSize, state);
    } else if (head.prevFileSeq !== 0) {
      throw new DovecotIndexError("the log's earlier file is gone");
    }
    replayLog(head, head.headerSize, state);
  }
  const uidValidity = state.header.readUInt32LE(HDR_UID_VALIDITY);
  if (uidValidity === 0) throw new DovecotIndexError("no UIDVALIDITY");
  const records = [...state.records.values()].sort((a, b) => a.uid - b.uid);
  const nextUid = Math.max(state.nextUid, (records.at(-1)?.uid ?? 0) + 1);
  return { uidValidity, nextUid, records };
}

/** Dovecot's flag bits as Loft's (flags.ts: 1 \Seen, 2 \Answered, 4 \Flagged, 8 \Deleted, 16 \Draft). */
export function loftFlags(dovecotFlags: number): number {
  return (
    ((dovecotFlags & 8) !== 0 ? 1 : 0) |
    ((dovecotFlags & 1) !== 0 ? 2 : 0) |
    ((dovecotFlags & 2) !== 0 ? 4 : 0) |
    ((dovecotFlags & 4) !== 0 ? 8 : 0) |
    ((dovecotFlags & 0x10) !== 0 ? 16 : 0)
  );
}
