import type { FormatMailbox, FormatStore } from "./backend.js";
import { StoreError } from "./errors.js";
import {
  formatMailboxName,
  isDescendant,
  isInbox,
  type MailboxPath,
  parseMailboxName,
  pathKey,
} from "./mailbox-name.js";
import type { AutoCreateMailbox, MailboxInfo, SpecialUse } from "./types.js";

/**
 * A user's mailbox names as the format's files give them: the naming, the list with its special
 * uses, and the auto-created mailboxes. None of it needs the index, so a delivery without one
 * shares it with the full store.
 */
export class MailboxTree {
  private readonly specialUse = new Map<string, SpecialUse>();

  constructor(
    readonly format: FormatStore,
    readonly separator: string,
    private readonly autoCreate: readonly AutoCreateMailbox[],
  ) {
    for (const auto of autoCreate) {
      if (auto.specialUse) this.specialUse.set(pathKey(this.parse(auto.name)), auto.specialUse);
    }
  }

  /** Creates INBOX and the configured special-use mailboxes that are missing (Dovecot's `auto`). */
  async init(): Promise<void> {
    await this.format.init();
    // Listing every mailbox is the dearer part of opening a store (loft-lda opens one per message).
    if (this.autoCreate.length === 0) return;
    const existing = new Set(
      (await this.format.list()).filter((m) => m.selectable).map((m) => pathKey(m.path)),
    );
    for (const auto of this.autoCreate) {
      const path = this.parse(auto.name);
      if (auto.create === false || existing.has(pathKey(path))) continue;
      await this.format.create(path);
      if (auto.subscribe) await this.format.setSubscribed(path, true);
    }
  }

  /** A mailbox name as a path; refuses names the format cannot store (BADNAME). */
  parse(name: string): MailboxPath {
    const path = parseMailboxName(name, this.separator);
    this.format.validateName(path);
    return path;
  }

  name(path: MailboxPath): string {
    return formatMailboxName(path, this.separator);
  }

  /** A mailbox that exists, or NONEXISTENT naming it. */
  async existing(name: string): Promise<{ path: MailboxPath; box: FormatMailbox }> {
    const path = this.parse(name);
    const box = this.format.mailbox(path);
    if (!(await box.exists()))
      throw new StoreError("NONEXISTENT", `Mailbox doesn't exist: ${this.name(path)}`);
    return { path, box };
  }

  /** Creates a mailbox's files; returns its name without a trailing separator. */
  async create(name: string): Promise<string> {
    // RFC 3501 §6.3.3: a trailing separator only says the client intends to create children.
    const trimmed = name.endsWith(this.separator) ? name.slice(0, -this.separator.length) : name;
    const path = this.parse(trimmed);
    if (isInbox(path)) throw new StoreError("ALREADYEXISTS", "Mailbox already exists");
    await this.format.create(path);
    return trimmed;
  }

  /** The name of the mailbox whose GUID is `guid` (Sieve mailboxid), where the format keeps GUIDs. */
  async withGuid(guid: string): Promise<string | undefined> {
    for (const m of await this.format.list()) {
      if (m.selectable && (await this.format.mailbox(m.path).mailboxGuid?.()) === guid)
        return this.name(m.path);
    }
    return undefined;
  }

  async list(): Promise<MailboxInfo[]> {
    const listed = await this.format.list();
    const subscribed = new Set((await this.format.subscriptions()).map(pathKey));
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
}
