import { createReadStream, linkSync, readFileSync, renameSync, statSync, unlinkSync } from "node:fs";
import { mkdir, open, readdir, rename, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import type {
  AppendedMessage,
  AppendInput,
  CopySource,
  FormatMailbox,
  MessageDetails,
  ScannedMessage,
  ScanResult,
} from "../../backend.js";
import { fsyncDir, makeDirs } from "../../durable-fs.js";
import { errnoCode, StoreError } from "../../errors.js";
import { chownPath, DIR_MODE, type FileOwner } from "../../file-owner.js";
import { isInbox, type MailboxPath } from "../../mailbox-name.js";
import { acquireDotlock, type Dotlock } from "../common/dotlock.js";
import { groupCommit, type Outcome } from "../common/group-commit.js";
import { allocateUidValidity } from "../common/uidvalidity.js";
import { buildBaseName, buildFilename, compareNewFiles, parseFilename, withSizes } from "./filename.js";
import { addKeywords, keywordIndex, unknownKeywordName } from "./keywords.js";
import { KeywordsFile } from "./keywords-file.js";
import type { MaildirLayout } from "./layout.js";
import { countBareLineFeeds, countBareLineFeedsSync, type DirFile, listMaildir } from "./maildir-dir.js";
import { nextBaseNameParts, writeTmpFile } from "./maildir-save.js";
import { effectiveNextUid, recordExt, type Uidlist, type UidlistRecord } from "./uidlist.js";
import {
  appendUidlistRecords,
  type LoadedUidlist,
  newMailboxGuid,
  readUidlistFile,
  readUidlistGuid,
  readUidlistSummary,
  rewriteUidlistFile,
  type StateFile,
  type UidlistSummary,
  uidlistStamp,
} from "./uidlist-file.js";

/** Files stat()ed between two yields to the event loop. */
const DETAILS_SLICE = 500;
/** Messages up to this size are read whole and synchronously to measure them (bareLineFeeds). */
const SYNC_READ_LIMIT = 256 * 1024;

/**
 * A directory mtime this recent may hide a second change with the same stamp, so the mailbox is
 * read again (Dovecot's dirty window, one second because it must work with second-granular file
 * systems). Where the file system keeps sub-second stamps, a few clock ticks are enough, which
 * spares a big mailbox from being rescanned on every command for a second after each change.
 */
const DIRTY_WINDOW_SECONDS_MS = 1000;
const DIRTY_WINDOW_FINE_MS = 50;

function dirtyWindow(mtimeNs: bigint): number {
  return mtimeNs % 1_000_000_000n === 0n ? DIRTY_WINDOW_SECONDS_MS : DIRTY_WINDOW_FINE_MS;
}

/** One Dovecot Maildir mailbox: files in new/ and cur/, UIDs in dovecot-uidlist (storage-maildir.md). */
export class MaildirMailbox implements FormatMailbox {
  readonly dir: string;
  readonly controlDir: string;
  readonly savesReportUidValidity = true;
  private readonly uidlistPath: string;
  private readonly keywords: KeywordsFile;

  constructor(
    readonly path: MailboxPath,
    private readonly layout: MaildirLayout,
    private readonly owner: FileOwner | undefined,
  ) {
    this.dir = layout.mailboxDir(path);
    this.controlDir = layout.controlDir(path);
    this.uidlistPath = join(this.controlDir, "dovecot-uidlist");
    this.keywords = new KeywordsFile(join(this.controlDir, "dovecot-keywords"), owner);
  }

  /** Synchronous: asked before every delivery, and one stat is cheaper than a thread-pool round trip. */
  async exists(): Promise<boolean> {
    try {
      return statSync(join(this.dir, "cur")).isDirectory();
    } catch (err) {
      if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") return false;
      throw err;
    }
  }

  /** The mailbox GUID in the uidlist's header (G), as Dovecot keeps it; none before the first scan or save. */
  async mailboxGuid(): Promise<string | undefined> {
    return readUidlistGuid(this.uidlistPath);
  }

  /** Creates cur/ new/ tmp/ and, for Maildir++ folders, the maildirfolder marker (§1.1). */
  async create(): Promise<void> {
    await makeDirs(this.dir, this.owner);
    for (const sub of ["tmp", "new", "cur"]) {
      try {
        await mkdir(join(this.dir, sub), { mode: DIR_MODE });
        await chownPath(join(this.dir, sub), this.owner);
      } catch (err) {
        if (errnoCode(err) !== "EEXIST") throw err;
      }
    }
    if (this.layout.kind === "maildir++" && !isInbox(this.path)) {
      const marker = join(this.dir, "maildirfolder");
      await writeFile(marker, "", { mode: 0o600, flag: "a" });
      await chownPath(marker, this.owner);
    }
    if (this.controlDir !== this.dir) await makeDirs(this.controlDir, this.owner);
  }

  async fingerprint(): Promise<string | undefined> {
    try {
      const [newDir, curDir] = await Promise.all([
        stat(join(this.dir, "new"), { bigint: true }),
        stat(join(this.dir, "cur"), { bigint: true }),
      ]);
      const now = Date.now();
      const dirty = (ns: bigint) => now - Number(ns / 1_000_000n) < dirtyWindow(ns);
      if (dirty(newDir.mtimeNs) || dirty(curDir.mtimeNs)) return undefined;
      const keywords = await stat(this.keywords.path).then(
        (st) => st.mtimeMs,
        () => 0,
      );
      return `${newDir.mtimeNs}:${curDir.mtimeNs}:${await uidlistStamp(this.uidlistPath)}:${keywords}`;
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return undefined;
      throw err;
    }
  }

  private async lock(): Promise<Dotlock> {
    return acquireDotlock(join(this.controlDir, "dovecot-uidlist.lock"), {
      watchPath: this.uidlistPath,
      owner: this.owner,
      seedDir: join(this.dir, "tmp"),
    });
  }

  /**
   * Gives UIDs to files the uidlist does not know (§3.2), under the lock: re-read the list, sort the
   * new names in Dovecot's order, append or rewrite. Creates the uidlist of a new mailbox.
   */
  private async assignUids(_lock: Dotlock, files: Map<string, DirFile>, firstUid = 1): Promise<Uidlist> {
    const loaded = await readUidlistFile(this.uidlistPath).catch((err) => {
      // A broken header: Dovecot deletes the file and rebuilds it (new UIDVALIDITY).
      if (err instanceof StoreError && err.code === "CORRUPT") return undefined;
      throw err;
    });
    let list: Uidlist;
    let rewrite = true;
    if (loaded) {
      list = loaded.list;
      rewrite = list.needsRewrite || !loaded.cleanEnd;
      if (list.guid === undefined) list.guid = newMailboxGuid();
    } else {
      list = {
        uidValidity: await allocateUidValidity(this.layout.controlRoot, this.owner),
        nextUid: 1,
        guid: newMailboxGuid(),
        headerExt: [],
        records: [],
        needsRewrite: false,
      };
    }
    if (mostlyExpunged(list, files)) rewrite = true;
    const known = new Set(list.records.map((r) => r.base));
    const fresh = [...files.keys()].filter((base) => !known.has(base)).sort(compareNewFiles);
    let next = Math.max(effectiveNextUid(list), firstUid);
    const added: UidlistRecord[] = fresh.map((base) => ({ uid: next++, ext: [], base }));
    list.records.push(...added);
    if (rewrite) {
      // A rewrite drops records of files that are gone; N keeps their UIDs from coming back.
      list.nextUid = effectiveNextUid(list);
      list.records = list.records.filter((r) => files.has(r.base));
      await rewriteUidlistFile(this.uidlistPath, list, this.owner);
      list.needsRewrite = false;
    } else {
      await appendUidlistRecords(this.uidlistPath, added);
    }
    return list;
  }

  async scan(): Promise<ScanResult> {
    let files = await listMaildir(this.dir);
    const loaded = await readUidlistFile(this.uidlistPath).catch(() => undefined);
    let list = loaded?.list;
    let names = await this.keywords.load();
    const unknownLetters = (table: (string | undefined)[]) =>
      [...files.values()].some((f) => f.parsed.keywordIndexes.some((i) => table[i] === undefined));
    const knownBases = new Set(list?.records.map((r) => r.base));
    const needsLock =
      list === undefined ||
      list.needsRewrite ||
      !loaded?.cleanEnd ||
      [...files.keys()].some((base) => !knownBases.has(base)) ||
      mostlyExpunged(list, files) ||
      unknownLetters(names);
    if (needsLock) {
      const lock = await this.lock();
      try {
        files = await listMaildir(this.dir);
        list = await this.assignUids(lock, files);
        names = await this.keywords.load();
        if (unknownLetters(names)) names = await this.nameUnknownLetters(files, names);
      } finally {
        await lock.release();
      }
    }
    const current = list!;
    const messages: ScannedMessage[] = [];
    for (const record of current.records) {
      const file = files.get(record.base);
      if (file) messages.push(this.toScanned(record, file, names));
    }
    return { uidValidity: current.uidValidity, uidNext: effectiveNextUid(current), messages };
  }

  private async nameUnknownLetters(
    files: Map<string, DirFile>,
    names: (string | undefined)[],
  ): Promise<(string | undefined)[]> {
    const table = [...names];
    for (const file of files.values()) {
      for (const index of file.parsed.keywordIndexes) {
        if (table[index] === undefined) table[index] = unknownKeywordName(table, index);
      }
    }
    await this.keywords.save(table);
    return table;
  }

  private toScanned(record: UidlistRecord, file: DirFile, names: (string | undefined)[]): ScannedMessage {
    const parsed = file.parsed;
    const message: ScannedMessage = {
      uid: record.uid,
      ref: `${file.dir}/${file.name}`,
      guid: recordExt(record, "G") ?? record.base,
      flags: parsed.flags,
      keywords: parsed.keywordIndexes.map((i) => names[i]).filter((n): n is string => n !== undefined),
    };
    const size = parsed.size ?? numberOrUndefined(recordExt(record, "S"));
    const vsize = parsed.vsize ?? numberOrUndefined(recordExt(record, "W"));
    if (size !== undefined) message.size = size;
    if (vsize !== undefined) message.vsize = vsize;
    return message;
  }

  /** Finds the current file of a message whose ref went stale (someone renamed it for flags or to cur/). */
  private async resolve(ref: string): Promise<string | undefined> {
    const base = parseFilename(ref.slice(ref.indexOf("/") + 1)).base;
    const files = await listMaildir(this.dir);
    const file = files.get(base);
    return file ? `${file.dir}/${file.name}` : undefined;
  }

  /**
   * Sizes and INTERNALDATE (the file's mtime) of many messages. A cold index of a big mailbox asks for
   * all of them: stat synchronously in slices (far cheaper than one promise each), yielding between
   * slices so other sessions keep running. A file gone since the scan gives undefined.
   */
  async details(refs: readonly string[]): Promise<(MessageDetails | undefined)[]> {
    const result: (MessageDetails | undefined)[] = [];
    for (let i = 0; i < refs.length; i += DETAILS_SLICE) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      for (const ref of refs.slice(i, i + DETAILS_SLICE)) {
        const st = statSync(join(this.dir, ref), { throwIfNoEntry: false });
        if (!st) {
          result.push(undefined);
          continue;
        }
        const parsed = parseFilename(ref.slice(ref.indexOf("/") + 1));
        const size = parsed.size ?? st.size;
        const vsize = parsed.vsize ?? size + (await this.bareLineFeeds(join(this.dir, ref), st.size));
        result.push({ size, vsize, internalDate: st.mtimeMs, savedDate: st.ctimeMs });
      }
    }
    return result;
  }

  /**
   * For a name without W=: files up to SYNC_READ_LIMIT are read whole and synchronously, within
   * the slice (with a stream for each, a cold index of 10,000 such messages took seconds); bigger
   * ones are streamed.
   */
  private async bareLineFeeds(path: string, fileSize: number): Promise<number> {
    try {
      return fileSize <= SYNC_READ_LIMIT ? countBareLineFeedsSync(path) : await countBareLineFeeds(path);
    } catch {
      return 0;
    }
  }

  private async keywordLetters(lock: Dotlock | undefined, keywords: readonly string[]): Promise<number[]> {
    if (keywords.length === 0) return [];
    let names = await this.keywords.load();
    if (keywords.some((k) => keywordIndex(names, k) < 0)) {
      if (lock === undefined) {
        const taken = await this.lock();
        try {
          return await this.keywordLetters(taken, keywords);
        } finally {
          await taken.release();
        }
      }
      names = addKeywords(names, keywords);
      await this.keywords.save(names);
    }
    return keywords.map((k) => keywordIndex(names, k));
  }

  /**
   * Saves as Dovecot does (§8): tmp → fsync → (lock) → rename into new/ or, with flags, cur/ →
   * fsync the directory → append the uidlist record → unlock. Dovecot's save assigns the UID without
   * scanning the directory; other new files get theirs at the next full scan. Saves to this mailbox
   * that wait for the lock meanwhile are placed together with this one (group commit): one lock,
   * one fsync of the directory and one uidlist append for all of them; each is answered only once
   * all of that is done, exactly as when they go one by one.
   */
  async append(input: AppendInput): Promise<AppendedMessage> {
    const tmp = await writeTmpFile(
      join(this.dir, "tmp"),
      input.data,
      input.internalDate,
      this.owner,
      input.onStoredBytes,
    );
    const save: PendingSave = {
      tmpName: tmp.name,
      base: withSizes(tmp.name, tmp.size, tmp.vsize),
      flags: input.flags,
      keywords: input.keywords,
    };
    try {
      if (input.maxSize !== undefined && tmp.size > input.maxSize) {
        throw new StoreError("OVERQUOTA", "Quota exceeded (mailbox for user is full)");
      }
      // A save that asks for its UID (migration) goes alone.
      const placed =
        input.uid === undefined
          ? await groupCommit(`${this.dir}\0${this.uidlistPath}`, save, (take) => this.placeLocked(take))
          : unwrap((await this.placeLocked(() => [save], input.uid))[0]!);
      return {
        uid: placed.uid,
        uidValidity: placed.uidValidity,
        ref: placed.ref,
        guid: save.base,
        flags: input.flags,
        keywords: [...input.keywords],
        size: tmp.size,
        vsize: tmp.vsize,
        internalDate: tmp.internalDate,
      };
    } catch (err) {
      // Not placed (a placed file that failed later was removed under the lock).
      unlinkQuietly(join(this.dir, "tmp", tmp.name));
      throw err;
    }
  }

  /** Takes the uidlist lock, then places the saves `take` gives (all queued by then). */
  private async placeLocked(take: () => PendingSave[], wanted = 1): Promise<Outcome<PlacedSave>[]> {
    const lock = await this.lock();
    try {
      return await this.place(lock, take(), wanted);
    } finally {
      await lock.release();
    }
  }

  /**
   * Renames each tmp file into new/ or, with flags, cur/, fsyncs those directories, then gives the
   * files their UIDs with one uidlist append. A failure after the renames removes every file of the
   * batch while the lock is still held (§8), so a failed save leaves no message behind.
   */
  private async place(
    lock: Dotlock,
    saves: readonly PendingSave[],
    wanted: number,
  ): Promise<Outcome<PlacedSave>[]> {
    const outcomes: Outcome<PlacedSave>[] = [];
    const placed: { index: number; base: string; dir: "new" | "cur"; name: string }[] = [];
    for (const [index, save] of saves.entries()) {
      try {
        const letters = await this.keywordLetters(lock, save.keywords);
        const flagged = save.flags !== 0 || letters.length > 0;
        const name = flagged ? buildFilename(save.base, save.flags, letters) : save.base;
        const dir = flagged ? "cur" : "new";
        renameSync(join(this.dir, "tmp", save.tmpName), join(this.dir, dir, name));
        placed.push({ index, base: save.base, dir, name });
      } catch (error) {
        outcomes[index] = { error };
      }
    }
    if (placed.length === 0) return outcomes;
    try {
      for (const dir of new Set(placed.map((p) => p.dir))) await fsyncDir(join(this.dir, dir));
      const { uids, uidValidity } = await this.recordSaved(
        lock,
        placed.map((p) => p.base),
        wanted,
      );
      placed.forEach((p, i) => {
        outcomes[p.index] = { ok: { uid: uids[i]!, uidValidity, ref: `${p.dir}/${p.name}` } };
      });
    } catch (error) {
      for (const p of placed) {
        unlinkQuietly(join(this.dir, p.dir, p.name));
        outcomes[p.index] = { error };
      }
    }
    return outcomes;
  }

  /**
   * Copies as Dovecot does with maildir_copy_with_hardlinks (the default): a hard link into tmp/,
   * then the save path (rename into new/ or, with flags, cur/, fsync, uidlist record). The name
   * keeps the source's base, so S= and W= stay and the GUID is the same; only its flags part is
   * this mailbox's (keyword letters index this mailbox's dovecot-keywords). When the base is
   * already here (the message was copied before), the copy gets a new base and the record a G
   * extension with the source's GUID (observed with Dovecot 2.3.19). Any link failure (another
   * file system, a link limit, the file gone) leaves the copy to append.
   */
  async copyFrom(
    source: FormatMailbox,
    message: CopySource,
    flags: number,
    keywords: readonly string[],
  ): Promise<AppendedMessage | undefined> {
    if (!(source instanceof MaildirMailbox)) return undefined;
    const tmp = join(this.dir, "tmp", buildBaseName(nextBaseNameParts()));
    // The ref may be stale: the file moved to cur/ or was renamed for flags since the index saw it.
    let ref: string | undefined = message.ref;
    for (let attempt = 0; ; attempt++) {
      if (ref === undefined || attempt === 3) return undefined;
      try {
        linkSync(join(source.dir, ref), tmp);
        break;
      } catch (err) {
        if (errnoCode(err) !== "ENOENT") return undefined;
        ref = await source.resolve(ref);
      }
    }
    const parsed = parseFilename(ref.slice(ref.indexOf("/") + 1));
    let lock: Dotlock | undefined;
    let placed: string | undefined;
    try {
      lock = await this.lock();
      const loaded = await readUidlistFile(this.uidlistPath).catch(() => undefined);
      let base =
        parsed.size === undefined && parsed.vsize === undefined
          ? withSizes(parsed.base, message.size, message.vsize)
          : parsed.base;
      if (loaded?.list.records.some((r) => r.base === base))
        base = withSizes(buildBaseName(nextBaseNameParts()), message.size, message.vsize);
      const ext = message.guid !== base && /^\S+$/.test(message.guid) ? [`G${message.guid}`] : [];
      const letters = await this.keywordLetters(lock, keywords);
      const flagged = flags !== 0 || letters.length > 0;
      const name = flagged ? buildFilename(base, flags, letters) : base;
      const dir = flagged ? "cur" : "new";
      renameSync(tmp, join(this.dir, dir, name));
      placed = join(this.dir, dir, name);
      await fsyncDir(join(this.dir, dir));
      const {
        uids: [uid],
        uidValidity,
      } = await this.recordSaved(lock, [base], 1, ext, loaded);
      return {
        uid,
        uidValidity,
        ref: `${dir}/${name}`,
        guid: ext.length > 0 ? message.guid : base,
        flags,
        keywords: [...keywords],
        size: message.size,
        vsize: message.vsize,
        internalDate: message.internalDate,
      };
    } catch (err) {
      unlinkQuietly(placed ?? tmp);
      throw err;
    } finally {
      await lock?.release();
    }
  }

  /**
   * Gives the saved files the next UIDs in order, the first `wanted` (migration) when that is not
   * below the next UID.
   */
  private async recordSaved(
    lock: Dotlock,
    bases: readonly string[],
    wanted = 1,
    ext: string[] = [],
    // The uidlist as read under this same lock, when the caller has it (a copy: one base).
    read?: LoadedUidlist,
  ): Promise<{ uids: number[]; uidValidity: number }> {
    const records = (first: number): UidlistRecord[] =>
      bases.map((base, i) => ({ uid: first + i, ext, base }));
    if (read === undefined) {
      // Bases made here by append: unique (tmp/ O_EXCL, our PID and a microsecond stamp), so no
      // record can name them yet; Dovecot's save does not look either.
      const summary = this.uidlistSummary();
      if (summary && !summary.needsRewrite) {
        const added = records(Math.max(summary.nextUid, wanted));
        await appendUidlistRecords(this.uidlistPath, added, this.stateFile());
        return { uids: added.map((r) => r.uid), uidValidity: summary.uidValidity };
      }
    } else if (!read.list.needsRewrite && read.cleanEnd) {
      const uidValidity = read.list.uidValidity;
      const known = new Map(read.list.records.map((r) => [r.base, r.uid]));
      if (bases.every((base) => known.has(base)))
        return { uids: bases.map((b) => known.get(b)!), uidValidity };
      const added = records(Math.max(effectiveNextUid(read.list), wanted));
      await appendUidlistRecords(this.uidlistPath, added);
      return { uids: added.map((r) => r.uid), uidValidity };
    }
    const list = await this.assignUids(lock, await listMaildir(this.dir), wanted);
    const known = new Map(list.records.map((r) => [r.base, r.uid]));
    const uids = bases.map((base) => {
      const uid = known.get(base);
      if (uid === undefined) throw new StoreError("TEMPFAIL", "Saved message vanished before it got a UID");
      return uid;
    });
    return { uids, uidValidity: list.uidValidity };
  }

  /** The uidlist's UIDVALIDITY and next UID; undefined when it is missing or broken (assignUids rebuilds it). */
  private uidlistSummary(): UidlistSummary | undefined {
    try {
      return readUidlistSummary(this.uidlistPath, this.stateFile());
    } catch {
      return undefined;
    }
  }

  private stateFile(): StateFile {
    return { tmpDir: join(this.dir, "tmp"), owner: this.owner };
  }

  async adoptUids(uidValidity: number, uidNext: number): Promise<void> {
    const lock = await this.lock();
    try {
      const files = await listMaildir(this.dir);
      const list = await this.assignUids(lock, files);
      if (list.uidValidity !== uidValidity) {
        if (files.size > 0) throw new StoreError("CANNOT", "Mailbox is not empty: its UIDVALIDITY must stay");
        list.uidValidity = uidValidity;
        list.records = [];
        list.nextUid = 1;
      }
      list.nextUid = Math.max(effectiveNextUid(list), uidNext);
      await rewriteUidlistFile(this.uidlistPath, list, this.owner);
    } finally {
      await lock.release();
    }
  }

  async setFlags(
    message: { uid: number; ref: string },
    flags: number,
    keywords: readonly string[],
  ): Promise<string | undefined> {
    const letters = await this.keywordLetters(undefined, keywords);
    let current: string | undefined = message.ref;
    for (let attempt = 0; current !== undefined && attempt < 3; attempt++) {
      const slash = current.indexOf("/");
      const dir = current.slice(0, slash);
      const parsed = parseFilename(current.slice(slash + 1));
      const name = buildFilename(parsed.base, flags, letters, parsed.otherLetters, parsed.infoTail);
      const target = `${dir}/${name}`;
      if (target === current) return current;
      try {
        // A flag change is a rename inside the same directory, even in new/ (§2.3).
        await rename(join(this.dir, current), join(this.dir, target));
        return target;
      } catch (err) {
        if (errnoCode(err) !== "ENOENT") throw err;
        current = await this.resolve(current);
      }
    }
    return undefined;
  }

  async expunge(messages: readonly { uid: number; ref: string }[]): Promise<void> {
    const dirs = new Set<string>();
    for (const message of messages) {
      let current: string | undefined = message.ref;
      for (let attempt = 0; current !== undefined && attempt < 3; attempt++) {
        try {
          await unlink(join(this.dir, current));
          dirs.add(current.slice(0, current.indexOf("/")));
          break;
        } catch (err) {
          if (errnoCode(err) !== "ENOENT") throw err;
          current = await this.resolve(current);
        }
      }
    }
    for (const dir of dirs) await fsyncDir(join(this.dir, dir));
  }

  async openRead(ref: string, start?: number, end?: number): Promise<Readable> {
    let current: string | undefined = ref;
    for (let attempt = 0; current !== undefined && attempt < 3; attempt++) {
      try {
        // Open first: once we hold the descriptor, a rename or unlink by another process cannot hurt.
        const handle = await open(join(this.dir, current), "r");
        return createReadStream("", { fd: handle, start, end, autoClose: true });
      } catch (err) {
        if (errnoCode(err) !== "ENOENT") throw err;
        current = await this.resolve(current);
      }
    }
    throw new StoreError("EXPUNGED", "Message was expunged");
  }

  async readWhole(ref: string): Promise<Buffer> {
    let current: string | undefined = ref;
    for (let attempt = 0; current !== undefined && attempt < 3; attempt++) {
      try {
        // Synchronous: one small file is read faster than a thread-pool round trip is made.
        return readFileSync(join(this.dir, current));
      } catch (err) {
        if (errnoCode(err) !== "ENOENT") throw err;
        current = await this.resolve(current);
      }
    }
    throw new StoreError("EXPUNGED", "Message was expunged");
  }

  /** Moves new/ files to cur/ keeping their info (§6), as Dovecot does when a session drops \Recent. */
  async recentClaimed(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(join(this.dir, "new"));
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return;
      throw err;
    }
    let moved = false;
    for (const name of names) {
      if (name.startsWith(".")) continue;
      const target = name.includes(":") ? name : `${name}:2,`;
      try {
        await rename(join(this.dir, "new", name), join(this.dir, "cur", target));
        moved = true;
      } catch (err) {
        // Gone (expunged or moved by another session), or no space: Dovecot leaves it in new/.
        if (!["ENOENT", "ENOSPC", "EDQUOT", "EACCES"].includes(errnoCode(err) ?? "")) throw err;
      }
    }
    if (moved) await fsyncDir(join(this.dir, "cur"));
  }

  watchPaths(): string[] {
    return [join(this.dir, "new"), join(this.dir, "cur")];
  }
}

/** Dovecot compresses the uidlist when fewer than 75 % of its records still have a file (§3.1). */
function mostlyExpunged(list: Uidlist, files: ReadonlyMap<string, DirFile>): boolean {
  const alive = list.records.reduce((n, r) => n + (files.has(r.base) ? 1 : 0), 0);
  return alive < list.records.length * 0.75;
}

/** A save written to tmp/ and waiting for the lock to be placed. */
interface PendingSave {
  tmpName: string;
  /** The base with S= and W=, the name in new/ (and before `:2,` in cur/). */
  base: string;
  flags: number;
  keywords: readonly string[];
}

interface PlacedSave {
  uid: number;
  uidValidity: number;
  ref: string;
}

function unwrap<R>(outcome: Outcome<R>): R {
  if ("ok" in outcome) return outcome.ok;
  throw outcome.error;
}

/** Removes a file a failed save left; one already gone is fine. */
function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already.
  }
}

function numberOrUndefined(text: string | undefined): number | undefined {
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}
