import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { effectiveOwner, type FileOwner } from "./file-owner.js";
import { createFormat } from "./formats/create-format.js";
import { StoreIndex } from "./index/index.js";
import type { MailDrop } from "./mail-drop.js";
import { type MailLocation, parseMailLocation } from "./mail-location.js";
import { MailboxTree } from "./mailbox-tree.js";
import type { OpenUserStoreOptions, UserStore } from "./types.js";
import { LoftUserStore } from "./user-store.js";
import { endLingeringWatches } from "./watch/index.js";

const DEFAULT_RESCAN_MS = 5000;

interface SharedIndex {
  index: StoreIndex;
  refs: number;
  /** The file's inode when opened: a lingering handle on a file deleted since must not be reused. */
  inode: number;
  linger: NodeJS.Timeout | undefined;
}

/** One index handle per file per process, shared by every store of that user (sessions, deliveries). */
const openIndexes = new Map<string, SharedIndex>();

function inodeOf(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.ino ?? -1;
}

/** `busPrefix`: the index's key on the change bus, which its mailboxes' watches are named under. */
function closeIndex(busPrefix: string, index: StoreIndex): void {
  // Watches lingering after their last session sync through this handle; they end with it.
  endLingeringWatches(busPrefix);
  index.close();
}

function acquireIndex(path: string, owner: FileOwner | undefined): StoreIndex {
  if (path === ":memory:") return StoreIndex.open(path, owner);
  const shared = openIndexes.get(path);
  if (shared && (shared.refs > 0 || inodeOf(path) === shared.inode)) {
    clearTimeout(shared.linger);
    shared.linger = undefined;
    shared.refs++;
    return shared.index;
  }
  if (shared) {
    clearTimeout(shared.linger);
    openIndexes.delete(path);
    closeIndex(path, shared.index);
  }
  const index = StoreIndex.open(path, owner);
  openIndexes.set(path, { index, refs: 1, inode: inodeOf(path), linger: undefined });
  return index;
}

function releaseIndex(path: string, busPrefix: string, index: StoreIndex, lingerMs: number): void {
  const shared = openIndexes.get(path);
  if (!shared || shared.index !== index) {
    closeIndex(busPrefix, index);
    return;
  }
  if (--shared.refs > 0) return;
  const close = () => {
    if (openIndexes.get(path) === shared) openIndexes.delete(path);
    closeIndex(path, index);
  };
  if (lingerMs <= 0) {
    close();
    return;
  }
  shared.linger = setTimeout(close, lingerMs);
  shared.linger.unref();
}

/**
 * The default index of a mail location: one file per location, because dbox keeps flags only in the
 * index, so a copy made by `loft sync` must find its own index once the config switches to it.
 */
function defaultIndexPath(home: string, location: MailLocation): string {
  // SHA-256 in JavaScript: loading node:crypto for this one hash was the dearest step of a loft-lda
  // start (~3 ms). The name must not change: existing index files hold dbox flags.
  const where = bytesToHex(sha256(utf8ToBytes(`${location.root}\0${location.inbox ?? ""}`))).slice(0, 12);
  return join(home, ".loft", `index-${location.format}-${where}.sqlite`);
}

/**
 * Opens a user's mail from explicit parameters (no config here): the userdb's home, uid and gid and
 * a Dovecot mail_location. Creates the root, INBOX and the auto-created mailboxes when missing.
 * A new or deleted index is filled from the files before this returns.
 */
export async function openUserStore(options: OpenUserStoreOptions): Promise<UserStore & MailDrop> {
  const location = parseMailLocation(options.mailLocation, { user: options.user, home: options.home });
  const owner = effectiveOwner(options.uid, options.gid);
  const indexPath =
    options.indexPath === ":memory:"
      ? ":memory:"
      : resolve(options.indexPath ?? defaultIndexPath(options.home, location));
  const format = await createFormat(location, owner, options);
  const index = acquireIndex(indexPath, owner);
  const busPrefix = indexPath === ":memory:" ? `memory:${Math.random()}` : indexPath;
  const store = new LoftUserStore({
    user: options.user,
    tree: new MailboxTree(format, options.separator ?? "/", options.autoCreate ?? []),
    index,
    indexPath: busPrefix,
    quota: options.quota ?? {},
    rescanIntervalMs: options.rescanIntervalMs ?? DEFAULT_RESCAN_MS,
    logger: options.logger,
    release: () => releaseIndex(indexPath, busPrefix, index, options.indexLingerMs ?? 0),
  });
  try {
    await store.init();
    if (index.mailboxNames().length === 0) await store.rebuildIndex();
  } catch (err) {
    store.close();
    throw err;
  }
  return store;
}
