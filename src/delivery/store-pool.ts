// Users' stores kept open between deliveries. Opening one costs an SQLite open (schema check,
// pragmas) and a look at every mailbox, and closing the last handle checkpoints the WAL: measured,
// that was most of an LMTP delivery's time. A server that delivers to the same users again and
// again keeps each store for a few seconds after its last use; loft-lda (one delivery per
// process) keeps nothing.
import type { MailDrop } from "../store/index.js";

interface Entry {
  store: Promise<MailDrop>;
  users: number;
  timer: NodeJS.Timeout | null;
}

export class StorePool {
  private readonly open = new Map<string, Entry>();
  private closing = false;

  /** `keepMs` 0 closes a store as soon as its last user gives it back. */
  constructor(private readonly keepMs: number) {}

  /**
   * The store for `key` (one per user and home), opened by `opening` when none is held. Every
   * successful acquire must be paired with one release.
   */
  async acquire(key: string, opening: () => Promise<MailDrop>): Promise<MailDrop> {
    let entry = this.open.get(key);
    if (entry === undefined) {
      entry = { store: opening(), users: 0, timer: null };
      this.open.set(key, entry);
      const failed = entry;
      // A store that failed to open is not kept: the next delivery tries again.
      failed.store.catch(() => {
        if (this.open.get(key) === failed) this.open.delete(key);
      });
    }
    if (entry.timer !== null) clearTimeout(entry.timer);
    entry.timer = null;
    entry.users++;
    try {
      return await entry.store;
    } catch (err) {
      entry.users--;
      throw err;
    }
  }

  release(key: string): void {
    const entry = this.open.get(key);
    if (entry === undefined || --entry.users > 0) return;
    if (this.keepMs === 0 || this.closing) {
      this.drop(key, entry);
      return;
    }
    entry.timer = setTimeout(() => this.drop(key, entry), this.keepMs);
    // An idle store never keeps the process alive.
    entry.timer.unref();
  }

  /** At shutdown: closes every store nobody is using; stores in use close on their release. */
  closeIdle(): void {
    this.closing = true;
    for (const [key, entry] of this.open) if (entry.users === 0) this.drop(key, entry);
  }

  private drop(key: string, entry: Entry): void {
    if (entry.timer !== null) clearTimeout(entry.timer);
    if (this.open.get(key) === entry) this.open.delete(key);
    entry.store.then(
      (store) => store.close(),
      () => {},
    );
  }
}
