import type { FileOwner } from "../../file-owner.js";
import type { MailLocation } from "../../mail-location.js";
import type { MailboxPath } from "../../mailbox-name.js";
import { DboxLayout } from "./dbox-layout.js";
import { DboxStore } from "./dbox-store.js";
import { SdboxMailbox } from "./sdbox-mailbox.js";

/** `sdbox:<root>[:ALT=<altroot>]`: one file per message (storage-dbox.md §1.1). */
export class SdboxStore extends DboxStore {
  readonly format = "sdbox";

  constructor(location: MailLocation, owner: FileOwner | undefined) {
    super(new DboxLayout(location), owner);
  }

  protected newMailbox(path: MailboxPath): SdboxMailbox {
    return new SdboxMailbox(path, this.layout, this.owner);
  }
}
