import type { PurgeResult } from "../../backend.js";
import type { FileOwner } from "../../file-owner.js";
import type { MailLocation } from "../../mail-location.js";
import type { MailboxPath } from "../../mailbox-name.js";
import { DboxLayout } from "./dbox-layout.js";
import { DboxStore } from "./dbox-store.js";
import { adoptStorage } from "./mdbox-adopt.js";
import { MdboxMailbox } from "./mdbox-mailbox.js";
import { purgeStorage } from "./mdbox-purge.js";
import { MdboxStorage } from "./mdbox-storage.js";

/**
 * `mdbox:<root>[:ALT=<altroot>]`: messages appended to shared storage/m.<N> files, mailboxes as
 * Loft's maps of them (storage-dbox.md §1.2).
 */
export class MdboxStore extends DboxStore {
  readonly format = "mdbox";
  private readonly storage: MdboxStorage;

  constructor(location: MailLocation, owner: FileOwner | undefined, rotateSize: number) {
    const layout = new DboxLayout(location);
    super(layout, owner);
    this.storage = new MdboxStorage(layout, rotateSize, owner);
  }

  protected newMailbox(path: MailboxPath): MdboxMailbox {
    return new MdboxMailbox(path, this.layout, this.storage, this.owner);
  }

  override mailbox(path: MailboxPath): MdboxMailbox {
    return super.mailbox(path) as MdboxMailbox;
  }

  /** A root Dovecot wrote is adopted first, so its messages show up in their mailboxes. */
  override async init(): Promise<void> {
    await this.layout.init(this.owner);
    await this.storage.init();
    await adoptStorage(this.layout, this.storage, (path) => this.mailbox(path));
    await super.init();
  }

  purge(): Promise<PurgeResult> {
    return purgeStorage(this.layout, this.storage, this.owner);
  }
}
