import type { FormatStore } from "./backend.js";
import { StoreError } from "./errors.js";
import type { StoreIndex } from "./index/index.js";
import {
  formatMailboxName,
  INBOX,
  isDescendant,
  isInbox,
  type MailboxPath,
  parseMailboxName,
  pathKey,
} from "./mailbox-name.js";
import { type MailboxContext, MailboxView } from "./mailbox-view.js";
import type {
  AutoCreateMailbox,
  Mailbox,
  MailboxInfo,
  MailboxStatus,
  PurgeResult,
  QuotaUsage,
  SpecialUse,
  StoreLogger,
  UserStore,
} from "./types.js";

export interface UserStoreParts {
  user: string;
  separator: string;
  format: FormatStore;
  index: StoreIndex;
  indexPath: string;
  autoCreate: readonly AutoCreateMailbox[];
  quota: { storage?: number; messages?: number };
  rescanIntervalMs: number;
  logger: StoreLogger | undefined;
  release(): void;
}

/** The store of one user: the mailbox list, and mailboxes opened through the index. */
export class LoftUserStore implements UserStore {
  readonly user: string;
  readonly separator: string;
  readonly format: string;
  private readonly specialUse = new Map<string, SpecialUse>();
  private readonly context: MailboxContext;
  private closed = false;

  constructor(private readonly parts: UserStoreParts) {
    this.user = parts.user;
    this.separator = parts.separator;
    this.format = parts.format.format;
    for (const auto of parts.autoCreate) {
      if (auto.specialUse) this.specialUse.set(pathKey(this.parse(auto.name)), auto.specialUse);
    }
    this.context = {
      index: parts.index,
      busPrefix: parts.indexPath,
      rescanIntervalMs: parts.rescanIntervalMs,
      openMailbox: (name) => this.openView(name),
      quotaRoom: () => this.quotaRoom(),
      logger: parts.logger,
    };
  }

  /** Creates INBOX and the configured special-use mailboxes that are missing (Dovecot's `auto`). */
  async init(): Promise<void> {
    await this.parts.format.init();
    // Listing every mailbox is the dearer part of opening a store (loft-lda opens one per message).
    if (this.parts.autoCreate.length === 0) return;
    const existing = new Set(
      (await this.parts.format.list()).filter((m) => m.selectable).map((m) => pathKey(m.path)),
    );
    for (const auto of this.parts.autoCreate) {
      const path = this.parse(auto.name);
      if (auto.create === false || existing.has(pathKey(path))) continue;
      await this.parts.format.create(path);
      if (auto.subscribe) await this.parts.format.setSubscribed(path, true);
    }
  }

  private parse(name: string): string[] {
    const path = parseMailboxName(name, this.separator);
    this.parts.format.validateName(path);
    return path;
  }

  private name(path: MailboxPath): string {
    return formatMailboxName(path, this.separator);
  }

  private quotaRoom(): number | undefined {
    const { storage, messages } = this.parts.quota;
    if (!storage && !messages) return undefined;
    const usage = this.parts.index.quota();
    if (messages && usage.messages + 1 > messages) {
      throw new StoreError("OVERQUOTA", "Quota exceeded (message count)");
    }
    if (!storage) return undefined;
    const room = storage - usage.bytes;
    if (room <= 0) throw new StoreError("OVERQUOTA", "Quota exceeded (mailbox for user is full)");
    return room;
  }

  async listMailboxes(): Promise<MailboxInfo[]> {
    const listed = await this.parts.format.list();
    const subscribed = new Set((await this.parts.format.subscriptions()).map(pathKey));
    const all = new Map<string, { path: string[]; selectable: boolean }>();
    for (const m of listed) all.set(pathKey(m.path), m);
    // Maildir++ can hold `.a.b` without `.a`: the parent is listed as \Noselect, as Dovecot does.
    for (const m of listed) {
      for (let depth = 1; depth < m.path.length; depth++) {
        const parent = m.path.slice(0, depth);
        if (!all.has(pathKey(parent))) all.set(pathKey(parent), { path: parent, selectable: false });
      }
    }
    const paths = [...all.values()];
    return paths
      .map((m) => {
        const key = pathKey(m.path);
        const info: MailboxInfo = {
          name: this.name(m.path),
          path: m.path,
          subscribed: subscribed.has(key),
          selectable: m.selectable,
          hasChildren: paths.some((other) => isDescendant(other.path, m.path)),
        };
        const use = this.specialUse.get(key);
        if (use) info.specialUse = use;
        return info;
      })
      .sort((a, b) =>
        isInbox(a.path) ? -1 : isInbox(b.path) ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
      );
  }

  async createMailbox(name: string): Promise<void> {
    // RFC 3501 §6.3.3: a trailing separator only says the client intends to create children.
    const trimmed = name.endsWith(this.separator) ? name.slice(0, -this.separator.length) : name;
    const path = this.parse(trimmed);
    if (isInbox(path)) throw new StoreError("ALREADYEXISTS", "Mailbox already exists");
    await this.parts.format.create(path);
    await this.openView(trimmed);
  }

  async deleteMailbox(name: string): Promise<void> {
    const path = this.parse(name);
    await namingMissing(this.parts.format.delete(path), this.name(path));
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
    await namingMissing(this.parts.format.rename(source, target), this.name(source));
    this.parts.index.renameMailbox(pathKey(source), pathKey(target));
  }

  async subscribe(name: string): Promise<void> {
    await this.parts.format.setSubscribed(this.parse(name), true);
  }

  async unsubscribe(name: string): Promise<void> {
    await this.parts.format.setSubscribed(this.parse(name), false);
  }

  async subscriptions(): Promise<string[]> {
    return (await this.parts.format.subscriptions()).map((p) => this.name(p));
  }

  private async openView(name: string, sync = true): Promise<MailboxView> {
    if (this.closed) throw new StoreError("CANNOT", "Store is closed");
    const path = this.parse(name);
    const format = this.parts.format.mailbox(path);
    if (!(await format.exists()))
      throw new StoreError("NONEXISTENT", `Mailbox doesn't exist: ${this.name(path)}`);
    const view = new MailboxView(this.name(path), path, pathKey(path), format, this.context, !sync);
    if (sync) await view.sync();
    return view;
  }

  openMailbox(name: string, options: { sync?: boolean } = {}): Promise<Mailbox> {
    return this.openView(name, options.sync ?? true);
  }

  async status(name: string): Promise<MailboxStatus> {
    return (await this.openView(name)).status();
  }

  private async syncAll(): Promise<void> {
    const listed = (await this.parts.format.list()).filter((m) => m.selectable);
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

  async quota(): Promise<QuotaUsage> {
    return this.usage();
  }

  async recalcQuota(): Promise<QuotaUsage> {
    await this.syncAll();
    this.parts.index.recalcQuota();
    return this.usage();
  }

  async purge(): Promise<PurgeResult> {
    return (await this.parts.format.purge?.()) ?? { files: 0, bytes: 0 };
  }

  async rebuildIndex(): Promise<void> {
    this.parts.index.clearMessages(this.parts.format.flagsOnlyInIndex === true);
    await this.syncAll();
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
