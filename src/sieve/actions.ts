// Actions a script produces (RFC 5228 §4). Extensions add their own action kinds by
// implementing SieveAction; the core defines store (keep, fileinto), redirect and discard.

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Whether an action delivers the message, answers its sender, or neither (RFC 5429 §2.1). */
export type ActionRole = "deliver" | "respond" | "other";

export interface SieveAction {
  /** The `action` field of the JSON result and the kind name used in messages. */
  readonly type: string;
  /** Script line that added the action. */
  readonly line: number;
  readonly role: ActionRole;
  /** Whether adding the action cancels the implicit keep (RFC 5228 §2.10.2). */
  cancelsImplicitKeep: boolean;
  /** Actions with equal keys are duplicates: the later one merges into the first. */
  duplicateKey(): string | null;
  mergeFrom?(later: SieveAction): void;
  /** Why this action cannot be combined with `other`, or null. */
  conflictWith?(other: SieveAction): string | null;
  /** Counted against the redirect limit. */
  readonly isRedirect?: boolean;
  toJSON(): { [key: string]: JsonValue };
  /** Pigeonhole sieve-test listing: the action line, then further lines as printed. */
  describe(): { text: string; lines: string[] };
}

/** A side-effect line of the sieve-test listing. */
export function effectLine(text: string): string {
  return `        + ${text}`;
}

const SYSTEM_FLAGS = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"];

/** System flags take their canonical case; duplicates (case-insensitive) go (RFC 5232 §2). */
export function normalizeFlags(flags: string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const flag of flags) {
    if (flag === "") continue;
    const canonical = SYSTEM_FLAGS.find((f) => f.toLowerCase() === flag.toLowerCase()) ?? flag;
    if (seen.has(canonical.toLowerCase())) continue;
    seen.add(canonical.toLowerCase());
    out.push(canonical);
  }
  return out;
}

/** keep, fileinto and the implicit keep: store the message into a mailbox. */
export class StoreAction implements SieveAction {
  readonly role = "deliver";
  cancelsImplicitKeep = true;
  flags: string[] = [];
  /** Fields set by tags of other extensions (copy, create, specialuse, mailboxid), for the JSON. */
  readonly options: Record<string, JsonValue> = {};
  /** Listing lines added by those tags (Pigeonhole's `+ …` side effects). */
  readonly effects: string[] = [];

  readonly mailbox: string;

  constructor(
    readonly type: "keep" | "fileinto",
    mailbox: string,
    readonly line: number,
    readonly implicit = false,
  ) {
    // RFC 3501 §5.1: INBOX is case-insensitive; Pigeonhole stores `fileinto "inbox"` as INBOX.
    this.mailbox = mailbox.toUpperCase() === "INBOX" ? "INBOX" : mailbox;
  }

  duplicateKey(): string {
    return `store:${this.mailbox}`;
  }

  mergeFrom(later: SieveAction): void {
    if (later instanceof StoreAction) {
      this.flags = normalizeFlags([...this.flags, ...later.flags]);
      for (const [k, v] of Object.entries(later.options)) {
        // A duplicate without :copy takes over the cancellation; :create from either applies.
        if (typeof v === "boolean" && typeof this.options[k] === "boolean") {
          this.options[k] = k === "copy" ? this.options[k] && v : this.options[k] || v;
        } else if (!(k in this.options)) this.options[k] = v;
      }
      for (const e of later.effects) if (!this.effects.includes(e)) this.effects.push(e);
    }
  }

  toJSON(): { [key: string]: JsonValue } {
    if (this.type === "keep") return { action: "keep", flags: this.flags, implicit: this.implicit };
    return { action: "fileinto", mailbox: this.mailbox, flags: this.flags, ...this.options };
  }

  describe(): { text: string; lines: string[] } {
    const effects: string[] = [];
    if (this.options.copy === true) effects.push("preserve implicit keep");
    if (this.flags.length > 0) {
      // sieve-test prints system flags first and in lower case, then keywords.
      const system = this.flags.filter((f) => f.startsWith("\\")).map((f) => f.toLowerCase());
      const shown = [...system, ...this.flags.filter((f) => !f.startsWith("\\"))];
      effects.push(`add IMAP flags: ${shown.join(" ")}`);
    }
    effects.push(...this.effects);
    return { text: `store message in folder: ${this.mailbox}`, lines: effects.map(effectLine) };
  }
}

export class RedirectAction implements SieveAction {
  readonly type = "redirect";
  readonly role = "deliver";
  readonly isRedirect = true;
  cancelsImplicitKeep = true;
  readonly options: Record<string, JsonValue> = {};

  constructor(
    readonly address: string,
    readonly line: number,
  ) {}

  duplicateKey(): string {
    return `redirect:${this.address.toLowerCase()}`;
  }

  mergeFrom(later: SieveAction): void {
    if (later instanceof RedirectAction && this.options.copy === true && later.options.copy !== true) {
      this.options.copy = false;
    }
  }

  toJSON(): { [key: string]: JsonValue } {
    return { action: "redirect", address: this.address, copy: this.options.copy === true };
  }

  describe(): { text: string; lines: string[] } {
    return {
      text: `redirect message to: <${this.address}>`,
      lines: this.options.copy === true ? [effectLine("preserve implicit keep")] : [],
    };
  }
}

export class DiscardAction implements SieveAction {
  readonly type = "discard";
  readonly role = "other";
  cancelsImplicitKeep = true;

  constructor(readonly line: number) {}

  duplicateKey(): string {
    return "discard";
  }

  toJSON(): { [key: string]: JsonValue } {
    return { action: "discard" };
  }

  describe(): { text: string; lines: string[] } {
    return { text: "discard", lines: [] };
  }
}
