import { randomBytes } from "node:crypto";
import { readFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { FormatMailbox, FormatStore, ListedFormatMailbox } from "../../backend.js";
import { makeDirs } from "../../durable-fs.js";
import { errnoCode, StoreError } from "../../errors.js";
import type { FileOwner } from "../../file-owner.js";
import { INBOX, isDescendant, isInbox, type MailboxPath, pathKey } from "../../mailbox-name.js";
import { acquireDotlock } from "../maildir/dotlock.js";
import { decodeMutf7, encodeMutf7 } from "../maildir/mutf7.js";
import { parseSubscriptions, serializeSubscriptions } from "../maildir/subscriptions.js";
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

  constructor(
    readonly layout: DboxLayout,
    protected readonly owner: FileOwner | undefined,
  ) {}

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

  private subscriptionsPath(): string {
    return join(this.layout.root, "subscriptions");
  }

  async subscriptions(): Promise<string[][]> {
    let text: string;
    try {
      text = await readFile(this.subscriptionsPath(), "utf8");
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return [];
      throw err;
    }
    return parseSubscriptions(text, "/")
      .map((levels) => levels.map(decodeMutf7))
      .filter((levels): levels is string[] => levels.every((l) => l !== undefined && l !== ""))
      .map((levels) => (levels[0]!.toUpperCase() === INBOX ? [INBOX, ...levels.slice(1)] : levels));
  }

  /** Updates `subscriptions` under its dotlock, the lock file becoming the new content. */
  async setSubscribed(path: MailboxPath, subscribed: boolean): Promise<void> {
    const lock = await acquireDotlock(`${this.subscriptionsPath()}.lock`, {
      owner: this.owner,
      staleMs: 30_000,
      timeoutMs: 120_000,
    });
    try {
      const current = await this.subscriptions();
      const key = pathKey(path);
      const others = current.filter((p) => pathKey(p) !== key);
      const next = subscribed ? [...others, [...path]] : others;
      if (next.length === current.length && subscribed === current.some((p) => pathKey(p) === key)) return;
      await lock.commitTo(
        this.subscriptionsPath(),
        serializeSubscriptions(next.map((p) => p.map(encodeMutf7))),
      );
    } finally {
      await lock.release();
    }
  }
}
