import { readFile, stat } from "node:fs/promises";
import { errnoCode } from "../../errors.js";
import type { FileOwner } from "../../file-owner.js";
import { acquireDotlock } from "../common/dotlock.js";
import { parseKeywords, serializeKeywords } from "./keywords.js";

/** dovecot-keywords of one mailbox, re-read only when its mtime changed (what Dovecot's readers do). */
export class KeywordsFile {
  private names: (string | undefined)[] = [];
  private mtimeMs = -1;

  constructor(
    readonly path: string,
    private readonly owner: FileOwner | undefined,
  ) {}

  async load(): Promise<(string | undefined)[]> {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(this.path)).mtimeMs;
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") throw err;
      this.names = [];
      this.mtimeMs = -1;
      return this.names;
    }
    if (mtimeMs !== this.mtimeMs) {
      try {
        this.names = parseKeywords(await readFile(this.path, "utf8"));
        this.mtimeMs = mtimeMs;
      } catch (err) {
        if (errnoCode(err) !== "ENOENT") throw err;
        this.names = [];
      }
    }
    return this.names;
  }

  /**
   * Writes a new table. Caller holds the uidlist lock (§4). `dovecot-keywords.lock` is both the lock
   * and the temp file; the mtime must grow strictly because readers compare only the mtime.
   */
  async save(names: readonly (string | undefined)[]): Promise<void> {
    const previous = this.mtimeMs;
    const lock = await acquireDotlock(`${this.path}.lock`, { owner: this.owner, timeoutMs: 30_000 });
    const now = Date.now();
    const mtime =
      previous >= 0 && Math.floor(now / 1000) <= Math.floor(previous / 1000) ? previous + 1000 : now;
    try {
      await lock.commitTo(this.path, serializeKeywords(names), mtime);
    } finally {
      await lock.release();
    }
    this.names = [...names];
    this.mtimeMs = (await stat(this.path)).mtimeMs;
  }
}
