import { randomBytes } from "node:crypto";
import { rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { FormatMailbox, FormatStore, ListedFormatMailbox } from "../../backend.js";
import { makeDirs } from "../../durable-fs.js";
import { errnoCode, StoreError } from "../../errors.js";
import type { FileOwner } from "../../file-owner.js";
import { INBOX, isDescendant, isInbox, type MailboxPath, pathKey } from "../../mailbox-name.js";
import { SubscriptionsFile } from "../common/subscriptions-file.js";
import { type DboxLayout, isDirectory } from "./dbox-layout.js";

export interface DboxMailbox extends FormatMailbox {
  create(): Promise<void>;
}

/**
 * What sdbox and mdbox share: the mailbox tree under `mailboxes/`, the ALT root and the
 * `subscriptions` file (same format as Maildir's, storage-maildir.md §5). Each format supplies its
 * mailboxes.
 */
export abstract class DboxStore implements FormatStore {
  abstract readonly format: string;
  /** dbox files hold no flags: they live in the index only, as in Dovecot's. */
  readonly flagsOnlyInIndex = true;
  private readonly mailboxes = new Map<string, DboxMailbox>();

  private readonly subscriptionsFile: SubscriptionsFile;

  constructor(
    readonly layout: DboxLayout,
    protected readonly owner: FileOwner | undefined,
  ) {
    this.subscriptionsFile = new SubscriptionsFile(join(layout.root, "subscriptions"), "/", owner);
  }

  protected abstract newMailbox(path: MailboxPath): DboxMailbox;

  async init(): Promise<void> {
    await this.layout.init(this.owner);
    const inbox = this.mailbox([INBOX]);
    if (!(await inbox.exists())) await inbox.create();
  }

  validateName(path: MailboxPath): void {
    this.layout.validate(path);
  }

  mailbox(path: MailboxPath): DboxMailbox {
    const key = pathKey(path);
    let mailbox = this.mailboxes.get(key);
    if (!mailbox) {
      mailbox = this.newMailbox(path);
      this.mailboxes.set(key, mailbox);
    }
    return mailbox;
  }

  list(): Promise<ListedFormatMailbox[]> {
    return this.layout.list();
  }

  async create(path: MailboxPath): Promise<void> {
    const mailbox = this.mailbox(path);
    if (await mailbox.exists()) throw new StoreError("ALREADYEXISTS", "Mailbox already exists");
    await mailbox.create();
  }

  /**
   * Moves dbox-Mails/ out of the tree first, so a crash never leaves a half-deleted mailbox that
   * still lists; the mailbox directory stays when it is the parent of others. mdbox messages stay
   * in storage/ until a purge.
   */
  async delete(path: MailboxPath): Promise<void> {
    if (isInbox(path)) throw new StoreError("CANNOT", "INBOX can't be deleted");
    const hasChildren = (await this.list()).some((m) => isDescendant(m.path, path));
    if (!(await this.mailbox(path).exists())) {
      throw new StoreError(
        "NONEXISTENT",
        hasChildren ? "Mailbox has children, delete them first" : "Mailbox doesn't exist",
      );
    }
    for (const alt of this.layout.altRoot === undefined ? [false] : [false, true]) {
      const source = hasChildren ? this.layout.mailDir(path, alt) : this.layout.mailboxDir(path, alt);
      const trash = join(
        alt ? this.layout.altRoot! : this.layout.root,
        `.deleted.${randomBytes(6).toString("hex")}`,
      );
      try {
        await rename(source, trash);
      } catch (err) {
        if (errnoCode(err) === "ENOENT") continue;
        throw err;
      }
      await rm(trash, { recursive: true, force: true });
    }
    this.mailboxes.delete(pathKey(path));
  }

  async rename(from: MailboxPath, to: MailboxPath): Promise<void> {
    this.validateName(to);
    const all = await this.list();
    if (!all.some((m) => pathKey(m.path) === pathKey(from))) {
      throw new StoreError("NONEXISTENT", "Mailbox doesn't exist");
    }
    if (all.some((m) => pathKey(m.path) === pathKey(to))) {
      throw new StoreError("ALREADYEXISTS", "Target mailbox already exists");
    }
    if (isDescendant(to, from)) throw new StoreError("CANNOT", "Can't rename mailbox under itself");
    for (const alt of this.layout.altRoot === undefined ? [false] : [false, true]) {
      const source = this.layout.mailboxDir(from, alt);
      if (alt && !(await isDirectory(source))) continue;
      const target = this.layout.mailboxDir(to, alt);
      await makeDirs(dirname(target), this.owner);
      await rename(source, target);
    }
    this.mailboxes.clear();
  }

  async subscriptions(): Promise<string[][]> {
    return this.subscriptionsFile.read();
  }

  setSubscribed(path: MailboxPath, subscribed: boolean): Promise<void> {
    return this.subscriptionsFile.set(path, subscribed);
  }
}
