import { readdir, rename, rm, stat, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { FormatStore, ListedFormatMailbox } from "../../backend.js";
import { isInside, makeDirs } from "../../durable-fs.js";
import { errnoCode, StoreError } from "../../errors.js";
import type { FileOwner } from "../../file-owner.js";
import type { MailLocation } from "../../mail-location.js";
import { INBOX, isDescendant, isInbox, type MailboxPath, pathKey } from "../../mailbox-name.js";
import { decodeMutf7, encodeMutf7 } from "../common/mutf7.js";
import { SubscriptionsFile } from "../common/subscriptions-file.js";
import { MboxMailbox } from "./mbox-mailbox.js";

/** Files beside the mailboxes that are not mailboxes: Dovecot's `.imap/`, `.subscriptions`, dotlocks. */
function isInternalName(name: string): boolean {
  return name.startsWith(".") || name.endsWith(".lock");
}

async function kindOf(path: string): Promise<"file" | "dir" | undefined> {
  try {
    const st = await stat(path);
    return st.isFile() ? "file" : st.isDirectory() ? "dir" : undefined;
  } catch (err) {
    if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") return undefined;
    throw err;
  }
}

/**
 * Dovecot's mbox layout (storage-mbox.md §1): every mailbox a file under the root, hierarchy as
 * directories (`Dir/Sub`; a directory is \Noselect), INBOX at `INBOX=` or `<root>/inbox`,
 * subscriptions in `<root>/.subscriptions`. Names on disk are modified UTF-7.
 */
export class MboxStore implements FormatStore {
  readonly format = "mbox";
  readonly root: string;
  readonly inboxFile: string;
  private readonly mailboxes = new Map<string, MboxMailbox>();

  private readonly subscriptionsFile: SubscriptionsFile;

  constructor(
    location: MailLocation,
    private readonly owner: FileOwner | undefined,
    private readonly user: string,
  ) {
    this.root = location.root;
    this.inboxFile = location.inbox ?? join(location.root, "inbox");
    this.subscriptionsFile = new SubscriptionsFile(join(this.root, ".subscriptions"), "/", owner);
  }

  private get uidValidityDir(): string {
    return join(this.root, ".imap");
  }

  async init(): Promise<void> {
    await makeDirs(this.root, this.owner);
    await makeDirs(this.uidValidityDir, this.owner);
    const inbox = this.mailbox([INBOX]);
    if (!(await inbox.exists())) {
      await inbox.create().catch((err) => {
        if (!(err instanceof StoreError && err.code === "ALREADYEXISTS")) throw err;
      });
    }
  }

  validateName(path: MailboxPath): void {
    if (isInbox(path)) return;
    for (const level of path) {
      if (isInternalName(encodeMutf7(level))) {
        throw new StoreError("BADNAME", `Mailbox name "${level}" is reserved by the mbox layout`);
      }
    }
    const file = this.fileOf(path);
    if (!isInside(this.root, file) || file === this.root) {
      throw new StoreError("BADNAME", `Mailbox name leaves the mail root: ${path.join("/")}`);
    }
  }

  private fileOf(path: MailboxPath): string {
    return isInbox(path) ? this.inboxFile : join(this.root, ...path.map(encodeMutf7));
  }

  mailbox(path: MailboxPath): MboxMailbox {
    const key = pathKey(path);
    let mailbox = this.mailboxes.get(key);
    if (!mailbox) {
      mailbox = new MboxMailbox(path, this.fileOf(path), {
        owner: this.owner,
        user: this.user,
        uidValidityDir: this.uidValidityDir,
      });
      this.mailboxes.set(key, mailbox);
    }
    return mailbox;
  }

  async list(): Promise<ListedFormatMailbox[]> {
    const found: ListedFormatMailbox[] = [];
    if ((await kindOf(this.inboxFile)) === "file") found.push({ path: [INBOX], selectable: true });
    const walk = async (dir: string, parent: string[]) => {
      let entries: import("node:fs").Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (err) {
        if (errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR") return;
        throw err;
      }
      for (const entry of entries) {
        if (isInternalName(entry.name)) continue;
        const full = join(dir, entry.name);
        if (full === this.inboxFile) continue;
        const level = decodeMutf7(entry.name);
        if (level === undefined) continue;
        // The root's `inbox` is INBOX itself whatever its case (Dovecot names it so).
        if (parent.length === 0 && level.toUpperCase() === INBOX) continue;
        const kind = entry.isSymbolicLink()
          ? await kindOf(full)
          : entry.isFile()
            ? "file"
            : entry.isDirectory()
              ? "dir"
              : undefined;
        if (kind === "file") found.push({ path: [...parent, level], selectable: true });
        if (kind === "dir") {
          found.push({ path: [...parent, level], selectable: false });
          await walk(full, [...parent, level]);
        }
      }
    };
    await walk(this.root, []);
    return found;
  }

  /** A file cannot have children: Dovecot refuses `Work/Sub` when `Work` holds mail (§1). */
  private async checkParents(path: MailboxPath): Promise<void> {
    for (let depth = 1; depth < path.length; depth++) {
      const parent = path.slice(0, depth);
      if (isInbox(parent) || (await kindOf(this.fileOf(parent))) === "file") {
        throw new StoreError("CANNOT", "Mailbox doesn't allow inferior mailboxes");
      }
    }
  }

  async create(path: MailboxPath): Promise<void> {
    this.validateName(path);
    if ((await kindOf(this.fileOf(path))) !== undefined) {
      throw new StoreError("ALREADYEXISTS", "Mailbox already exists");
    }
    await this.checkParents(path);
    await this.mailbox(path).create();
  }

  async delete(path: MailboxPath): Promise<void> {
    if (isInbox(path)) throw new StoreError("CANNOT", "INBOX can't be deleted");
    const file = this.fileOf(path);
    const kind = await kindOf(file);
    if (kind === undefined) throw new StoreError("NONEXISTENT", "Mailbox doesn't exist");
    if (kind === "file") {
      await unlink(file);
    } else {
      const children = (await readdir(file)).filter((name) => !isInternalName(name));
      if (children.length > 0) throw new StoreError("NONEXISTENT", "Mailbox has children, delete them first");
      await rm(file, { recursive: true, force: true });
    }
    this.mailboxes.delete(pathKey(path));
  }

  async rename(from: MailboxPath, to: MailboxPath): Promise<void> {
    this.validateName(to);
    const source = this.fileOf(from);
    const target = this.fileOf(to);
    if ((await kindOf(source)) === undefined) throw new StoreError("NONEXISTENT", "Mailbox doesn't exist");
    if ((await kindOf(target)) !== undefined)
      throw new StoreError("ALREADYEXISTS", "Target mailbox already exists");
    if (isDescendant(to, from)) throw new StoreError("CANNOT", "Can't rename mailbox under itself");
    await this.checkParents(to);
    await makeDirs(dirname(target), this.owner);
    // A directory moves with all its children.
    await rename(source, target);
    this.mailboxes.clear();
  }

  async subscriptions(): Promise<string[][]> {
    return this.subscriptionsFile.read();
  }

  setSubscribed(path: MailboxPath, subscribed: boolean): Promise<void> {
    return this.subscriptionsFile.set(path, subscribed);
  }
}
