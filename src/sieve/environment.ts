// What the Sieve engine asks of the world. Delivery implements this against the store and its
// tracking databases; `loft sieve-test` uses MemoryEnvironment. The engine never writes: it only
// asks, and reports in its result what delivery should record afterwards.

export interface Envelope {
  /** MAIL FROM; "" for the null sender `<>`. */
  from: string;
  /** The final recipient (RCPT TO after alias expansion). */
  to: string;
  /** The original recipient (ORCPT), when known. */
  origTo?: string;
  /** The authenticated user that submitted the message, when known. */
  auth?: string;
}

export type ScriptLocation = "personal" | "global";

export interface SieveEnvironment {
  /** Whether the mailbox exists (mailbox name in UTF-8, INBOX case-insensitive). */
  mailboxExists(name: string): boolean | Promise<boolean>;
  /** Whether a mailbox (or, with null, any mailbox) carries all these special-use flags. */
  specialUseExists(mailbox: string | null, flags: string[]): boolean | Promise<boolean>;
  /** Whether a mailbox with this unique id (RFC 8474 MAILBOXID) exists. */
  mailboxIdExists(id: string): boolean | Promise<boolean>;
  /** Whether a duplicate-tracking id was recorded and is younger than `seconds` (RFC 7352). */
  duplicateSeen(id: string, seconds: number): boolean | Promise<boolean>;
  /** Whether a vacation reply to `sender` under `handle` was sent less than `seconds` ago. */
  vacationRecentlySent(sender: string, handle: string, seconds: number): boolean | Promise<boolean>;
  /** The script text of an included script, or null when it does not exist. */
  loadScript(name: string, location: ScriptLocation): string | null | Promise<string | null>;
  /** An RFC 5183 environment item (`domain`, `host`, `remote-ip`, …), or null when unknown. */
  environmentItem(name: string): string | null;
  /** The current time (for currentdate, vacation and duplicate). */
  now(): Date;
  /** The user's addresses, used by vacation to decide whether the message was sent to them. */
  userAddresses(): string[];
  /** Entries of a local list for the extlists extension, or null when the list is unknown. */
  listMembers(list: string): string[] | null;
}
