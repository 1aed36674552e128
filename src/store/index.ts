/**
 * The mail store: the one interface through which delivery, the admin CLI and the protocols reach
 * a user's mail, whatever the format on disk.
 */
export { errnoCode, isStoreError, StoreError, type StoreErrorCode } from "./errors.js";
export {
  bitsToFlags,
  flagsToBits,
  isValidKeyword,
  parseSystemFlag,
  SYSTEM_FLAGS,
  type SystemFlag,
} from "./flags.js";
export { keepUidlistStatesOnDisk } from "./formats/maildir/index.js";
export { CACHED_HEADER_FIELDS, type CachedHeaders, unfoldedValue } from "./header-cache.js";
export type { MailDrop } from "./mail-drop.js";
export { expandVariables, type MailLocation, parseMailLocation } from "./mail-location.js";
export { formatMailboxName, INBOX, MAX_NAME_BYTES, parseMailboxName } from "./mailbox-name.js";
export type { MailboxSnapshot } from "./mailbox-snapshot.js";
export { MessageStructure } from "./message-structure.js";
export { openMailDrop } from "./open-mail-drop.js";
export { openUserStore } from "./open-user-store.js";
export type {
  AppendOptions,
  AppendResult,
  AutoCreateMailbox,
  CopyResult,
  FlagOperation,
  Mailbox,
  MailboxChange,
  MailboxInfo,
  MailboxStatus,
  MessageInfo,
  OpenUserStoreOptions,
  PurgeResult,
  QuotaUsage,
  ReadOptions,
  SpecialUse,
  StoreFlagsOptions,
  StoreFlagsResult,
  StoreLogger,
  SyncOptions,
  UserStore,
} from "./types.js";
export { openUserSqlite } from "./user-sqlite.js";
