export { MaildirStore } from "./maildir-store.js";
