/**
 * The IMAP server: sessions, one module per command (commands/), the selected-mailbox view
 * with the one update step every command ends in, on top of the wire layer (protocol/).
 */
export { imapService } from "./service.js";
