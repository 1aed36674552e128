// A SieveEnvironment held in memory: for sieve-test, tests and tools that deliver nothing.
import type { ScriptLocation, SieveEnvironment } from "./environment.js";

export interface MemoryEnvironmentOptions {
  /** Mailboxes that exist besides INBOX. */
  mailboxes?: string[];
  /** Mailbox ids (RFC 8474) that exist. */
  mailboxIds?: string[];
  /** Special-use flags per mailbox (`Junk` → [`\\Junk`]). */
  specialUse?: Record<string, string[]>;
  /** Scripts for include, by location and name. */
  scripts?: { personal?: Record<string, string>; global?: Record<string, string> };
  /** Reads a script on demand instead (e.g. from a directory). */
  loadScript?: (name: string, location: ScriptLocation) => string | null;
  /** Duplicate ids already seen. */
  seenIds?: string[];
  /** Vacation senders already answered (`sender` or `sender\0handle`). */
  vacationSent?: string[];
  environment?: Record<string, string>;
  now?: Date;
  userAddresses?: string[];
  lists?: Record<string, string[]>;
}

export class MemoryEnvironment implements SieveEnvironment {
  constructor(private readonly options: MemoryEnvironmentOptions = {}) {}

  mailboxExists(name: string): boolean {
    if (name.toUpperCase() === "INBOX") return true;
    return (this.options.mailboxes ?? []).includes(name);
  }

  specialUseExists(mailbox: string | null, flags: string[]): boolean {
    const table = this.options.specialUse ?? {};
    const has = (m: string) =>
      flags.every((f) => (table[m] ?? []).some((x) => x.toLowerCase() === f.toLowerCase()));
    return mailbox === null
      ? flags.every((f) => Object.keys(table).some((m) => has(m) && f !== ""))
      : has(mailbox);
  }

  mailboxIdExists(id: string): boolean {
    return (this.options.mailboxIds ?? []).includes(id);
  }

  duplicateSeen(id: string): boolean {
    return (this.options.seenIds ?? []).includes(id);
  }

  vacationRecentlySent(sender: string, handle: string): boolean {
    const sent = this.options.vacationSent ?? [];
    return sent.includes(sender) || sent.includes(`${sender}\0${handle}`);
  }

  loadScript(name: string, location: ScriptLocation): string | null {
    if (this.options.loadScript) return this.options.loadScript(name, location);
    return this.options.scripts?.[location]?.[name] ?? null;
  }

  environmentItem(name: string): string | null {
    return this.options.environment?.[name] ?? null;
  }

  now(): Date {
    return this.options.now ?? new Date();
  }

  userAddresses(): string[] {
    return this.options.userAddresses ?? [];
  }

  listMembers(list: string): string[] | null {
    return this.options.lists?.[list] ?? null;
  }
}
