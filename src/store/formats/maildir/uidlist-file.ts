import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, readSync, renameSync, type Stats } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { cacheKey, readCache, writeCache } from "../../../cache-file/index.js";
import { fdatasyncFd, writeAllSync } from "../../durable-fs.js";
import { errnoCode, StoreError } from "../../errors.js";
import { chownFdSync, FILE_MODE, type FileOwner } from "../../file-owner.js";
import {
  effectiveNextUid,
  formatRecord,
  parseRecord,
  parseUidlist,
  serializeUidlist,
  type Uidlist,
  type UidlistRecord,
} from "./uidlist.js";

export interface LoadedUidlist {
  list: Uidlist;
  /** The file ended with a complete line; appending onto a partial line would corrupt it. */
  cleanEnd: boolean;
}

/**
 * Reads dovecot-uidlist; undefined when it does not exist. Readers never lock (§3.3). Synchronous
 * reads and writes here, flushes on the thread pool (see durable-fs.ts).
 */
export async function readUidlistFile(path: string): Promise<LoadedUidlist | undefined> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw err;
  }
  return { list: parseUidlist(text), cleanEnd: text.endsWith("\n") };
}

/**
 * The mailbox GUID in the header line (G…); undefined when the file, its header or the GUID is
 * missing or broken. Reads the header alone: a big mailbox's list is hundreds of kilobytes.
 */
export function readUidlistGuid(path: string): string | undefined {
  let head: string;
  try {
    const fd = openSync(path, "r");
    try {
      const buffer = Buffer.alloc(4096);
      head = buffer.toString("latin1", 0, readSync(fd, buffer, 0, buffer.length, 0));
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw err;
  }
  const eol = head.indexOf("\n");
  if (eol < 0) return undefined;
  try {
    return parseUidlist(head.slice(0, eol + 1)).guid;
  } catch {
    return undefined;
  }
}

/** A stamp that changes on every append (size) and rewrite (inode, and mtime should an inode be reused). */
export async function uidlistStamp(path: string): Promise<string> {
  try {
    const st = await stat(path);
    return `${st.ino}.${st.size}.${st.mtimeMs}`;
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return "none";
    throw err;
  }
}

export function newMailboxGuid(): string {
  return randomBytes(16).toString("hex");
}

/** What a save needs from dovecot-uidlist (readUidlistSummary). */
export interface UidlistSummary {
  uidValidity: number;
  /** The UID the next record gets: max(header N, last UID + 1). */
  nextUid: number;
  /** Records may not be appended: the file must be rewritten (§3.1) or ends in a partial line. */
  needsRewrite: boolean;
}

/** A file read before: where it ended, and its last complete line to recognise it by. */
interface KnownUidlist {
  ino: number;
  size: number;
  header: Buffer;
  lastLine: Buffer;
  lastUid: number;
  headerNextUid: number;
  summary: UidlistSummary;
}

const LF = 0x0a;
/** Files remembered by path, least recently used first; a few numbers and one line each. */
const known = new Map<string, KnownUidlist>();
const KNOWN_LIMIT = 1000;

function remember(path: string, entry: KnownUidlist): void {
  known.delete(path);
  known.set(path, entry);
  if (known.size > KNOWN_LIMIT) known.delete(known.keys().next().value!);
}

/*
 * loft-lda starts anew for every message, so it would read and check the whole list of every
 * delivery's mailbox (a 10,000-message INBOX: 13 ms of a delivery). With states on disk, what it
 * knew of a big list is kept in the mailbox's tmp/ after each save, and the next delivery reads
 * only the lines appended since, as a long-running process does. Dovecot's clean-up of tmp/ may
 * remove the file: then the next delivery reads the whole list again.
 */
let statesOnDisk = false;
/** Smaller lists are read whole: cheaper than writing a state file after each save. */
const STATE_MIN_SIZE = 64 * 1024;
const STATE_FILE = ".loft-uidlist-state";

/** For loft-lda: keep what is known of big uidlists in state files between processes (see above). */
export function keepUidlistStatesOnDisk(): void {
  statesOnDisk = true;
}

type SavedState = Omit<KnownUidlist, "header" | "lastLine"> & { header: string; lastLine: string };

function loadState(path: string, tmpDir: string): KnownUidlist | undefined {
  const saved = readCache<SavedState>(join(tmpDir, STATE_FILE), cacheKey("uidlist-state", path));
  if (saved === undefined) return undefined;
  return {
    ...saved,
    header: Buffer.from(saved.header, "base64"),
    lastLine: Buffer.from(saved.lastLine, "base64"),
  };
}

function saveState(path: string, where: StateFile | undefined): void {
  const entry = known.get(path);
  if (!statesOnDisk || where === undefined || entry === undefined || entry.size < STATE_MIN_SIZE) return;
  const saved: SavedState = {
    ...entry,
    header: entry.header.toString("base64"),
    lastLine: entry.lastLine.toString("base64"),
  };
  writeCache(join(where.tmpDir, STATE_FILE), cacheKey("uidlist-state", path), saved, where.owner);
}

/** Where a mailbox's uidlist state may be kept on disk: its tmp/, written as its owner. */
export interface StateFile {
  tmpDir: string;
  owner: FileOwner | undefined;
}

/** The bytes of the last complete line of `bytes`, which end with an LF. */
function lastLineOf(bytes: Buffer): Buffer {
  return bytes.subarray(bytes.lastIndexOf(LF, bytes.length - 2) + 1);
}

function readWhole(fd: number, st: Stats): KnownUidlist | undefined {
  const bytes = readFileSync(fd);
  const list = parseUidlist(bytes.toString("utf8"));
  const cleanEnd = bytes.length > 0 && bytes[bytes.length - 1] === LF;
  return {
    ino: st.ino,
    size: bytes.length,
    // Copies: a view would keep the whole file in memory.
    header: Buffer.from(bytes.subarray(0, bytes.indexOf(LF) + 1)),
    lastLine: Buffer.from(lastLineOf(bytes)),
    lastUid: list.records.at(-1)?.uid ?? 0,
    headerNextUid: list.nextUid,
    summary: {
      uidValidity: list.uidValidity,
      nextUid: effectiveNextUid(list),
      needsRewrite: list.needsRewrite || !cleanEnd,
    },
  };
}

/**
 * Reads only what was appended since `before`, as Dovecot resumes from its last offset (§3.2):
 * the same inode, at least as long, the same header, and still `before`'s last line where it
 * ended. Anything
 * else (a rewrite, a line Dovecot would drop or rewrite for, a partial line) gives undefined, and
 * the caller reads the whole file.
 */
function readAppended(fd: number, st: Stats, before: KnownUidlist): KnownUidlist | undefined {
  if (st.ino !== before.ino || st.size < before.size) return undefined;
  const header = Buffer.allocUnsafe(before.header.length);
  if (readSync(fd, header, 0, header.length, 0) !== header.length || !header.equals(before.header))
    return undefined;
  const from = before.size - before.lastLine.length;
  const bytes = Buffer.allocUnsafe(st.size - from);
  if (readSync(fd, bytes, 0, bytes.length, from) !== bytes.length) return undefined;
  if (!bytes.subarray(0, before.lastLine.length).equals(before.lastLine)) return undefined;
  const added = bytes.subarray(before.lastLine.length);
  if (added.length === 0) return before;
  if (added[added.length - 1] !== LF) return undefined;
  let lastUid = before.lastUid;
  for (const line of added.subarray(0, -1).toString("utf8").split("\n")) {
    const parsed = parseRecord(line, 3);
    if (parsed === undefined || !parsed.clean || parsed.record.uid <= lastUid) return undefined;
    lastUid = parsed.record.uid;
  }
  return grown(before, st.size, Buffer.from(lastLineOf(added)), lastUid);
}

/** What is known of a file after records up to `lastUid` were appended, ending in `lastLine`. */
function grown(entry: KnownUidlist, size: number, lastLine: Buffer, lastUid: number): KnownUidlist {
  return {
    ...entry,
    size,
    lastLine,
    lastUid,
    summary: { ...entry.summary, nextUid: Math.max(entry.headerNextUid, lastUid + 1) },
  };
}

/**
 * UIDVALIDITY and next UID for a save, under the uidlist lock; undefined when there is no file.
 * Reading the whole list for each save would cost in proportion to the mailbox, so what is known
 * of each file is kept, and only the lines appended since are read. Throws CORRUPT for a broken header.
 */
export function readUidlistSummary(path: string, state?: StateFile): UidlistSummary | undefined {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (err) {
    known.delete(path);
    if (errnoCode(err) === "ENOENT") return undefined;
    throw err;
  }
  try {
    const st = fstatSync(fd);
    const before = known.get(path) ?? (statesOnDisk && state ? loadState(path, state.tmpDir) : undefined);
    known.delete(path);
    const entry = (before && readAppended(fd, st, before)) ?? readWhole(fd, st);
    if (entry && !entry.summary.needsRewrite) remember(path, entry);
    return entry?.summary;
  } finally {
    closeSync(fd);
  }
}

/** Appends records with one write and fdatasyncs them. Only while holding the uidlist lock. */
export async function appendUidlistRecords(
  path: string,
  records: readonly UidlistRecord[],
  state?: StateFile,
): Promise<void> {
  if (records.length === 0) return;
  const fd = openSync(path, "a", FILE_MODE);
  try {
    const bytes = Buffer.from(records.map(formatRecord).join(""));
    const before = fstatSync(fd);
    writeAllSync(fd, bytes);
    noteAppend(path, before, fstatSync(fd), bytes, records);
    await fdatasyncFd(fd);
  } finally {
    closeSync(fd);
  }
  // After the records are durable: a state must never describe lines that could still be lost.
  saveState(path, state);
}

/** Keeps what is known of the file up to date with our own append, so the next save reads nothing. */
function noteAppend(
  path: string,
  before: Stats,
  after: Stats,
  bytes: Buffer,
  records: readonly UidlistRecord[],
): void {
  const entry = known.get(path);
  known.delete(path);
  if (entry === undefined || entry.ino !== before.ino || entry.size !== before.size) return;
  if (after.size !== before.size + bytes.length) return;
  let lastUid = entry.lastUid;
  for (const record of records) {
    if (record.uid <= lastUid) return;
    lastUid = record.uid;
  }
  remember(path, grown(entry, after.size, lastLineOf(bytes), lastUid));
}

/**
 * Rewrites the whole file as Dovecot does (§3.3): write `dovecot-uidlist.tmp`, fdatasync, rename
 * over the file, then check the size written is the size renamed (a mismatch means someone broke
 * our lock). Only while holding the uidlist lock.
 */
export async function rewriteUidlistFile(
  path: string,
  list: Uidlist,
  owner: FileOwner | undefined,
): Promise<void> {
  const temp = `${path}.tmp`;
  const content = Buffer.from(serializeUidlist(list));
  const fd = openSync(temp, "w", FILE_MODE);
  try {
    chownFdSync(fd, owner);
    writeAllSync(fd, content);
    await fdatasyncFd(fd);
    renameSync(temp, path);
    if (fstatSync(fd).size !== content.length)
      throw new StoreError("TEMPFAIL", `${path} changed while we held its lock`);
  } finally {
    closeSync(fd);
  }
}
