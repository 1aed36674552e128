export { type AppliedChanges, type MailboxCounts, type MessageRow, splitKeywords } from "./rows.js";
export { StoreIndex } from "./store-index.js";
