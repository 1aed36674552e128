import { randomBytes } from "node:crypto";
import { type FileHandle, open, readdir, rename, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { fsyncDir } from "../../durable-fs.js";
import { errnoCode } from "../../errors.js";
import { FILE_MODE } from "../../file-owner.js";
import { processAlive } from "../common/dotlock.js";
import {
  type ImapBase,
  type MessageState,
  REWRITE_PADDING,
  splitHeaderFields,
  stateHeaders,
} from "./mbox-headers.js";
import { type MboxMessage, type ParsedMbox, visibleFields } from "./mbox-parser.js";

/** New state for one message; what is left out stays as the file says. */
export interface StateChange {
  flags?: number;
  keywords?: string[];
  old?: boolean;
}

export interface StatePlan {
  base: ImapBase;
  changes: ReadonlyMap<number, StateChange>;
  expunge: ReadonlySet<number>;
}

const COPY_CHUNK = 256 * 1024;

function sameBase(a: ImapBase | undefined, b: ImapBase): boolean {
  return (
    a !== undefined &&
    a.name === b.name &&
    a.uidValidity === b.uidValidity &&
    a.uidLast === b.uidLast &&
    a.keywords.join(" ") === b.keywords.join(" ")
  );
}

async function readRange(handle: FileHandle, start: number, end: number): Promise<Buffer> {
  const buf = Buffer.alloc(end - start);
  let filled = 0;
  while (filled < buf.length) {
    const { bytesRead } = await handle.read(buf, filled, buf.length - filled, start + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buf.subarray(0, filled);
}

function nextState(message: MboxMessage, change: StateChange | undefined): MessageState {
  return {
    uid: message.uid,
    flags: change?.flags ?? message.flags,
    old: change?.old ?? message.old,
    keywords: change?.keywords ?? message.keywords,
  };
}

/** The header block of a message with new state headers, padded to `length` bytes when given. */
async function newHeader(
  handle: FileHandle,
  message: MboxMessage,
  base: ImapBase | undefined,
  state: MessageState | undefined,
  length: number | undefined,
): Promise<Buffer | undefined> {
  const fields = splitHeaderFields(await readRange(handle, message.headerStart, message.headerEnd));
  let visible = Buffer.concat(visibleFields(fields).map((f) => f.raw));
  if (visible.length > 0 && visible[visible.length - 1] !== 0x0a) {
    // The file ended inside this header: only a rewrite can add the missing LF.
    if (length !== undefined) return undefined;
    visible = Buffer.concat([visible, Buffer.from("\n")]);
  }
  const contentLength = message.bodyEnd - message.bodyStart;
  // UW-IMAP's pseudo message carries only X-IMAP; padding goes at the end of that line.
  const build = (padding: number) =>
    state
      ? stateHeaders(base, state, padding, contentLength)
      : `${base!.name}: ${base!.uidValidity} ${String(base!.uidLast).padStart(10, "0")}${base!.keywords
          .map((k) => ` ${k}`)
          .join("")}${" ".repeat(padding)}\n`;
  if (length === undefined) return Buffer.concat([visible, Buffer.from(build(REWRITE_PADDING), "latin1")]);
  const spare = length - visible.length - Buffer.byteLength(build(0), "latin1");
  if (spare < 0) return undefined;
  return Buffer.concat([visible, Buffer.from(build(spare), "latin1")]);
}

/**
 * Overwrites state headers inside their padding (§5), the file size staying the same. Returns false
 * when some header does not fit (nothing written then); the caller rewrites the file.
 */
export async function updateInPlace(
  handle: FileHandle,
  parsed: ParsedMbox,
  plan: StatePlan,
): Promise<boolean> {
  if (plan.expunge.size > 0) return false;
  const writes: { at: number; data: Buffer }[] = [];
  const baseChanged = !sameBase(parsed.base, plan.base);
  if (parsed.pseudo && baseChanged) {
    const p = parsed.pseudo;
    const data = await newHeader(handle, p, plan.base, undefined, p.headerEnd - p.headerStart);
    if (!data) return false;
    writes.push({ at: p.headerStart, data });
  }
  for (const [i, message] of parsed.messages.entries()) {
    const first = i === 0 && !parsed.pseudo;
    const change = plan.changes.get(message.uid);
    if (!change && !message.stale && !(first && baseChanged)) continue;
    // No empty line after the header: nothing may be moved in place.
    if (message.bodyStart === message.headerEnd) return false;
    const length = message.headerEnd - message.headerStart;
    const data = await newHeader(
      handle,
      message,
      first ? plan.base : undefined,
      nextState(message, change),
      length,
    );
    if (!data) return false;
    writes.push({ at: message.headerStart, data });
  }
  for (const { at, data } of writes) await handle.write(data, 0, data.length, at);
  if (writes.length > 0) await handle.datasync();
  return true;
}

/** Buffers small writes into large ones. */
class Output {
  private parts: Buffer[] = [];
  private pending = 0;
  private at = 0;

  constructor(private readonly handle: FileHandle) {}

  async push(data: Buffer): Promise<void> {
    this.parts.push(data);
    this.pending += data.length;
    if (this.pending >= COPY_CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
    const data = Buffer.concat(this.parts);
    this.parts = [];
    this.pending = 0;
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, this.at + done);
      done += bytesWritten;
    }
    this.at += data.length;
  }
}

async function copyRange(handle: FileHandle, out: Output, start: number, end: number): Promise<void> {
  for (let pos = start; pos < end; pos += COPY_CHUNK) {
    await out.push(await readRange(handle, pos, Math.min(end, pos + COPY_CHUNK)));
  }
}

/** Removes what a rewrite killed midway left behind (the old file is still whole). */
async function removeStaleTemps(file: string): Promise<void> {
  const prefix = `.${basename(file)}.`;
  for (const name of await readdir(dirname(file))) {
    const match = /^(\d+)\.[0-9a-f]+\.rewrite$/.exec(
      name.startsWith(prefix) ? name.slice(prefix.length) : "",
    );
    if (match && !processAlive(Number(match[1]))) await unlink(join(dirname(file), name)).catch(() => {});
  }
}

const JOURNAL = /^(\d+)\.journal$/;

/** A complete journal of a rewrite that did not finish: `.<mbox>.<old size>.journal` beside the mbox. */
export async function findJournal(file: string): Promise<{ path: string; oldSize: number } | undefined> {
  const prefix = `.${basename(file)}.`;
  for (const name of await readdir(dirname(file))) {
    const match = name.startsWith(prefix) ? JOURNAL.exec(name.slice(prefix.length)) : null;
    if (match) return { path: join(dirname(file), name), oldSize: Number(match[1]) };
  }
  return undefined;
}

/**
 * Cuts the mbox to the journal's size first, then copies the journal over it (same inode), syncs,
 * and drops the journal. Cutting first means that after a crash anything past the journal's size
 * was appended by others later, and the bytes before it are the journal's to restore.
 */
async function applyJournal(handle: FileHandle, journal: string, tail: Buffer): Promise<void> {
  const source = await open(journal, "r");
  try {
    const size = (await source.stat()).size;
    if (tail.length === 0) {
      await handle.truncate(size);
      await handle.datasync();
    }
    const out = new Output(handle);
    for (let pos = 0; pos < size; pos += COPY_CHUNK) {
      await out.push(await readRange(source, pos, Math.min(size, pos + COPY_CHUNK)));
    }
    if (tail.length > 0) await out.push(tail);
    await out.flush();
    await handle.truncate(size + tail.length);
  } finally {
    await source.close();
  }
  await handle.datasync();
  await unlink(journal);
  await fsyncDir(dirname(journal));
}

/**
 * Finishes a rewrite a crash interrupted (under the write lock), keeping what others appended
 * since. Shorter than before the rewrite: the cut was done, appends start at the journal's size.
 * Otherwise the cut may not have happened, and only what lies past the old size was appended (a
 * cut followed by appends longer than the bytes it removed would be misread; both must fall
 * between the crash and the next Loft lock).
 */
export async function recoverJournal(handle: FileHandle, file: string): Promise<void> {
  const journal = await findJournal(file);
  if (!journal) return;
  const [st, js] = await Promise.all([handle.stat(), stat(journal.path)]);
  const appendedFrom = st.size < journal.oldSize ? js.size : journal.oldSize;
  await applyJournal(handle, journal.path, await readRange(handle, Math.min(appendedFrom, st.size), st.size));
}

/**
 * Writes the mailbox anew into a journal beside it, fsyncs it and only then copies it over the mbox
 * in place. The file keeps its inode, so Dovecot, Postfix and mutt holding it open or waiting for
 * its fcntl lock stay on the right file (a rename would strand them on the old one: observed with
 * Dovecot as "Message body offset lookup failed"). A crash before the journal is complete leaves
 * the mbox untouched; a crash during the copy is finished from the journal at the next lock
 * (recoverJournal), so an acknowledged message always exists whole in one of the two files.
 * Dovecot shifts data inside the file instead, which a crash can tear.
 */
export async function rewriteFile(
  handle: FileHandle,
  file: string,
  parsed: ParsedMbox,
  plan: StatePlan,
): Promise<void> {
  const st = await handle.stat();
  await removeStaleTemps(file);
  const temp = join(
    dirname(file),
    `.${basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.rewrite`,
  );
  const journal = join(dirname(file), `.${basename(file)}.${st.size}.journal`);
  const out = await open(temp, "wx", FILE_MODE);
  try {
    // Whoever opens the mbox next must be able to finish from the journal.
    await out.chown(st.uid, st.gid).catch((err) => {
      if (errnoCode(err) !== "EPERM") throw err;
    });
    const writer = new Output(out);
    let first = true;
    const emit = async (message: MboxMessage, state: MessageState | undefined) => {
      await copyRange(handle, writer, message.fromStart, message.headerStart);
      const header = await newHeader(handle, message, first ? plan.base : undefined, state, undefined);
      await writer.push(header!);
      if (message.bodyStart > message.headerEnd)
        await copyRange(handle, writer, message.headerEnd, message.bodyStart);
      else await writer.push(Buffer.from("\n"));
      await copyRange(handle, writer, message.bodyStart, message.bodyEnd);
      await writer.push(Buffer.from("\n"));
      first = false;
    };
    if (parsed.pseudo) await emit(parsed.pseudo, undefined);
    for (const message of parsed.messages) {
      if (!plan.expunge.has(message.uid))
        await emit(message, nextState(message, plan.changes.get(message.uid)));
    }
    await writer.flush();
    await out.datasync();
    await out.close();
    await rename(temp, journal);
    await fsyncDir(dirname(file));
  } catch (err) {
    await out.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw err;
  }
  await applyJournal(handle, journal, Buffer.alloc(0));
}
