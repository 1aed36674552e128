import { lchown, readlink, stat, symlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isInside, makeDirs } from "../../durable-fs.js";
import { errnoCode, StoreError } from "../../errors.js";
import type { FileOwner } from "../../file-owner.js";
import type { MailLocation } from "../../mail-location.js";
import { INBOX, isInbox, type MailboxPath } from "../../mailbox-name.js";
import { decodeMutf7, encodeMutf7 } from "../common/mutf7.js";
import { readDirents } from "../common/read-dirents.js";

/** Per-mailbox directory holding the mail (sdbox) and the indexes (storage-dbox.md §1). */
export const MAIL_DIR = "dbox-Mails";
const MAILBOXES = "mailboxes";
/** Dovecot's pointer from the primary root to the alternate one (§1.3). */
const ALT_LINK = "dbox-alt-root";

export interface ListedMailbox {
  path: string[];
  /** False for a directory that only holds children (no dbox-Mails/). */
  selectable: boolean;
}

/**
 * Where a dbox user's files are: `<root>/mailboxes/<name>/dbox-Mails/` with names in modified
 * UTF-7 and `/` between levels ("fs" layout), the same relative layout under the ALT root.
 */
export class DboxLayout {
  readonly root: string;
  readonly altRoot: string | undefined;

  constructor(location: MailLocation) {
    this.root = resolve(location.root);
    this.altRoot = location.options.ALT ? resolve(location.options.ALT) : undefined;
  }

  validate(path: MailboxPath): void {
    for (const level of path) {
      if (level === MAIL_DIR) throw new StoreError("BADNAME", `Mailbox name "${level}" is reserved by dbox`);
    }
  }

  private mailboxRoot(base: string, path: MailboxPath): string {
    this.validate(path);
    const top = join(base, MAILBOXES);
    const dir = resolve(top, ...path.map(encodeMutf7));
    if (!isInside(top, dir) || dir === top) {
      throw new StoreError("BADNAME", `Mailbox name leaves the mail root: ${path.join("/")}`);
    }
    return dir;
  }

  /** The mailbox's own directory (parent of dbox-Mails/ and of its children). */
  mailboxDir(path: MailboxPath, alt = false): string {
    const base = alt ? this.altRoot : this.root;
    if (base === undefined) throw new StoreError("CANNOT", "No alternate storage configured");
    return this.mailboxRoot(base, isInbox(path) ? [INBOX] : path);
  }

  mailDir(path: MailboxPath, alt = false): string {
    return join(this.mailboxDir(path, alt), MAIL_DIR);
  }

  storageDir(alt = false): string {
    const base = alt ? this.altRoot : this.root;
    if (base === undefined) throw new StoreError("CANNOT", "No alternate storage configured");
    return join(base, "storage");
  }

  /**
   * Creates the root and, with ALT=, the alternate root and the `dbox-alt-root` link: without it
   * Dovecot refuses to rebuild indexes ("Alt storage not mounted"), so as not to drop alt mails.
   */
  async init(owner: FileOwner | undefined): Promise<void> {
    await makeDirs(join(this.root, MAILBOXES), owner);
    if (this.altRoot === undefined) return;
    await makeDirs(this.altRoot, owner);
    const link = join(this.root, ALT_LINK);
    const current = await readlink(link).catch((err) => {
      if (errnoCode(err) === "ENOENT") return undefined;
      throw err;
    });
    if (current === undefined) {
      await symlink(this.altRoot, link);
      if (owner) await lchown(link, owner.uid, owner.gid);
    }
  }

  /** Every mailbox on disk; INBOX always first (it is created on open). */
  async list(): Promise<ListedMailbox[]> {
    const found: ListedMailbox[] = [{ path: [INBOX], selectable: true }];
    await this.walk(join(this.root, MAILBOXES), [], found);
    return found;
  }

  private async walk(dir: string, prefix: string[], found: ListedMailbox[]): Promise<void> {
    for (const entry of await readDirents(dir)) {
      if (!entry.isDirectory() || entry.name.startsWith(".") || entry.name === MAIL_DIR) continue;
      const level = decodeMutf7(entry.name);
      if (level === undefined) continue;
      const path = [...prefix, level];
      const full = join(dir, entry.name);
      if (!isInbox(path)) found.push({ path, selectable: await isDirectory(join(full, MAIL_DIR)) });
      await this.walk(full, path, found);
    }
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") return false;
    throw err;
  }
}
