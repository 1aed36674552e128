import type BetterSqlite3 from "better-sqlite3";
import type { FileOwner } from "./file-owner.js";

/**
 * Opens (creating it 0600) an SQLite file of the user's, e.g. Sieve's tracking records. SQLite is
 * imported on first use: loft-lda, started once per message, loads it only for a delivery that
 * keeps records (vacation, duplicate, redirect) or goes through the index.
 */
export async function openUserSqlite(
  path: string,
  owner: FileOwner | undefined,
  timeoutMs: number,
): Promise<BetterSqlite3.Database> {
  return (await import("./index/index.js")).openUserSqlite(path, owner, timeoutMs);
}
