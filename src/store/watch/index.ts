export { watchDirectory, watchedDirectoryCount } from "./directory-watch.js";
export { publishLocalChange, subscribeLocalChanges } from "./local-changes.js";
