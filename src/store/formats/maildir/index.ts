export { MaildirStore } from "./maildir-store.js";
export { keepUidlistStatesOnDisk } from "./uidlist-file.js";
