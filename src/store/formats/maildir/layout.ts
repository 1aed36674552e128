import { stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isInside } from "../../durable-fs.js";
import { StoreError } from "../../errors.js";
import type { MailLocation } from "../../mail-location.js";
import { INBOX, isInbox, type MailboxPath } from "../../mailbox-name.js";
import { decodeMutf7, encodeMutf7 } from "../common/mutf7.js";
import { readDirents } from "../common/read-dirents.js";

/** The per-mailbox subdirectories of a Maildir; they cannot be mailbox names in LAYOUT=fs. */
const MAILDIR_SUBDIRS = new Set(["cur", "new", "tmp"]);

export interface ListedMailbox {
  path: string[];
  /** False for a directory without cur/ (LAYOUT=fs parent that only holds children). */
  selectable: boolean;
}

/**
 * Maps mailbox names to directories for both Dovecot Maildir layouts (storage-maildir.md §1):
 * Maildir++ (`.Work.Sub` beside the root's cur/) and LAYOUT=fs (`Work/Sub`). Names are stored in
 * modified UTF-7. Every path produced is checked to stay under its root.
 */
export class MaildirLayout {
  readonly root: string;
  readonly controlRoot: string;
  readonly kind: "maildir++" | "fs";
  private readonly inboxDir: string;
  private readonly controlBase: string | undefined;

  constructor(location: MailLocation) {
    this.root = resolve(location.root);
    this.kind = location.layout;
    this.inboxDir = location.inbox ? resolve(location.inbox) : this.root;
    this.controlBase = location.control ? resolve(location.control) : undefined;
    this.controlRoot = this.controlBase ?? this.root;
  }

  /** Refuses names this layout cannot store (Dovecot: `.` in Maildir++, cur/new/tmp in LAYOUT=fs). */
  validate(path: MailboxPath): void {
    for (const level of path) {
      if (this.kind === "maildir++" && level.includes(".")) {
        throw new StoreError("BADNAME", `Character not allowed in mailbox name: '.'`);
      }
      if (this.kind === "fs" && MAILDIR_SUBDIRS.has(level)) {
        throw new StoreError("BADNAME", `Mailbox name "${level}" is reserved by the Maildir layout`);
      }
    }
  }

  private relative(path: MailboxPath): string {
    const encoded = path.map(encodeMutf7);
    return this.kind === "fs" ? join(...encoded) : `.${encoded.join(".")}`;
  }

  private under(base: string, path: MailboxPath): string {
    this.validate(path);
    const dir = resolve(base, this.relative(path));
    if (!isInside(base, dir) || dir === base) {
      throw new StoreError("BADNAME", `Mailbox name leaves the mail root: ${path.join("/")}`);
    }
    return dir;
  }

  mailboxDir(path: MailboxPath): string {
    return isInbox(path) ? this.inboxDir : this.under(this.root, path);
  }

  controlDir(path: MailboxPath): string {
    if (this.controlBase === undefined) return this.mailboxDir(path);
    return isInbox(path) ? this.controlBase : this.under(this.controlBase, path);
  }

  /** Every mailbox on disk; INBOX always first (it is created on open). */
  async list(): Promise<ListedMailbox[]> {
    const found: ListedMailbox[] = [{ path: [INBOX], selectable: true }];
    if (this.kind === "maildir++") {
      for (const entry of await readDirents(this.root)) {
        if (
          !entry.isDirectory() ||
          !entry.name.startsWith(".") ||
          entry.name === "." ||
          entry.name === ".."
        ) {
          continue;
        }
        const levels = entry.name.slice(1).split(".").map(decodeMutf7);
        if (levels.some((l) => l === undefined || l === "")) continue;
        const path = levels as string[];
        if (isInbox(path)) continue;
        found.push({ path, selectable: true });
      }
    } else {
      await this.walkFs(this.root, [], found);
    }
    return found;
  }

  private async walkFs(dir: string, prefix: string[], found: ListedMailbox[]): Promise<void> {
    for (const entry of await readDirents(dir)) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      if (MAILDIR_SUBDIRS.has(entry.name)) continue;
      const level = decodeMutf7(entry.name);
      if (level === undefined) continue;
      const path = [...prefix, level];
      const full = join(dir, entry.name);
      if (!isInbox(path)) found.push({ path, selectable: await exists(join(full, "cur")) });
      await this.walkFs(full, path, found);
    }
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
