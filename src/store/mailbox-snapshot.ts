import { bitsToFlags, FLAG_BITS, type SystemFlag } from "./flags.js";
import { type FlagRows, splitKeywords } from "./index/index.js";

const SEEN = FLAG_BITS["\\Seen"];
const NO_KEYWORDS: readonly string[] = Object.freeze([]);

/**
 * A mailbox's messages at one modseq: UIDs ascending with their flags and modseqs. Immutable, and
 * shared by every session of the process that looks at the mailbox at that modseq, so a thousand
 * sessions on one mailbox hold one UID list, not a thousand. A change makes a new snapshot from the
 * last one and the index rows changed since (the UID array is reused when only flags changed);
 * sessions still on the old one keep it until they catch up.
 */
export class MailboxSnapshot {
  private keywordNameList: readonly string[] | undefined;

  constructor(
    readonly uidValidity: number,
    readonly uidNext: number,
    /** The mailbox's highest modseq when the snapshot was read. */
    readonly modseq: number,
    readonly uids: Uint32Array,
    private readonly flagBits: Uint8Array,
    private readonly modseqs: Float64Array,
    /** Keywords by UID, only for messages that have some. */
    private readonly keywordsByUid: ReadonlyMap<number, readonly string[]>,
  ) {}

  get count(): number {
    return this.uids.length;
  }

  /** Position of a UID, -1 when the mailbox does not hold it. */
  indexOf(uid: number): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.uids[mid]!;
      if (v === uid) return mid;
      if (v < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Position of the first UID at or above `uid` (count when none). */
  lowerBound(uid: number): number {
    let lo = 0;
    let hi = this.uids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.uids[mid]! < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  flagBitsAt(i: number): number {
    return this.flagBits[i]!;
  }

  flagsAt(i: number): SystemFlag[] {
    return bitsToFlags(this.flagBits[i]!);
  }

  modseqAt(i: number): number {
    return this.modseqs[i]!;
  }

  keywordsAt(i: number): readonly string[] {
    return this.keywordsByUid.get(this.uids[i]!) ?? NO_KEYWORDS;
  }

  /** The lowest UID without \Seen, 0 when every message is seen. */
  firstUnseenUid(): number {
    for (let i = 0; i < this.uids.length; i++) if ((this.flagBits[i]! & SEEN) === 0) return this.uids[i]!;
    return 0;
  }

  /** Keywords in use, in UID order of first use (what SELECT's FLAGS lists besides the system flags). */
  keywordNames(): readonly string[] {
    if (this.keywordNameList === undefined) {
      const names = new Set<string>();
      if (this.keywordsByUid.size > 0) {
        for (const uid of this.uids) for (const k of this.keywordsByUid.get(uid) ?? NO_KEYWORDS) names.add(k);
      }
      this.keywordNameList = [...names];
    }
    return this.keywordNameList;
  }

  /**
   * The snapshot after `read` (index rows changed since `base`, or all rows when there is no base).
   * Undefined when the result does not add up to the index's message count (the index was rebuilt
   * under it): the caller then reads everything afresh.
   */
  static build(base: MailboxSnapshot | undefined, read: FlagRows): MailboxSnapshot | undefined {
    const { rows, stamp } = read;
    const gone = new Set(read.expunged);
    const prevCount = base?.count ?? 0;
    const limit = prevCount + rows.length;
    const uids = new Uint32Array(limit);
    const flags = new Uint8Array(limit);
    const modseqs = new Float64Array(limit);
    const keywords: Map<number, readonly string[]> | ReadonlyMap<number, readonly string[]> =
      base && rows.length === 0 && gone.size === 0 ? base.keywordsByUid : new Map(base?.keywordsByUid ?? []);
    let n = 0;
    let i = 0;
    let j = 0;
    let reordered = false;
    while (i < prevCount || j < rows.length) {
      const old = i < prevCount ? base!.uids[i]! : Number.POSITIVE_INFINITY;
      const row = j < rows.length ? rows[j]! : undefined;
      if (row === undefined || old < row[0]) {
        i++;
        if (gone.has(old)) {
          (keywords as Map<number, readonly string[]>).delete(old);
          reordered = true;
          continue;
        }
        uids[n] = old;
        flags[n] = base!.flagBits[i - 1]!;
        modseqs[n] = base!.modseqs[i - 1]!;
        n++;
        continue;
      }
      // A changed row: a new message, or new flags for one the base holds.
      if (old === row[0]) i++;
      else reordered = true;
      j++;
      uids[n] = row[0];
      flags[n] = row[1];
      modseqs[n] = row[3];
      const list = splitKeywords(row[2]);
      const map = keywords as Map<number, readonly string[]>;
      if (list.length > 0) map.set(row[0], list);
      else map.delete(row[0]);
      n++;
    }
    if (n !== read.count) return undefined;
    const sameUids = base !== undefined && !reordered && n === prevCount;
    return new MailboxSnapshot(
      stamp.uidValidity,
      stamp.uidNext,
      stamp.modseq,
      sameUids ? base.uids : n === limit ? uids : uids.slice(0, n),
      n === limit ? flags : flags.slice(0, n),
      n === limit ? modseqs : modseqs.slice(0, n),
      keywords,
    );
  }
}

/**
 * The newest snapshot of each mailbox in this process, by change-bus key. Held weakly: sessions
 * keep the snapshots they use alive, and one nobody uses any more is left to the garbage collector.
 */
const latest = new Map<string, WeakRef<MailboxSnapshot>>();

/**
 * Also held strongly until unused this long: a client that logs out and in again, or opens its
 * next connection, finds the snapshot instead of reading every row of a big mailbox again.
 */
const KEEP_MS = 10_000;
const kept = new Map<string, { snapshot: MailboxSnapshot; used: number }>();
let sweeper: NodeJS.Timeout | undefined;

function sweep(): void {
  const now = Date.now();
  for (const [key, entry] of kept) if (now - entry.used > KEEP_MS) kept.delete(key);
  if (kept.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

export function cachedSnapshot(key: string): MailboxSnapshot | undefined {
  const entry = kept.get(key);
  if (entry !== undefined) {
    entry.used = Date.now();
    return entry.snapshot;
  }
  const snapshot = latest.get(key)?.deref();
  if (snapshot === undefined) latest.delete(key);
  return snapshot;
}

export function rememberSnapshot(key: string, snapshot: MailboxSnapshot): void {
  latest.set(key, new WeakRef(snapshot));
  kept.set(key, { snapshot, used: Date.now() });
  if (sweeper === undefined) {
    sweeper = setInterval(sweep, KEEP_MS);
    sweeper.unref();
  }
}
