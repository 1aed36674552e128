import type { FormatStore } from "../backend.js";
import type { FileOwner } from "../file-owner.js";
import type { MailLocation } from "../mail-location.js";
import type { OpenUserStoreOptions } from "../types.js";
import { MaildirStore } from "./maildir/index.js";

/**
 * The format of a mail location. mbox and dbox are imported when a location names them: loft-lda,
 * started once per message and most often for Maildir, then neither loads nor initialises them.
 */
export async function createFormat(
  location: MailLocation,
  owner: FileOwner | undefined,
  options: Pick<OpenUserStoreOptions, "user" | "mdboxRotateSize">,
): Promise<FormatStore> {
  switch (location.format) {
    case "maildir":
      return new MaildirStore(location, owner);
    case "mbox":
      return new (await import("./mbox/index.js")).MboxStore(location, owner, options.user);
    case "sdbox":
      return new (await import("./dbox/index.js")).SdboxStore(location, owner);
    case "mdbox": {
      const dbox = await import("./dbox/index.js");
      return new dbox.MdboxStore(location, owner, options.mdboxRotateSize ?? dbox.DEFAULT_ROTATE_SIZE);
    }
  }
}
