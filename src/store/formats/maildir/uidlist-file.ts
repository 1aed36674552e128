import { randomBytes } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, renameSync } from "node:fs";
import { stat } from "node:fs/promises";
import { fdatasyncFd, writeAllSync } from "../../durable-fs.js";
import { errnoCode, StoreError } from "../../errors.js";
import { chownFdSync, FILE_MODE, type FileOwner } from "../../file-owner.js";
import { formatRecord, parseUidlist, serializeUidlist, type Uidlist, type UidlistRecord } from "./uidlist.js";

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

/** Appends records with one write and fdatasyncs them. Only while holding the uidlist lock. */
export async function appendUidlistRecords(path: string, records: readonly UidlistRecord[]): Promise<void> {
  if (records.length === 0) return;
  const fd = openSync(path, "a");
  try {
    writeAllSync(fd, Buffer.from(records.map(formatRecord).join("")));
    await fdatasyncFd(fd);
  } finally {
    closeSync(fd);
  }
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
