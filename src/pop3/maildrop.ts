import type { Readable } from "node:stream";
import type { Mailbox } from "../store/index.js";
import type { UidlFormat } from "./uidl-format.js";

interface Entry {
  uid: number;
  /** What RETR sends: the CRLF size (RFC 1939 §5 LIST, Dovecot's virtual size). */
  size: number;
  uidl: string;
  seen: boolean;
  deleted: boolean;
  retrieved: boolean;
}

/** A message number the client may use now, or why not (Dovecot's texts). */
export type Lookup = { entry: Readonly<Entry> } | { error: string };

/**
 * The INBOX as one POP3 session sees it (RFC 1939 §4): numbered once at login; DELE marks,
 * RSET unmarks, and only QUIT (the UPDATE state) changes the mailbox. Messages other sessions
 * add meanwhile are not seen; messages they expunge answer "expunged" when fetched.
 */
export class Maildrop {
  private constructor(
    private readonly mailbox: Mailbox,
    private readonly entries: Entry[],
  ) {}

  static open(mailbox: Mailbox, uidlFormat: UidlFormat): Maildrop {
    const uidValidity = mailbox.uidValidity;
    const entries = mailbox.messages().map((m) => ({
      uid: m.uid,
      size: m.vsize,
      // Dovecot's Maildir storage: the GUID is the base file name unless the uidlist gives one,
      // and the storage id (%f) is the base file name.
      uidl: uidlFormat.expand({ uidValidity, uid: m.uid, filename: m.guid, guid: m.guid }),
      seen: m.flags.includes("\\Seen"),
      deleted: false,
      retrieved: false,
    }));
    return new Maildrop(mailbox, entries);
  }

  get messageCount(): number {
    return this.entries.length;
  }

  /** STAT: messages and octets not marked deleted. */
  stat(): { count: number; size: number } {
    let count = 0;
    let size = 0;
    for (const e of this.entries) {
      if (e.deleted) continue;
      count++;
      size += e.size;
    }
    return { count, size };
  }

  /** Messages not marked deleted, with their numbers. */
  *listed(): Generator<{ number: number; entry: Readonly<Entry> }> {
    for (const [i, entry] of this.entries.entries()) if (!entry.deleted) yield { number: i + 1, entry };
  }

  lookup(arg: string): Lookup {
    if (!/^[0-9]/.test(arg)) return { error: `Invalid message number: ${arg}` };
    const m = /^(\d+)(.*)$/.exec(arg)!;
    if (m[2] !== "") return { error: `Noise after message number: ${m[2]}` };
    const n = Number(m[1]);
    // Dovecot prints what follows the number here, which is nothing for a plain overflow.
    if (!Number.isSafeInteger(n) || n > 0xffffffff) return { error: `Message number too large: ${m[2]}` };
    const entry = this.entries[n - 1];
    if (n === 0 || !entry) return { error: `There's no message ${n}.` };
    if (entry.deleted) return { error: "Message is deleted." };
    return { entry };
  }

  numberOf(entry: Readonly<Entry>): number {
    return this.entries.indexOf(entry as Entry) + 1;
  }

  dele(entry: Readonly<Entry>): void {
    (entry as Entry).deleted = true;
  }

  rset(): void {
    for (const e of this.entries) {
      e.deleted = false;
      e.retrieved = false;
    }
  }

  /**
   * The message as stored (pop3Body turns bare LF into CRLF while it dot-stuffs, in the same
   * pass); a StoreError EXPUNGED if another session removed it.
   */
  read(entry: Readonly<Entry>, retrieval: boolean): Promise<Readable> {
    // RETR (not TOP) marks the message \Seen at QUIT, as Dovecot does.
    if (retrieval && !entry.seen) (entry as Entry).retrieved = true;
    return this.mailbox.read(entry.uid, { crlf: false });
  }

  /**
   * The UPDATE state: expunges the messages marked deleted and sets \Seen on those retrieved.
   * Messages that another session expunged meanwhile are simply gone already.
   */
  async commit(): Promise<{ deleted: number }> {
    // Files renamed by other sessions since login are found again by their base names.
    await this.mailbox.sync();
    const deleted = this.entries.filter((e) => e.deleted).map((e) => e.uid);
    const seen = this.entries.filter((e) => e.retrieved && !e.deleted).map((e) => e.uid);
    if (seen.length > 0) await this.mailbox.storeFlags(seen, "add", ["\\Seen"], []);
    if (deleted.length > 0) {
      // The store expunges only \Deleted messages, so DELE'd ones are flagged first; Dovecot's
      // pop3 expunges them directly.
      await this.mailbox.storeFlags(deleted, "add", ["\\Deleted"], []);
      await this.mailbox.expunge(deleted);
    }
    return { deleted: deleted.length };
  }
}
