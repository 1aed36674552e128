/** Copying a user's whole mail from one location or format to another (`loft sync`). */
export { type SyncProgress, type SyncReport, syncUserMail } from "./sync-user-mail.js";
