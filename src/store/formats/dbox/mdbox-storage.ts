import { open, readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fsyncDir, makeDirs, writeFileAtomic } from "../../durable-fs.js";
import { errnoCode, StoreError } from "../../errors.js";
import { chownHandle, FILE_MODE, type FileOwner } from "../../file-owner.js";
import { acquireDotlock, type Dotlock } from "../common/dotlock.js";
import { fileHeader, readFileHeader, readRecord } from "./dbox-file.js";
import type { DboxLayout } from "./dbox-layout.js";
import { type RecordInput, type WrittenRecord, writeRecord } from "./dbox-record-writer.js";

/** Dovecot's default mdbox_rotate_size. */
export const DEFAULT_ROTATE_SIZE = 10 * 1024 * 1024;
export const STORAGE_FILE = /^m\.([1-9]\d*)$/;
/** Loft's state of the storage: which file it appends to, the highest file id it created. */
const STATE_FILE = "loft-storage";

export interface StorageFile {
  id: number;
  path: string;
  alt: boolean;
}

/**
 * The shared `storage/m.<N>` files of an mdbox root (and ALT). Loft appends only to a file it
 * created itself (never to one Dovecot may hold open), one writer at a time under the dotlock
 * `storage/loft-storage.lock`, and starts a new file as Dovecot does: when the message would not
 * fit below mdbox_rotate_size (a larger message gets a file of its own).
 */
export class MdboxStorage {
  /** End of the last complete record per file id, as this process last saw it. */
  private readonly checkedEnd = new Map<number, number>();

  constructor(
    private readonly layout: DboxLayout,
    private readonly rotateSize: number,
    private readonly owner: FileOwner | undefined,
  ) {}

  get dir(): string {
    return this.layout.storageDir();
  }

  async init(): Promise<void> {
    await makeDirs(this.dir, this.owner);
  }

  /** Every storage file; a file in both places is the primary one (Dovecot reads that first). */
  async files(): Promise<StorageFile[]> {
    const found = new Map<number, StorageFile>();
    const dirs: [string, boolean][] = [[this.dir, false]];
    if (this.layout.altRoot !== undefined) dirs.push([this.layout.storageDir(true), true]);
    for (const [dir, alt] of dirs) {
      let names: string[];
      try {
        names = await readdir(dir);
      } catch (err) {
        if (errnoCode(err) === "ENOENT") continue;
        throw err;
      }
      for (const name of names) {
        const match = STORAGE_FILE.exec(name);
        const id = Number(match?.[1]);
        if (match && !found.has(id)) found.set(id, { id, path: join(dir, name), alt });
      }
    }
    return [...found.values()].sort((a, b) => a.id - b.id);
  }

  /** Where m.<id> is now: primary first, then ALT. */
  async locate(id: number): Promise<string | undefined> {
    const candidates = [join(this.dir, `m.${id}`)];
    if (this.layout.altRoot !== undefined) candidates.push(join(this.layout.storageDir(true), `m.${id}`));
    for (const path of candidates) {
      try {
        await stat(path);
        return path;
      } catch (err) {
        if (errnoCode(err) !== "ENOENT") throw err;
      }
    }
    return undefined;
  }

  lock(): Promise<Dotlock> {
    return acquireDotlock(join(this.dir, `${STATE_FILE}.lock`), {
      owner: this.owner,
      watchPath: join(this.dir, STATE_FILE),
    });
  }

  /** `F<append file id> H<highest id created>`: ids are never reused, so a stale reference finds nothing. */
  private async state(): Promise<{ append: number; highest: number } | undefined> {
    try {
      const match = /^F(\d+) H(\d+)\n/.exec(await readFile(join(this.dir, STATE_FILE), "latin1"));
      return match ? { append: Number(match[1]), highest: Number(match[2]) } : undefined;
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return undefined;
      throw err;
    }
  }

  private async writeState(append: number, highest: number): Promise<void> {
    await writeFileAtomic(join(this.dir, STATE_FILE), `F${append} H${highest}\n`, this.owner);
  }

  /** True once Loft keeps maps for this root (see MdboxStore.init); the caller holds the lock. */
  async adopted(): Promise<boolean> {
    return (await this.state()) !== undefined;
  }

  /** Marks the root as Loft's, appending to no existing file; the caller holds the lock. */
  async adopt(): Promise<void> {
    if (!(await this.adopted())) await this.writeState(0, (await this.files()).at(-1)?.id ?? 0);
  }

  /**
   * A new empty m.<id> above every file id in use or ever created by Loft; the caller holds the
   * lock. A primary file becomes the one appends go to.
   */
  async createFile(alt = false): Promise<StorageFile> {
    const state = await this.state();
    const highest = Math.max((await this.files()).at(-1)?.id ?? 0, state?.highest ?? 0);
    const dir = this.layout.storageDir(alt);
    await makeDirs(dir, this.owner);
    for (let id = highest + 1; ; id++) {
      const path = join(dir, `m.${id}`);
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(path, "wx", FILE_MODE);
      } catch (err) {
        if (errnoCode(err) === "EEXIST") continue;
        throw err;
      }
      try {
        await chownHandle(handle, this.owner);
        const header = fileHeader(Math.floor(Date.now() / 1000));
        await handle.write(header, 0, header.length, 0);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fsyncDir(dir);
      await this.writeState(alt ? (state?.append ?? 0) : id, id);
      return { id, path, alt };
    }
  }

  /**
   * Where the next record goes in m.<id>: after the last complete record. A writer killed in the
   * middle of a record leaves a partial one, which is cut off here (we hold the lock, so nobody is
   * writing it).
   */
  private async appendOffset(id: number, path: string): Promise<{ end: number; empty: boolean }> {
    const handle = await open(path, "r+");
    try {
      const { size } = await handle.stat();
      const header = await readFileHeader(handle, path);
      let end = this.checkedEnd.get(id) ?? header.length;
      if (end > size) end = header.length;
      while (end < size) {
        const record = await readRecord(handle, path, header, end).catch(() => undefined);
        if (!record || record.end > size) break;
        end = record.end;
      }
      if (end < size) await handle.truncate(end);
      this.checkedEnd.set(id, end);
      return { end, empty: end === header.length };
    } finally {
      await handle.close();
    }
  }

  /**
   * Appends one record and, still under the storage lock (so a purge never sees the record
   * unreferenced), runs `commit` to record it in a mailbox map. If either fails, the record is
   * cut off again.
   */
  async append<T>(
    input: RecordInput,
    knownSize: number | undefined,
    commit: (fileId: number, offset: number, written: WrittenRecord) => Promise<T>,
  ): Promise<T> {
    const lock = await this.lock();
    try {
      let id = (await this.state())?.append || undefined;
      let path = id === undefined ? undefined : join(this.dir, `m.${id}`);
      let at: { end: number; empty: boolean } | undefined;
      if (id !== undefined && path !== undefined) {
        // Gone (purged, moved to ALT) or unreadable: start a new file rather than repair this one.
        at = await this.appendOffset(id, path).catch((err) => {
          if (errnoCode(err) !== "ENOENT" && !(err instanceof StoreError)) throw err;
          return undefined;
        });
      }
      const full =
        at !== undefined &&
        (at.end >= this.rotateSize || (!at.empty && at.end + (knownSize ?? 0) > this.rotateSize));
      if (id === undefined || path === undefined || at === undefined || full) {
        const created = await this.createFile();
        id = created.id;
        path = created.path;
        at = await this.appendOffset(id, path);
      }
      const offset = at.end;
      const handle = await open(path, "r+");
      try {
        const written = await writeRecord(handle, offset, input);
        await handle.sync();
        const result = await commit(id, offset, written);
        this.checkedEnd.set(id, written.end);
        return result;
      } catch (err) {
        await handle.truncate(offset).catch(() => {});
        throw err;
      } finally {
        await handle.close();
      }
    } finally {
      await lock.release();
    }
  }
}
