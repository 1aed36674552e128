import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, openSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { DIR_MODE, FILE_MODE, type FileOwner } from "../file-owner.js";
import { MIGRATIONS, SCHEMA, SCHEMA_VERSION } from "./schema.js";

let addonPath: string | null | undefined;

/**
 * In the loft-lda bundle (scripts/build.mjs): where the addon of the better-sqlite3 it was built
 * from is, relative to the bundle. Undefined elsewhere.
 */
declare const LOFT_BUNDLED_SQLITE_ADDON: string | undefined;

/**
 * better-sqlite3's addon, named to it directly: left to itself it looks for it through the
 * `bindings` package, a dozen paths tried at each start of loft-lda. The bundle knows where it was
 * when it was built (one stat, where Node's resolution reads package.json files and resolves
 * real paths: half a millisecond of a start). Null (its own search) when the package was built
 * somewhere else.
 */
function nativeBinding(): string | undefined {
  if (addonPath === undefined) {
    const bundled =
      typeof LOFT_BUNDLED_SQLITE_ADDON === "string"
        ? join(dirname(fileURLToPath(import.meta.url)), LOFT_BUNDLED_SQLITE_ADDON)
        : undefined;
    if (bundled !== undefined && existsSync(bundled)) addonPath = bundled;
    else {
      try {
        addonPath = createRequire(import.meta.url).resolve(
          "better-sqlite3/build/Release/better_sqlite3.node",
        );
      } catch {
        addonPath = null;
      }
    }
  }
  return addonPath ?? undefined;
}

/**
 * Opens (creating when missing) one of a user's SQLite files: 0600 and owned by the user, in a 0700
 * directory; SQLite gives its -wal and -shm files the same mode and owner.
 */
export function openUserSqlite(
  path: string,
  owner: FileOwner | undefined,
  timeoutMs: number,
): Database.Database {
  if (path !== ":memory:") {
    const dir = dirname(path);
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true, mode: DIR_MODE });
      if (owner) chownSync(dir, owner.uid, owner.gid);
    }
    if (!existsSync(path)) closeSync(openSync(path, "a", FILE_MODE));
    chmodSync(path, FILE_MODE);
    if (owner) chownSync(path, owner.uid, owner.gid);
  }
  return new Database(path, { timeout: timeoutMs, nativeBinding: nativeBinding() });
}

/**
 * Opens (creating when missing) a user's index file (openUserSqlite), WAL mode so readers in other
 * processes never block writers.
 */
export function openDatabase(path: string, owner: FileOwner | undefined): Database.Database {
  const db = openUserSqlite(path, owner, 30_000);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  // Small per-user page cache: thousands of idle sessions must fit in a few hundred MB.
  db.pragma("cache_size = -512");
  // An index at this version has every table: parsing the schema again is a cost of every open
  // (loft-lda opens one per message).
  if (schemaVersion(db) === String(SCHEMA_VERSION)) return withOwnerOnSidecars(db, path, owner);
  db.exec(SCHEMA);
  const version = schemaVersion(db);
  if (version === undefined) {
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema', ?)").run(String(SCHEMA_VERSION));
  } else if (Number(version) < SCHEMA_VERSION) {
    db.transaction(() => {
      // Read again under the write lock: another process may have migrated meanwhile.
      const now = Number(db.prepare("SELECT value FROM meta WHERE key = 'schema'").pluck().get());
      for (const m of MIGRATIONS) if (m.version > now) db.exec(m.sql);
      db.prepare("UPDATE meta SET value = ? WHERE key = 'schema'").run(String(SCHEMA_VERSION));
    }).immediate();
  }
  return withOwnerOnSidecars(db, path, owner);
}

/** The schema version an index records; undefined for a new file (no meta table or no row yet). */
function schemaVersion(db: Database.Database): string | undefined {
  try {
    return db.prepare("SELECT value FROM meta WHERE key = 'schema'").pluck().get() as string | undefined;
  } catch {
    return undefined;
  }
}

/** The -wal and -shm files SQLite made get the index's mode and owner. */
function withOwnerOnSidecars(
  db: Database.Database,
  path: string,
  owner: FileOwner | undefined,
): Database.Database {
  if (path !== ":memory:") {
    for (const file of [`${path}-wal`, `${path}-shm`]) {
      if (!existsSync(file)) continue;
      chmodSync(file, FILE_MODE);
      if (owner) chownSync(file, owner.uid, owner.gid);
    }
  }
  return db;
}
