import type { Mailbox, MessageInfo } from "../store/index.js";
import { flagList } from "./message-flags.js";
import {
  type ImapValue,
  resolveSequenceSet,
  type SequenceSet,
  untagged,
  untaggedStatus,
} from "./protocol/index.js";

/** How the pending changes may be told (RFC 3501 §7.4.1, §5.5). */
export interface UpdateOptions {
  /** EXPUNGE may be sent: not while answering FETCH, STORE or SEARCH (non-UID forms). */
  expunges: boolean;
  /** The command is a UID command: FETCH responses carry the UID. */
  uid: boolean;
  /** CONDSTORE is on: FETCH responses carry MODSEQ. */
  condstore: boolean;
}

/**
 * The selected mailbox as this session sees it: the UIDs in sequence order, which stay
 * fixed between the points where changes may be told (so sequence numbers a client holds
 * keep meaning the same messages), the session's \Recent messages, and the flag changes
 * this session already reported itself.
 */
export class SelectedMailbox {
  private uids: number[];
  private readonly recent = new Set<number>();
  /** Highest modseq whose flag changes were told. */
  private knownModseq: number;
  /** Highest UID ever shown: messages above it are new. */
  private maxUid: number;
  /** UID → modseq already shown by this session's own FETCH/STORE answers. */
  private readonly reported = new Map<number, number>();
  private keywords: Set<string>;
  private stopWatch: (() => void) | null = null;

  constructor(
    readonly mailbox: Mailbox,
    readonly readOnly: boolean,
    recent: readonly number[],
  ) {
    const messages = mailbox.messages();
    this.uids = messages.map((m) => m.uid);
    this.maxUid = this.uids[this.uids.length - 1] ?? 0;
    this.knownModseq = mailbox.status().highestModseq;
    this.keywords = new Set(messages.flatMap((m) => m.keywords));
    for (const uid of recent) this.recent.add(uid);
  }

  get name(): string {
    return this.mailbox.name;
  }

  get count(): number {
    return this.uids.length;
  }

  get recentCount(): number {
    return this.recent.size;
  }

  get highestUid(): number {
    return this.uids[this.uids.length - 1] ?? 0;
  }

  isRecent(uid: number): boolean {
    return this.recent.has(uid);
  }

  uidAt(seq: number): number | undefined {
    return this.uids[seq - 1];
  }

  /** Sequence number of a UID, 0 when it is not in the view. */
  seqOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.uids[mid]!;
      if (v === uid) return mid + 1;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /**
   * The UIDs a set names, ascending: sequence numbers (`*` the last message) or UIDs (`*`
   * the highest UID; UIDs not in the view are left out, RFC 3501 §6.4.8).
   */
  resolve(set: SequenceSet, uid: boolean, saved: readonly number[] = []): number[] {
    if (!uid) {
      const out: number[] = [];
      for (const [lo, hi] of resolveSequenceSet(set, this.uids.length, saved)) {
        for (let n = lo; n <= Math.min(hi, this.uids.length); n++) out.push(this.uids[n - 1]!);
      }
      return out;
    }
    const ranges = resolveSequenceSet(set, this.highestUid, saved);
    const out: number[] = [];
    let r = 0;
    for (const u of this.uids) {
      while (r < ranges.length && ranges[r]![1] < u) r++;
      if (r === ranges.length) break;
      if (ranges[r]![0] <= u) out.push(u);
    }
    return out;
  }

  /** This session showed the message's flags at this modseq: the update step need not. */
  markReported(info: MessageInfo): void {
    this.reported.set(info.uid, info.modseq);
  }

  noteKeywords(keywords: readonly string[]): boolean {
    let added = false;
    for (const k of keywords) {
      if (!this.keywords.has(k)) {
        this.keywords.add(k);
        added = true;
      }
    }
    return added;
  }

  /** Calls `onChange` whenever another session or process changes the mailbox. */
  watch(onChange: () => void): void {
    this.stopWatch?.();
    this.stopWatch = this.mailbox.watch(onChange);
  }

  close(): void {
    this.stopWatch?.();
    this.stopWatch = null;
  }

  /**
   * The untagged responses that bring the client up to date: EXPUNGE (when allowed), then
   * EXISTS and RECENT for new messages, then FETCH FLAGS for changed flags. The one place
   * that changes the view's sequence numbers.
   */
  async updates(options: UpdateOptions): Promise<Buffer[]> {
    const status = this.mailbox.status();
    const out: Buffer[] = [];
    if (status.highestModseq === this.knownModseq && status.uidNext <= this.maxUid + 1) {
      if (status.messages === this.uids.length) return out;
    }
    const current = this.mailbox.uids();
    const present = new Set(current);
    if (options.expunges) {
      for (let i = this.uids.length - 1; i >= 0; i--) {
        const uid = this.uids[i]!;
        if (present.has(uid)) continue;
        out.push(untagged(i + 1, { atom: "EXPUNGE" }));
        this.uids.splice(i, 1);
        this.recent.delete(uid);
        this.reported.delete(uid);
      }
    }
    const fresh = current.filter((u) => u > this.maxUid);
    const { changed } = this.mailbox.changesSince(this.knownModseq);
    const newKeywords = this.noteKeywords(changed.flatMap((m) => m.keywords));
    if (newKeywords) out.push(...this.flagsResponses());
    if (fresh.length > 0) {
      this.uids.push(...fresh);
      this.maxUid = fresh[fresh.length - 1]!;
      if (!this.readOnly) for (const uid of await this.mailbox.claimRecent()) this.recent.add(uid);
      out.push(untagged(this.uids.length, { atom: "EXISTS" }));
      out.push(untagged(this.recent.size, { atom: "RECENT" }));
    }
    const freshSet = new Set(fresh);
    for (const m of changed) {
      if (freshSet.has(m.uid) || this.reported.get(m.uid) === m.modseq) continue;
      const seq = this.seqOf(m.uid);
      if (seq === 0) continue;
      const items: ImapValue[] = [];
      if (options.uid) items.push({ atom: "UID" }, m.uid);
      items.push({ atom: "FLAGS" }, flagList(m, this.recent.has(m.uid)));
      if (options.condstore) items.push({ atom: "MODSEQ" }, [m.modseq]);
      out.push(untagged(seq, { atom: "FETCH" }, items));
    }
    this.reported.clear();
    this.knownModseq = status.highestModseq;
    return out;
  }

  /** `* FLAGS` and `* OK [PERMANENTFLAGS]` as SELECT sends them, and again when a keyword appears. */
  flagsResponses(): Buffer[] {
    const flags = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft", ...this.keywords];
    const atoms = flags.map((atom) => ({ atom }));
    return [
      untagged({ atom: "FLAGS" }, atoms),
      this.readOnly
        ? untaggedStatus("OK", "Read-only mailbox.", { name: "PERMANENTFLAGS", args: [[]] })
        : untaggedStatus("OK", "Flags permitted.", {
            name: "PERMANENTFLAGS",
            args: [[...atoms, { atom: "\\*" }]],
          }),
    ];
  }
}
