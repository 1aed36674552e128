export { openUserSqlite } from "./open-database.js";
export {
  type AppliedChanges,
  type FlagRows,
  type MailboxCounts,
  type MailboxStamp,
  type MessageRow,
  splitKeywords,
} from "./rows.js";
export { StoreIndex } from "./store-index.js";
