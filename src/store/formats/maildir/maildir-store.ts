import { rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { FormatStore, ListedFormatMailbox } from "../../backend.js";
import { makeDirs } from "../../durable-fs.js";
import { errnoCode, StoreError } from "../../errors.js";
import type { FileOwner } from "../../file-owner.js";
import type { MailLocation } from "../../mail-location.js";
import { INBOX, isDescendant, isInbox, type MailboxPath, pathKey } from "../../mailbox-name.js";
import { SubscriptionsFile } from "../common/subscriptions-file.js";
import { MaildirLayout } from "./layout.js";
import { MaildirMailbox } from "./maildir-mailbox.js";

/** Where a deleted Maildir++ folder is renamed before removal; the empty first level keeps it unlisted. */
const TRASH_DIR = "..DOVECOT-TRASHED";

/** Files Dovecot keeps beside the mail of one mailbox; removed with it. */
const CONTROL_FILES = ["dovecot-uidlist", "dovecot-keywords", "maildirfolder", "dovecot-shared"];

export class MaildirStore implements FormatStore {
  readonly format = "maildir";
  readonly layout: MaildirLayout;
  private readonly mailboxes = new Map<string, MaildirMailbox>();

  private readonly subscriptionsFile: SubscriptionsFile;

  constructor(
    location: MailLocation,
    private readonly owner: FileOwner | undefined,
  ) {
    this.layout = new MaildirLayout(location);
    const v1Separator = this.layout.kind === "fs" ? "/" : ".";
    this.subscriptionsFile = new SubscriptionsFile(
      join(this.layout.controlRoot, "subscriptions"),
      v1Separator,
      owner,
    );
  }

  async init(): Promise<void> {
    await makeDirs(this.layout.root, this.owner);
    if (this.layout.controlRoot !== this.layout.root) await makeDirs(this.layout.controlRoot, this.owner);
    const inbox = this.mailbox([INBOX]);
    if (!(await inbox.exists())) await inbox.create();
  }

  validateName(path: MailboxPath): void {
    this.layout.validate(path);
  }

  mailbox(path: MailboxPath): MaildirMailbox {
    const key = pathKey(path);
    let mailbox = this.mailboxes.get(key);
    if (!mailbox) {
      mailbox = new MaildirMailbox(path, this.layout, this.owner);
      this.mailboxes.set(key, mailbox);
    }
    return mailbox;
  }

  async list(): Promise<ListedFormatMailbox[]> {
    return this.layout.list();
  }

  async create(path: MailboxPath): Promise<void> {
    const mailbox = this.mailbox(path);
    if (await mailbox.exists()) throw new StoreError("ALREADYEXISTS", "Mailbox already exists");
    await mailbox.create();
  }

  async delete(path: MailboxPath): Promise<void> {
    if (isInbox(path)) throw new StoreError("CANNOT", "INBOX can't be deleted");
    const mailbox = this.mailbox(path);
    const exists = await mailbox.exists();
    const hasChildren = (await this.list()).some((m) => isDescendant(m.path, path));
    if (!exists && !hasChildren) throw new StoreError("NONEXISTENT", "Mailbox doesn't exist");
    if (!exists) throw new StoreError("NONEXISTENT", "Mailbox has children, delete them first");
    if (this.layout.kind === "fs" && hasChildren) {
      // The directory stays as the children's parent (listed \Noselect), only its mail goes.
      for (const sub of ["cur", "new", "tmp"])
        await rm(join(mailbox.dir, sub), { recursive: true, force: true });
      for (const file of CONTROL_FILES) await rm(join(mailbox.controlDir, file), { force: true });
    } else if (this.layout.kind === "maildir++") {
      // Rename first so a crash never leaves a half-deleted folder that still lists.
      const trash = join(this.layout.root, TRASH_DIR);
      await rm(trash, { recursive: true, force: true });
      await rename(mailbox.dir, trash);
      await rm(trash, { recursive: true, force: true });
    } else {
      await rm(mailbox.dir, { recursive: true, force: true });
    }
    if (mailbox.controlDir !== mailbox.dir) await rm(mailbox.controlDir, { recursive: true, force: true });
    this.mailboxes.delete(pathKey(path));
  }

  async rename(from: MailboxPath, to: MailboxPath): Promise<void> {
    this.validateName(to);
    const all = await this.list();
    const sourceExists = all.some((m) => pathKey(m.path) === pathKey(from));
    // A Maildir++ parent may exist only through its children (`.a.b` without `.a`).
    if (!sourceExists && !all.some((m) => isDescendant(m.path, from))) {
      throw new StoreError("NONEXISTENT", "Mailbox doesn't exist");
    }
    if (all.some((m) => pathKey(m.path) === pathKey(to))) {
      throw new StoreError("ALREADYEXISTS", "Target mailbox already exists");
    }
    if (isDescendant(to, from)) throw new StoreError("CANNOT", "Can't rename mailbox under itself");
    const moves: [MailboxPath, MailboxPath][] = sourceExists ? [[from, to]] : [];
    if (this.layout.kind === "maildir++" || !sourceExists) {
      for (const m of all) {
        if (isDescendant(m.path, from)) moves.push([m.path, [...to, ...m.path.slice(from.length)]]);
      }
    }
    for (const [source, target] of moves) {
      const src = this.layout.mailboxDir(source);
      const dst = this.layout.mailboxDir(target);
      await makeDirs(dirname(dst), this.owner);
      await rename(src, dst);
      const srcControl = this.layout.controlDir(source);
      const dstControl = this.layout.controlDir(target);
      if (srcControl !== src) {
        await makeDirs(dirname(dstControl), this.owner);
        await rename(srcControl, dstControl).catch((err) => {
          if (errnoCode(err) !== "ENOENT") throw err;
        });
      }
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
