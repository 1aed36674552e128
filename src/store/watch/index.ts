export { watchedDirectoryCount } from "./directory-watch.js";
export { publishLocalChange } from "./local-changes.js";
export { endLingeringWatches, watchedMailboxCount, watchMailbox } from "./mailbox-watch.js";
