import { createHash } from "node:crypto";
import { type FileHandle, open, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { Readable } from "node:stream";
import type {
  AppendedMessage,
  AppendInput,
  FormatMailbox,
  MessageDetails,
  ScannedMessage,
  ScanResult,
} from "../../backend.js";
import { makeDirs } from "../../durable-fs.js";
import { errnoCode, StoreError } from "../../errors.js";
import { chownHandle, FILE_MODE, type FileOwner } from "../../file-owner.js";
import type { MailboxPath } from "../../mailbox-name.js";
import { allocateUidValidity } from "../common/uidvalidity.js";
import { formatFromLine, fromLineSender } from "./from-line.js";
import { type IncomingMessage, readIncoming } from "./incoming-message.js";
import {
  type ImapBase,
  mergeKeywords,
  SAVE_PADDING,
  splitHeaderFields,
  stateHeaders,
} from "./mbox-headers.js";
import { lockMbox, type MboxLock } from "./mbox-lock.js";
import { bareLineFeeds, type MboxMessage, type ParsedMbox, parseMbox, visibleFields } from "./mbox-parser.js";
import { rewriteFile, type StateChange, type StatePlan, updateInPlace } from "./mbox-writer.js";

/** What all mailboxes of one user share. */
export interface MboxContext {
  owner: FileOwner | undefined;
  user: string;
  /** Where the UIDVALIDITY generator lives: `<root>/.imap`, beside Dovecot's own. */
  uidValidityDir: string;
}

/**
 * An mbox file holds no UIDVALIDITY while it is empty (Dovecot keeps it in its index), so the one
 * given to an empty file is remembered per file and inode for this process.
 */
const emptyBases = new Map<string, { ino: number; base: ImapBase }>();

const DIRTY_WINDOW_MS = 1000;
const READ_CHUNK = 64 * 1024;

/** One Dovecot mbox file (storage-mbox.md). A message's ref is its UID: offsets move on rewrites. */
export class MboxMailbox implements FormatMailbox {
  private cache: ParsedMbox | undefined;

  constructor(
    readonly path: MailboxPath,
    readonly file: string,
    private readonly ctx: MboxContext,
  ) {}

  async exists(): Promise<boolean> {
    try {
      return (await stat(this.file)).isFile();
    } catch (err) {
      if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") return false;
      throw err;
    }
  }

  /** A new mailbox is an empty file (§1). */
  async create(): Promise<void> {
    await makeDirs(dirname(this.file), this.ctx.owner);
    const handle = await open(this.file, "wx", FILE_MODE).catch((err) => {
      if (errnoCode(err) === "EEXIST") throw new StoreError("ALREADYEXISTS", "Mailbox already exists");
      throw err;
    });
    try {
      await chownHandle(handle, this.ctx.owner);
    } finally {
      await handle.close();
    }
  }

  async fingerprint(): Promise<string | undefined> {
    try {
      const st = await stat(this.file, { bigint: true });
      // A second change within the same clock tick would keep size and mtime (§5: mtime is the signal).
      if (Date.now() - Number(st.mtimeNs / 1_000_000n) < DIRTY_WINDOW_MS) return undefined;
      return `${st.ino}:${st.size}:${st.mtimeNs}`;
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return undefined;
      throw err;
    }
  }

  private async parsed(handle: FileHandle): Promise<ParsedMbox> {
    const st = await handle.stat({ bigint: true });
    const c = this.cache;
    if (c && c.ino === Number(st.ino) && c.size === Number(st.size) && c.mtimeNs === st.mtimeNs) return c;
    this.cache = await parseMbox(handle);
    return this.cache;
  }

  private async baseOf(parsed: ParsedMbox): Promise<ImapBase> {
    if (parsed.base) return parsed.base;
    const remembered = emptyBases.get(this.file);
    if (parsed.size === 0 && remembered?.ino === parsed.ino) return remembered.base;
    const base: ImapBase = {
      name: "X-IMAPbase",
      uidValidity: await allocateUidValidity(this.ctx.uidValidityDir, this.ctx.owner),
      uidLast: 0,
      keywords: [],
    };
    if (parsed.size === 0) emptyBases.set(this.file, { ino: parsed.ino, base });
    return base;
  }

  /**
   * Brings the file's state headers in line with the plan (and writes UIDs assigned at parse), in
   * place when the padding allows, else by rewriting the file. Needs the write lock; after a
   * rewrite every offset parsed before is stale.
   */
  private async commit(
    lock: MboxLock,
    parsed: ParsedMbox,
    plan: {
      changes?: ReadonlyMap<number, StateChange>;
      expunge?: ReadonlySet<number>;
      keywords?: readonly string[];
      inPlaceOnly?: boolean;
      /** Migration: the UIDVALIDITY and uid-last of the mailbox being copied. */
      adopt?: { uidValidity: number; uidLast: number };
    },
  ): Promise<{ base: ImapBase; rewritten: boolean }> {
    const changes = plan.changes ?? new Map<number, StateChange>();
    const expunge = plan.expunge ?? new Set<number>();
    const current = await this.baseOf(parsed);
    const used = parsed.messages.flatMap((m) => changes.get(m.uid)?.keywords ?? m.keywords);
    const base: ImapBase = {
      name: current.name,
      uidValidity: plan.adopt?.uidValidity ?? current.uidValidity,
      uidLast: Math.max(current.uidLast, parsed.nextUid - 1, plan.adopt?.uidLast ?? 0),
      keywords: mergeKeywords(current.keywords, [...used, ...(plan.keywords ?? [])]),
    };
    this.cache = undefined;
    if (parsed.messages.length === 0 && !parsed.pseudo) {
      emptyBases.set(this.file, { ino: parsed.ino, base });
      return { base, rewritten: false };
    }
    const full: StatePlan = { base, changes, expunge };
    if (await updateInPlace(lock.handle, parsed, full)) {
      await this.keepCache(lock.handle, parsed, (m) => {
        const change = changes.get(m.uid);
        if (change) Object.assign(m, change);
        m.stale = false;
      });
      parsed.base = base;
      parsed.dirty = false;
      return { base, rewritten: false };
    }
    if (plan.inPlaceOnly) return { base, rewritten: false };
    await rewriteFile(lock.handle, this.file, parsed, full);
    if (expunge.size === parsed.messages.length && !parsed.pseudo) {
      emptyBases.set(this.file, { ino: Number((await stat(this.file)).ino), base });
    }
    return { base, rewritten: true };
  }

  /**
   * After our own in-place write or append the parse stays valid with the new stamps, so a stream
   * of deliveries does not re-read the whole file each time; any other change re-parses.
   */
  private async keepCache(
    handle: FileHandle,
    parsed: ParsedMbox,
    patch: (m: MboxMessage) => void,
  ): Promise<void> {
    for (const m of parsed.messages) patch(m);
    const st = await handle.stat({ bigint: true });
    parsed.size = Number(st.size);
    parsed.mtimeNs = st.mtimeNs;
    this.cache = parsed;
  }

  private async withLock<T>(kind: "read" | "write", work: (lock: MboxLock) => Promise<T>): Promise<T> {
    const lock = await lockMbox(this.file, kind, this.ctx.owner);
    try {
      return await work(lock);
    } finally {
      await lock.release();
    }
  }

  async scan(): Promise<ScanResult> {
    let parsed = await this.withLock("read", (lock) => this.parsed(lock.handle));
    for (let attempt = 0; parsed.dirty && attempt < 3; attempt++) {
      // UIDs for messages others appended without X-UID, written now as Dovecot does at its next sync.
      try {
        await this.withLock("write", async (lock) => {
          const current = await this.parsed(lock.handle);
          if (current.dirty) await this.commit(lock, current, {});
        });
      } catch (err) {
        // A file we may only read: serve the UIDs assigned in memory, as Dovecot does then.
        if (!["EACCES", "EPERM", "EROFS"].includes(errnoCode(err) ?? "")) throw err;
        break;
      }
      parsed = await this.withLock("read", (lock) => this.parsed(lock.handle));
    }
    const base = await this.baseOf(parsed);
    const messages: ScannedMessage[] = parsed.messages.map((m) => ({
      uid: m.uid,
      ref: String(m.uid),
      guid: m.guid,
      flags: m.flags,
      keywords: [...m.keywords],
    }));
    return { uidValidity: base.uidValidity, uidNext: Math.max(parsed.nextUid, base.uidLast + 1), messages };
  }

  private find(parsed: ParsedMbox, ref: string): MboxMessage | undefined {
    const uid = Number(ref);
    return parsed.messages.find((m) => m.uid === uid);
  }

  /** Sizes are those of the message as clients see it, without the state headers (§3.4). */
  async details(refs: readonly string[]): Promise<(MessageDetails | undefined)[]> {
    return this.withLock("read", async (lock) => {
      const parsed = await this.parsed(lock.handle);
      const byUid = new Map(parsed.messages.map((m) => [String(m.uid), m]));
      const result: (MessageDetails | undefined)[] = [];
      for (const ref of refs) {
        const m = byUid.get(ref);
        if (!m) {
          result.push(undefined);
          continue;
        }
        const size = m.visibleHeaderBytes + (m.bodyEnd - m.headerEnd);
        let bare = m.visibleHeaderLines;
        let before = -1;
        for (let pos = m.headerEnd; pos < m.bodyEnd; pos += READ_CHUNK) {
          const buf = Buffer.alloc(Math.min(READ_CHUNK, m.bodyEnd - pos));
          const { bytesRead } = await lock.handle.read(buf, 0, buf.length, pos);
          bare += bareLineFeeds(buf.subarray(0, bytesRead), before);
          before = buf[bytesRead - 1] ?? -1;
        }
        result.push({ size, vsize: size + bare, internalDate: m.internalDate });
      }
      return result;
    });
  }

  /**
   * Appends as Dovecot does (§3.1, §5): under the write lock, at the end of the file, the From_ line,
   * the message's own header, the state headers with X-Keywords padding, the body, and then the
   * Content-Length written over the tail of the padding; fsync; then X-IMAPbase's uid-last.
   */
  async append(input: AppendInput): Promise<AppendedMessage> {
    const incoming = await readIncoming(input.data);
    const date = new Date(Math.floor((input.internalDate?.getTime() ?? Date.now()) / 1000) * 1000);
    for (;;) {
      const saved = await this.withLock("write", (lock) => this.appendLocked(lock, input, incoming, date));
      if (saved) return saved;
    }
  }

  /** undefined: the file had to be rewritten first (foreign state, keywords without room); lock again. */
  private async appendLocked(
    lock: MboxLock,
    input: AppendInput,
    incoming: IncomingMessage,
    date: Date,
  ): Promise<AppendedMessage | undefined> {
    const handle = lock.handle;
    let parsed = await this.parsed(handle);
    let base = await this.baseOf(parsed);
    const keywords = [...input.keywords];
    if (parsed.dirty || keywords.some((k) => !base.keywords.includes(k))) {
      const done = await this.commit(lock, parsed, { keywords });
      if (done.rewritten) return undefined;
      base = done.base;
      parsed = await this.parsed(handle);
    }
    const uid = Math.max(parsed.nextUid, base.uidLast + 1, input.uid ?? 1);
    const first = parsed.size === 0;
    let pos = parsed.size;
    const write = async (data: Buffer) => {
      let done = 0;
      while (done < data.length) {
        const { bytesWritten } = await handle.write(data, done, data.length - done, pos + done);
        done += bytesWritten;
      }
      pos += data.length;
    };
    try {
      if (!first && (await lastByte(handle, parsed.size)) !== 0x0a) await write(Buffer.from("\n"));
      const fromStart = pos;
      const fromLine = Buffer.from(
        formatFromLine(fromLineSender(input.envelopeSender, this.ctx.user), date),
        "latin1",
      );
      const state = { uid, flags: input.flags, old: false, keywords };
      const ownBase = first
        ? { ...base, uidLast: uid, keywords: mergeKeywords(base.keywords, keywords) }
        : undefined;
      await write(
        Buffer.concat([
          fromLine,
          incoming.header,
          Buffer.from(stateHeaders(ownBase, state, SAVE_PADDING, undefined), "latin1"),
          Buffer.from("\n"),
        ]),
      );
      // The LF that ends the X-Keywords padding; Content-Length is written just before it.
      const paddingEnd = pos - 2;
      input.onStoredBytes?.(incoming.header);
      input.onStoredBytes?.(Buffer.from("\n"));
      let bodyBytes = 0;
      let lines = 0;
      for await (const chunk of incoming.body) {
        bodyBytes += chunk.length;
        lines += bareLineFeeds(chunk, -1);
        if (input.maxSize !== undefined && incoming.header.length + 1 + bodyBytes > input.maxSize) {
          throw new StoreError("OVERQUOTA", "Quota exceeded (mailbox for user is full)");
        }
        await write(chunk);
        input.onStoredBytes?.(chunk);
      }
      await write(Buffer.from("\n"));
      const length = Buffer.from(`\nContent-Length: ${bodyBytes}`, "latin1");
      await handle.write(length, 0, length.length, paddingEnd - length.length);
      await handle.datasync();
      let cacheable = true;
      if (!first) {
        // uid-last has exactly 10 digits, so this always fits in place.
        cacheable = await updateInPlace(handle, parsed, {
          base: { ...base, uidLast: uid },
          changes: new Map(),
          expunge: new Set(),
        });
      }
      const guid = createHash("md5").update(incoming.header).digest("hex");
      this.cache = undefined;
      if (cacheable) {
        const last = parsed.messages[parsed.messages.length - 1];
        if (last) last.next = fromStart;
        const bodyStart = paddingEnd + 2;
        parsed.messages.push({
          fromStart,
          headerStart: fromStart + fromLine.length,
          headerEnd: paddingEnd + 1,
          bodyStart,
          bodyEnd: bodyStart + bodyBytes,
          next: pos,
          internalDate: date.getTime(),
          guid,
          visibleHeaderBytes: incoming.header.length,
          visibleHeaderLines: bareLineFeeds(incoming.header, -1),
          stale: false,
          uid,
          flags: input.flags,
          old: false,
          keywords,
        });
        parsed.base = ownBase ?? { ...base, uidLast: uid };
        parsed.nextUid = uid + 1;
        await this.keepCache(handle, parsed, () => {});
      }
      const size = incoming.header.length + 1 + bodyBytes;
      return {
        uid,
        ref: String(uid),
        guid,
        flags: input.flags,
        keywords,
        size,
        vsize: size + bareLineFeeds(incoming.header, -1) + 1 + lines,
        internalDate: date.getTime(),
      };
    } catch (err) {
      // Take back a partial message while still holding the lock (§5).
      await handle.truncate(parsed.size).catch(() => {});
      this.cache = undefined;
      throw err;
    }
  }

  async adoptUids(uidValidity: number, uidNext: number): Promise<void> {
    await this.withLock("write", async (lock) => {
      const parsed = await this.parsed(lock.handle);
      const base = await this.baseOf(parsed);
      if (base.uidValidity !== uidValidity && parsed.messages.length > 0) {
        throw new StoreError("CANNOT", "Mailbox is not empty: its UIDVALIDITY must stay");
      }
      await this.commit(lock, parsed, { adopt: { uidValidity, uidLast: uidNext - 1 } });
    });
  }

  async setFlags(
    message: { uid: number; ref: string },
    flags: number,
    keywords: readonly string[],
  ): Promise<string | undefined> {
    return this.withLock("write", async (lock) => {
      const parsed = await this.parsed(lock.handle);
      const found = this.find(parsed, message.ref);
      if (!found) return undefined;
      await this.commit(lock, parsed, {
        changes: new Map([[found.uid, { flags, keywords: [...keywords] }]]),
      });
      return message.ref;
    });
  }

  async expunge(messages: readonly { uid: number; ref: string }[]): Promise<void> {
    if (messages.length === 0) return;
    await this.withLock("write", async (lock) => {
      const parsed = await this.parsed(lock.handle);
      const uids = new Set(
        messages.map((m) => Number(m.ref)).filter((uid) => this.find(parsed, String(uid))),
      );
      if (uids.size > 0) await this.commit(lock, parsed, { expunge: uids });
    });
  }

  /**
   * The message as clients see it: header without state headers, empty line, body. The read lock
   * is held until the stream ends, so no writer moves the bytes under it.
   */
  async openRead(ref: string, start?: number, end?: number): Promise<Readable> {
    const lock = await lockMbox(this.file, "read", this.ctx.owner);
    let message: MboxMessage | undefined;
    let header: Buffer;
    try {
      message = this.find(await this.parsed(lock.handle), ref);
      if (!message) throw new StoreError("EXPUNGED", "Message was expunged");
      const raw = Buffer.alloc(message.bodyStart - message.headerStart);
      await lock.handle.read(raw, 0, raw.length, message.headerStart);
      const fields = splitHeaderFields(raw.subarray(0, message.headerEnd - message.headerStart));
      header = Buffer.concat([
        ...visibleFields(fields).map((f) => f.raw),
        raw.subarray(message.headerEnd - message.headerStart),
      ]);
    } catch (err) {
      await lock.release();
      throw err;
    }
    const m = message;
    const total = header.length + (m.bodyEnd - m.bodyStart);
    const from = Math.max(0, start ?? 0);
    const to = Math.min(total, end === undefined ? total : end + 1);
    async function* bytes(): AsyncGenerator<Buffer> {
      try {
        if (from < header.length) yield header.subarray(from, Math.min(to, header.length));
        for (let pos = Math.max(from, header.length); pos < to; pos += READ_CHUNK) {
          const len = Math.min(READ_CHUNK, to - pos);
          const buf = Buffer.alloc(len);
          const { bytesRead } = await lock.handle.read(buf, 0, len, m.bodyStart + pos - header.length);
          if (bytesRead === 0) break;
          yield buf.subarray(0, bytesRead);
        }
      } finally {
        await lock.release();
      }
    }
    return Readable.from(bytes(), { objectMode: false });
  }

  /** A session took \Recent: Dovecot then marks the messages `Status: O` (§3.2), in place only. */
  async recentClaimed(): Promise<void> {
    await this.withLock("write", async (lock) => {
      const parsed = await this.parsed(lock.handle);
      const fresh = parsed.messages.filter((m) => !m.old);
      if (fresh.length === 0 || parsed.dirty) return;
      await this.commit(lock, parsed, {
        changes: new Map(fresh.map((m) => [m.uid, { old: true }])),
        inPlaceOnly: true,
      });
    });
  }

  /** The directory: a rewrite replaces the file, and a watch on the file would die with it. */
  watchPaths(): string[] {
    return [dirname(this.file)];
  }
}

async function lastByte(handle: FileHandle, size: number): Promise<number | undefined> {
  if (size === 0) return undefined;
  const buf = Buffer.alloc(1);
  await handle.read(buf, 0, 1, size - 1);
  return buf[0];
}
