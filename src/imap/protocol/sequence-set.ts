import type { ArgCursor } from "./arg-cursor.js";
import { isDigit } from "./char-classes.js";

/** seq-number = nz-number / "*" */
export type SeqNumber = number | "*";

/** seq-range as written: either end may be the larger one (RFC 3501 §9). */
export interface SeqRange {
  from: SeqNumber;
  to: SeqNumber;
}

/** A sequence set, or `$`: the result saved by SEARCH RETURN (SAVE) (RFC 5182 §2.1). */
export type SequenceSet = { kind: "ranges"; ranges: SeqRange[] } | { kind: "saved" };

function seqNumber(c: ArgCursor, reason: string): SeqNumber {
  if (c.tryChar(0x2a)) return "*";
  return c.nzNumber(reason, false);
}

/** sequence-set = (seq-number / seq-range) ["," sequence-set], or "$". */
export function parseSequenceSet(c: ArgCursor, reason = "Invalid messageset"): SequenceSet {
  if (c.tryChar(0x24)) {
    if (c.peek() !== -1 && c.peek() !== 0x20 && c.peek() !== 0x29) c.fail(reason);
    return { kind: "saved" };
  }
  const ranges: SeqRange[] = [];
  do {
    const from = seqNumber(c, reason);
    const to = c.tryChar(0x3a) ? seqNumber(c, reason) : from;
    ranges.push({ from, to });
  } while (c.tryChar(0x2c));
  const next = c.peek();
  if (next !== -1 && next !== 0x20 && next !== 0x29) c.fail(reason);
  return { kind: "ranges", ranges };
}

/** Whether a sequence set starts at the cursor (a search key may be one). */
export function startsSequenceSet(byte: number): boolean {
  return isDigit(byte) || byte === 0x2a || byte === 0x24;
}

/**
 * The set as sorted, merged, inclusive [low, high] ranges, `*` standing for `star` (the
 * message count, or the highest UID). In an empty mailbox (`star` 0) ranges that name `*`
 * match nothing. `$` takes `saved`, the numbers SEARCH saved (empty when none were).
 */
export function resolveSequenceSet(
  set: SequenceSet,
  star: number,
  saved: readonly number[] = [],
): Array<[number, number]> {
  const raw: Array<[number, number]> = [];
  if (set.kind === "saved") {
    for (const n of saved) raw.push([n, n]);
  } else {
    for (const { from, to } of set.ranges) {
      if (star === 0 && (from === "*" || to === "*")) continue;
      const a = from === "*" ? star : from;
      const b = to === "*" ? star : to;
      raw.push(a <= b ? [a, b] : [b, a]);
    }
  }
  raw.sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const r of raw) {
    const last = out[out.length - 1];
    if (last !== undefined && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

/** Every number in the set, ascending, each once; numbers above `max` are left out. */
export function* expandSequenceSet(
  set: SequenceSet,
  max: number,
  saved: readonly number[] = [],
): Generator<number> {
  for (const [lo, hi] of resolveSequenceSet(set, max, saved)) {
    for (let n = lo; n <= Math.min(hi, max); n++) yield n;
  }
}

/** The largest number the set names explicitly (`*` excluded), to check against EXISTS. */
export function highestExplicit(set: SequenceSet): number {
  if (set.kind === "saved") return 0;
  let m = 0;
  for (const { from, to } of set.ranges) {
    if (from !== "*" && from > m) m = from;
    if (to !== "*" && to > m) m = to;
  }
  return m;
}

/**
 * Compact text for ascending numbers or ranges ("1:3,7"), as in APPENDUID, COPYUID and
 * ESEARCH ALL. Empty input gives "" (callers omit the item).
 */
export function formatSequenceSet(items: ReadonlyArray<number | readonly [number, number]>): string {
  const parts: string[] = [];
  let lo = -1;
  let hi = -1;
  const flush = () => {
    if (lo !== -1) parts.push(lo === hi ? String(lo) : `${lo}:${hi}`);
  };
  for (const item of items) {
    const [a, b] = typeof item === "number" ? [item, item] : item;
    if (lo !== -1 && a === hi + 1) {
      hi = b;
    } else {
      flush();
      lo = a;
      hi = b;
    }
  }
  flush();
  return parts.join(",");
}

/** The set as a client would write it (ranges kept as given). */
export function sequenceSetText(set: SequenceSet): string {
  if (set.kind === "saved") return "$";
  return set.ranges.map(({ from, to }) => (from === to ? String(from) : `${from}:${to}`)).join(",");
}
