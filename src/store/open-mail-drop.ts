import { effectiveOwner } from "./file-owner.js";
import { createFormat } from "./formats/create-format.js";
import { IndexlessDrop, type MailDrop } from "./mail-drop.js";
import { parseMailLocation } from "./mail-location.js";
import { MailboxTree } from "./mailbox-tree.js";
import type { OpenUserStoreOptions } from "./types.js";

/**
 * What a delivery needs of a user's mail: Maildir for a user without quota limits through its files
 * alone (IndexlessDrop), anything else through the full store, imported only then (loft-lda's start
 * loads neither the index nor SQLite for the common case).
 */
export async function openMailDrop(options: OpenUserStoreOptions): Promise<MailDrop> {
  const location = parseMailLocation(options.mailLocation, { user: options.user, home: options.home });
  if (location.format !== "maildir" || options.quota?.storage || options.quota?.messages)
    return (await import("./open-user-store.js")).openUserStore(options);
  const tree = new MailboxTree(
    await createFormat(location, effectiveOwner(options.uid, options.gid), options),
    options.separator ?? "/",
    options.autoCreate ?? [],
  );
  await tree.init();
  return new IndexlessDrop(tree);
}
