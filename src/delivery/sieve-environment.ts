// What the Sieve engine asks of the world during a delivery, answered from the user's store,
// script directory and tracking records.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { ScriptLocation, SieveEnvironment } from "../sieve/index.js";
import type { MailboxInfo, MailDrop } from "../store/index.js";
import type { TrackingStore } from "./tracking-store.js";

export interface DeliveryEnvironmentOptions {
  store: MailDrop;
  tracking: TrackingStore;
  /** The user's script directory (for include :personal), or null when unknown. */
  personalDir: string | null;
  /** Directory of global scripts (for include :global), or null. */
  globalDir: string | null;
  /** The recipient's addresses: the final recipient and the userdb user name. */
  addresses: string[];
  hostname: string;
  remoteIp: string | null;
  now: Date;
}

function readScript(dir: string | null, name: string): string | null {
  if (dir === null || name.includes("/") || name.startsWith(".")) return null;
  try {
    return readFileSync(join(dir, `${name}.sieve`), "utf8");
  } catch {
    return null;
  }
}

export class DeliveryEnvironment implements SieveEnvironment {
  private mailboxes: Promise<MailboxInfo[]> | null = null;

  constructor(private readonly o: DeliveryEnvironmentOptions) {}

  private list(): Promise<MailboxInfo[]> {
    this.mailboxes ??= this.o.store.listMailboxes();
    return this.mailboxes;
  }

  async mailboxExists(name: string): Promise<boolean> {
    if (name.toUpperCase() === "INBOX") return true;
    return (await this.list()).some((m) => m.name === name && m.selectable);
  }

  async specialUseExists(mailbox: string | null, flags: string[]): Promise<boolean> {
    const list = await this.list();
    const has = (flag: string, m: MailboxInfo) => m.specialUse?.toLowerCase() === flag.toLowerCase();
    if (mailbox === null) return flags.every((f) => list.some((m) => has(f, m)));
    const box = list.find((m) => m.name === mailbox);
    return box !== undefined && flags.every((f) => has(f, box));
  }

  async mailboxIdExists(id: string): Promise<boolean> {
    return (await this.o.store.mailboxWithGuid(id)) !== undefined;
  }

  duplicateSeen(id: string, seconds: number): Promise<boolean> {
    return this.o.tracking.seen("duplicate", id, seconds, this.o.now);
  }

  vacationRecentlySent(sender: string, handle: string, seconds: number): Promise<boolean> {
    return this.o.tracking.seen("vacation", `${sender}\0${handle}`, seconds, this.o.now);
  }

  loadScript(name: string, location: ScriptLocation): string | null {
    return readScript(location === "personal" ? this.o.personalDir : this.o.globalDir, name);
  }

  environmentItem(name: string): string | null {
    const dot = this.o.hostname.indexOf(".");
    switch (name) {
      case "host":
        return this.o.hostname;
      case "domain":
        return dot < 0 ? this.o.hostname : this.o.hostname.slice(dot + 1);
      case "location":
        return "MDA";
      case "phase":
        return "during";
      case "remote-ip":
        return this.o.remoteIp;
      default:
        return null;
    }
  }

  now(): Date {
    return this.o.now;
  }

  userAddresses(): string[] {
    return this.o.addresses;
  }

  listMembers(): string[] | null {
    return null;
  }
}
