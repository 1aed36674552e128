import type { Mailbox, MailboxSnapshot, MessageInfo } from "../store/index.js";
import { flagList, flagsAt } from "./message-flags.js";
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
 * this session already reported itself. The UID list is the shared snapshot's own while
 * the session is in step with it; only a session that still owes EXPUNGEs (or never saw
 * a message below its highest UID) keeps a copy of its own.
 */
export class SelectedMailbox {
  private uids: Uint32Array;
  /** The snapshot the last update step brought in: its modseq is the highest whose flag changes were told. */
  private seen: MailboxSnapshot;
  private readonly recent = new Set<number>();
  /** Highest UID ever shown: messages above it are new. */
  private maxUid: number;
  /** UID → modseq already shown by this session's own FETCH/STORE answers. */
  private readonly reported = new Map<number, number>();
  private keywords: Set<string>;
  private stopWatch: (() => void) | null = null;
  /** The snapshot a FETCH of this command answered from: the update step after it starts there too. */
  private answered: MailboxSnapshot | null = null;

  constructor(
    readonly mailbox: Mailbox,
    readonly readOnly: boolean,
    recent: readonly number[],
  ) {
    const snapshot = mailbox.snapshot();
    this.seen = snapshot;
    this.uids = snapshot.uids;
    this.maxUid = this.highestUid;
    this.keywords = new Set(snapshot.keywordNames());
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
    const at = lowerBound(this.uids, uid);
    return this.uids[at] === uid ? at + 1 : 0;
  }

  /**
   * The UIDs a set names, ascending: sequence numbers (`*` the last message) or UIDs (`*`
   * the highest UID; UIDs not in the view are left out, RFC 3501 §6.4.8).
   */
  resolve(set: SequenceSet, uid: boolean, saved: readonly number[] = []): number[] {
    const out: number[] = [];
    if (!uid) {
      for (const [lo, hi] of resolveSequenceSet(set, this.uids.length, saved)) {
        for (let n = lo; n <= Math.min(hi, this.uids.length); n++) out.push(this.uids[n - 1]!);
      }
      return out;
    }
    for (const [lo, hi] of resolveSequenceSet(set, this.highestUid, saved)) {
      for (let i = lowerBound(this.uids, lo); i < this.uids.length && this.uids[i]! <= hi; i++)
        out.push(this.uids[i]!);
    }
    return out;
  }

  /**
   * The mailbox now, for a command that answers from the snapshot. The update step closing the
   * command uses the same one (changes after it are told by the next): one index read, not two.
   */
  snapshotForCommand(): MailboxSnapshot {
    this.answered = this.mailbox.snapshot();
    return this.answered;
  }

  /** A new command starts: whatever an earlier one read is not now. */
  beginCommand(): void {
    this.answered = null;
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
   * that changes the view's sequence numbers. Costs one index read when nothing changed.
   */
  async updates(options: UpdateOptions): Promise<Buffer[]> {
    const snapshot = this.answered ?? this.mailbox.snapshot();
    this.answered = null;
    const out: Buffer[] = [];
    if (snapshot === this.seen && this.uids === snapshot.uids) return out;
    let kept = this.uids;
    let owesExpunges = false;
    const gone = missingFrom(this.uids, snapshot.uids);
    if (gone.length > 0 && options.expunges) {
      for (let g = gone.length - 1; g >= 0; g--) {
        const uid = this.uids[gone[g]!]!;
        out.push(untagged(gone[g]! + 1, { atom: "EXPUNGE" }));
        this.recent.delete(uid);
        this.reported.delete(uid);
      }
      kept = without(this.uids, gone);
    } else if (gone.length > 0) {
      owesExpunges = true;
    }
    const fresh = snapshot.uids.subarray(snapshot.lowerBound(this.maxUid + 1));
    const oldMax = this.maxUid;
    const changed: number[] = [];
    const newKeywords: string[] = [];
    for (let i = 0; i < snapshot.count; i++) {
      if (snapshot.modseqAt(i) <= this.seen.modseq) continue;
      changed.push(i);
      newKeywords.push(...snapshot.keywordsAt(i));
    }
    if (this.noteKeywords(newKeywords)) out.push(...this.flagsResponses());
    const length = kept.length + fresh.length;
    if (!owesExpunges && length === snapshot.count) this.uids = snapshot.uids;
    else if (fresh.length > 0 || kept !== this.uids) {
      const view = new Uint32Array(length);
      view.set(kept);
      view.set(fresh, kept.length);
      this.uids = view;
    }
    if (fresh.length > 0) {
      this.maxUid = fresh[fresh.length - 1]!;
      if (!this.readOnly) for (const uid of await this.mailbox.claimRecent()) this.recent.add(uid);
      out.push(untagged(this.uids.length, { atom: "EXISTS" }));
      out.push(untagged(this.recent.size, { atom: "RECENT" }));
    }
    for (const i of changed) {
      const uid = snapshot.uids[i]!;
      const modseq = snapshot.modseqAt(i);
      if (uid > oldMax || this.reported.get(uid) === modseq) continue;
      const seq = this.seqOf(uid);
      if (seq === 0) continue;
      const items: ImapValue[] = [];
      if (options.uid) items.push({ atom: "UID" }, uid);
      items.push({ atom: "FLAGS" }, flagList(flagsAt(snapshot, i), this.recent.has(uid)));
      if (options.condstore) items.push({ atom: "MODSEQ" }, [modseq]);
      out.push(untagged(seq, { atom: "FETCH" }, items));
    }
    this.reported.clear();
    this.seen = snapshot;
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

/** Position of the first element at or above `value` in an ascending array. */
function lowerBound(values: Uint32Array, value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Positions in `view` of the UIDs `current` no longer holds (both ascending). */
function missingFrom(view: Uint32Array, current: Uint32Array): number[] {
  const gone: number[] = [];
  if (view === current) return gone;
  let j = 0;
  for (let i = 0; i < view.length; i++) {
    const uid = view[i]!;
    while (j < current.length && current[j]! < uid) j++;
    if (current[j] !== uid) gone.push(i);
  }
  return gone;
}

function without(view: Uint32Array, positions: readonly number[]): Uint32Array {
  const out = new Uint32Array(view.length - positions.length);
  let n = 0;
  let p = 0;
  for (let i = 0; i < view.length; i++) {
    if (p < positions.length && positions[p] === i) p++;
    else out[n++] = view[i]!;
  }
  return out;
}
