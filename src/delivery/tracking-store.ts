// Per-user records of what Sieve must remember between deliveries: duplicate ids (RFC 7352),
// vacation replies sent (RFC 5230 §4.2), redirects done (loop protection) and the copies of a
// delivery that failed half-way (so that the MTA's retry does not store them twice). One small SQLite
// file in the user's Loft directory, shared safely by `loft serve` and `loft-lda` processes.
import { join } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { openUserSqlite } from "../store/index.js";

export interface TrackingOwner {
  uid?: number;
  gid?: number;
}

/** Older records than this are removed now and then; no Sieve period reaches it by default. */
const MAX_AGE_SECONDS = 366 * 86400;

export class TrackingStore {
  private db: Promise<BetterSqlite3.Database> | null = null;

  constructor(
    private readonly path: string,
    private readonly owner: TrackingOwner = {},
  ) {}

  static forHome(home: string, owner: TrackingOwner = {}): TrackingStore {
    return new TrackingStore(join(home, ".loft", "sieve-tracking.sqlite"), owner);
  }

  // Opened on first use: most deliveries never ask. The file is the user's, 0600 (it names their
  // correspondents), like their index.
  private open(): Promise<BetterSqlite3.Database> {
    if (this.db !== null) return this.db;
    const root = process.geteuid?.() === 0 && this.owner.uid !== undefined && this.owner.gid !== undefined;
    this.db = openUserSqlite(
      this.path,
      root ? { uid: this.owner.uid!, gid: this.owner.gid! } : undefined,
      5000,
    ).then((db) => {
      db.pragma("journal_mode = WAL");
      db.exec(
        "CREATE TABLE IF NOT EXISTS tracking (kind TEXT NOT NULL, key TEXT NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (kind, key))",
      );
      return db;
    });
    return this.db;
  }

  /** Whether (kind, key) was recorded less than `seconds` before `now`. */
  async seen(kind: string, key: string, seconds: number, now: Date): Promise<boolean> {
    const row = (await this.open())
      .prepare("SELECT at FROM tracking WHERE kind = ? AND key = ?")
      .get(kind, key) as { at: number } | undefined;
    return row !== undefined && row.at > now.getTime() - seconds * 1000;
  }

  async record(kind: string, key: string, now: Date): Promise<void> {
    const db = await this.open();
    db.prepare(
      "INSERT INTO tracking (kind, key, at) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET at = excluded.at",
    ).run(kind, key, now.getTime());
    if (Math.random() < 0.01) {
      db.prepare("DELETE FROM tracking WHERE at < ?").run(now.getTime() - MAX_AGE_SECONDS * 1000);
    }
  }

  async forget(kind: string, key: string): Promise<void> {
    (await this.open()).prepare("DELETE FROM tracking WHERE kind = ? AND key = ?").run(kind, key);
  }

  /** Closes the file once its opening (if any) is done; a failed opening has nothing to close. */
  close(): void {
    this.db?.then(
      (db) => db.close(),
      () => {},
    );
    this.db = null;
  }
}
