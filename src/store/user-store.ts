import { StoreError } from "./errors.js";
import type { StoreIndex } from "./index/index.js";
import type { MailDrop } from "./mail-drop.js";
import { INBOX, isInbox, type MailboxPath, pathKey } from "./mailbox-name.js";
import type { MailboxTree } from "./mailbox-tree.js";
import { type MailboxContext, MailboxView } from "./mailbox-view.js";
import type {
  AppendOptions,
  Mailbox,
  MailboxInfo,
  MailboxStatus,
  PurgeResult,
  QuotaUsage,
  StoreLogger,
  UserStore,
} from "./types.js";

export interface UserStoreParts {
  user: string;
  tree: MailboxTree;
  index: StoreIndex;
  indexPath: string;
  quota: { storage?: number; messages?: number };
  rescanIntervalMs: number;
  logger: StoreLogger | undefined;
  release(): void;
}

/** The store of one user: the mailbox list, and mailboxes opened through the index. */
export class LoftUserStore implements UserStore, MailDrop {
  readonly user: string;
  readonly separator: string;
  readonly format: string;
  private readonly tree: MailboxTree;
  private readonly context: MailboxContext;
  private closed = false;

  constructor(private readonly parts: UserStoreParts) {
    this.user = parts.user;
    this.tree = parts.tree;
    this.separator = parts.tree.separator;
    this.format = parts.tree.format.format;
    this.context = {
      index: parts.index,
      busPrefix: parts.indexPath,
      rescanIntervalMs: parts.rescanIntervalMs,
      openMailbox: (name) => this.openView(name),
      quotaRoom: () => this.quotaRoom(),
      logger: parts.logger,
    };
  }

  async init(): Promise<void> {
    await this.tree.init();
  }

  private parse(name: string): MailboxPath {
    return this.tree.parse(name);
  }

  private name(path: MailboxPath): string {
    return this.tree.name(path);
  }

  /** Why one more message may not be saved (a limit reached), or null. */
  private fullReason(usage: { bytes: number; messages: number }): string | null {
    const { storage, messages } = this.parts.quota;
    if (messages && usage.messages >= messages) return "Quota exceeded (message count)";
    if (storage && usage.bytes >= storage) return "Quota exceeded (mailbox for user is full)";
    return null;
  }

  private quotaRoom(): number | undefined {
    const { storage, messages } = this.parts.quota;
    if (!storage && !messages) return undefined;
    const usage = this.parts.index.quota();
    const full = this.fullReason(usage);
    if (full !== null) throw new StoreError("OVERQUOTA", full);
    return storage ? storage - usage.bytes : undefined;
  }

  listMailboxes(): Promise<MailboxInfo[]> {
    return this.tree.list();
  }

  async createMailbox(name: string): Promise<void> {
    await this.openView(await this.tree.create(name));
  }

  async deleteMailbox(name: string): Promise<void> {
    const path = this.parse(name);
    await namingMissing(this.tree.format.delete(path), this.name(path));
    this.parts.index.deleteMailbox(pathKey(path));
  }

  async renameMailbox(from: string, to: string): Promise<void> {
    const source = this.parse(from);
    const target = this.parse(to);
    if (isInbox(target)) throw new StoreError("ALREADYEXISTS", "Target mailbox already exists");
    if (isInbox(source)) {
      // RFC 3501 §6.3.5: renaming INBOX moves its messages to the new name and leaves INBOX empty.
      await this.createMailbox(to);
      const inbox = await this.openView(INBOX);
      await inbox.move(inbox.uids(), to);
      return;
    }
    await namingMissing(this.tree.format.rename(source, target), this.name(source));
    this.parts.index.renameMailbox(pathKey(source), pathKey(target));
  }

  async subscribe(name: string): Promise<void> {
    await this.tree.format.setSubscribed(this.parse(name), true);
  }

  async unsubscribe(name: string): Promise<void> {
    await this.tree.format.setSubscribed(this.parse(name), false);
  }

  async subscriptions(): Promise<string[]> {
    return (await this.tree.format.subscriptions()).map((p) => this.name(p));
  }

  private async openView(name: string, sync = true): Promise<MailboxView> {
    if (this.closed) throw new StoreError("CANNOT", "Store is closed");
    const { path, box } = await this.tree.existing(name);
    const view = new MailboxView(this.name(path), path, pathKey(path), box, this.context, !sync);
    if (sync) await view.sync();
    return view;
  }

  openMailbox(name: string, options: { sync?: boolean } = {}): Promise<Mailbox> {
    return this.openView(name, options.sync ?? true);
  }

  /** A delivery's save: the mailbox is read only if the index may have missed UIDs (MailboxView.append). */
  async deliver(name: string, data: Uint8Array, options: AppendOptions): Promise<void> {
    await (await this.openView(name, false)).append(data, options);
  }

  mailboxWithGuid(guid: string): Promise<string | undefined> {
    return this.tree.withGuid(guid);
  }

  async status(name: string): Promise<MailboxStatus> {
    return (await this.openView(name)).status();
  }

  /** Reads every mailbox for what the index has not seen (mail saved without it, other programs). */
  private async syncMailboxes(): Promise<void> {
    const listed = (await this.tree.format.list()).filter((m) => m.selectable);
    this.parts.index.pruneMailboxes(new Set(listed.map((m) => pathKey(m.path))));
    for (const m of listed) await this.openView(this.name(m.path));
  }

  private usage(): QuotaUsage {
    const usage = this.parts.index.quota();
    const result: QuotaUsage = { storage: usage.bytes, messages: usage.messages };
    if (this.parts.quota.storage) result.storageLimit = this.parts.quota.storage;
    if (this.parts.quota.messages) result.messageLimit = this.parts.quota.messages;
    return result;
  }

  /** Reads every mailbox first: deliveries for users without limits leave the index behind. */
  async quota(): Promise<QuotaUsage> {
    await this.syncMailboxes();
    return this.usage();
  }

  /** The index's count, without reading the mailboxes: a user with limits is delivered to through it. */
  async overQuota(): Promise<boolean> {
    return this.fullReason(this.parts.index.quota()) !== null;
  }

  async recalcQuota(): Promise<QuotaUsage> {
    await this.syncMailboxes();
    this.parts.index.recalcQuota();
    return this.usage();
  }

  async purge(): Promise<PurgeResult> {
    return (await this.tree.format.purge?.()) ?? { files: 0, bytes: 0 };
  }

  async rebuildIndex(): Promise<void> {
    this.parts.index.clearMessages(this.tree.format.flagsOnlyInIndex === true);
    await this.syncMailboxes();
    this.parts.index.dropKeptFlags();
    this.parts.index.recalcQuota();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.parts.release();
  }
}

const MISSING = "Mailbox doesn't exist";

/** A DELETE or RENAME of a missing mailbox names it, as Dovecot's answer does (and SELECT's here). */
async function namingMissing(work: Promise<void>, name: string): Promise<void> {
  try {
    await work;
  } catch (err) {
    if (err instanceof StoreError && err.code === "NONEXISTENT" && err.message === MISSING)
      throw new StoreError("NONEXISTENT", `${MISSING}: ${name}`);
    throw err;
  }
}
