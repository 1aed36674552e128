// Core match types :is, :contains and :matches (RFC 5228 §2.7.1).
import type { Comparator, MatchType } from "../extension.js";

export const is: MatchType = {
  tag: ":is",
  match(values, keys, comparator) {
    return values.some((v) => keys.some((k) => comparator.equals(v, k)));
  },
};

export const contains: MatchType = {
  tag: ":contains",
  checkComparator: (c) =>
    c.contains ? null : `comparator '${c.name}' does not support the :contains match type`,
  match(values, keys, comparator) {
    return values.some((v) => keys.some((k) => comparator.contains!(v, k)));
  },
};

type Piece = { kind: "star" } | { kind: "text"; chars: (string | null)[] };

/** Splits a :matches pattern into `*` and runs of literal characters and `?` (null). */
function compilePattern(pattern: string): Piece[] {
  const pieces: Piece[] = [];
  let run: (string | null)[] | null = null;
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === "*") {
      run = null;
      if (pieces[pieces.length - 1]?.kind !== "star") pieces.push({ kind: "star" });
      else pieces.push({ kind: "text", chars: [] }, { kind: "star" });
      continue;
    }
    if (run === null) {
      run = [];
      pieces.push({ kind: "text", chars: run });
    }
    if (c === "\\" && i + 1 < chars.length) run.push(chars[++i]!);
    else run.push(c === "?" ? null : c);
  }
  return pieces;
}

function runMatches(folded: string[], at: number, run: (string | null)[]): boolean {
  if (at + run.length > folded.length) return false;
  for (let i = 0; i < run.length; i++) {
    const want = run[i];
    if (want !== null && folded[at + i] !== want) return false;
  }
  return true;
}

/**
 * Matches a whole value against a wildcard pattern and returns the text of each wildcard, or
 * null. `*` takes as little as possible except the last one, which takes the rest; leftmost
 * placement of the fixed runs finds a match whenever one exists, in O(n·m) time.
 */
export function globMatch(valueText: string, pattern: string, comparator: Comparator): string[] | null {
  const fold = comparator.fold ?? ((s: string) => s);
  const value = Array.from(valueText);
  // Folding is length-preserving (it changes only ASCII letters), so indexes line up.
  const folded = Array.from(fold(valueText));
  const pieces = compilePattern(pattern).map((p) =>
    p.kind === "text"
      ? { kind: "text" as const, chars: p.chars.map((c) => (c === null ? null : fold(c))) }
      : p,
  );
  const groups: string[] = [];
  let pos = 0;
  const lastStar = pieces.map((p) => p.kind).lastIndexOf("star");
  let pendingStar = false;
  for (let i = 0; i < pieces.length; i++) {
    const piece = pieces[i]!;
    if (piece.kind === "star") {
      pendingStar = true;
      continue;
    }
    const captureRun = (start: number) => {
      for (let k = 0; k < piece.chars.length; k++)
        if (piece.chars[k] === null) groups.push(value[start + k]!);
    };
    if (!pendingStar) {
      if (!runMatches(folded, pos, piece.chars)) return null;
      captureRun(pos);
      pos += piece.chars.length;
      continue;
    }
    if (i > lastStar) {
      // The run after the last star is anchored at the end of the value.
      const start = value.length - piece.chars.length;
      if (start < pos || !runMatches(folded, start, piece.chars)) return null;
      groups.push(value.slice(pos, start).join(""));
      captureRun(start);
      pos = value.length;
      pendingStar = false;
      continue;
    }
    let start = pos;
    while (start + piece.chars.length <= value.length && !runMatches(folded, start, piece.chars)) start++;
    if (start + piece.chars.length > value.length) return null;
    groups.push(value.slice(pos, start).join(""));
    captureRun(start);
    pos = start + piece.chars.length;
    pendingStar = false;
  }
  if (pendingStar) {
    groups.push(value.slice(pos).join(""));
    pos = value.length;
  }
  return pos === value.length ? groups : null;
}

export const matches: MatchType = {
  tag: ":matches",
  checkComparator: (c) => (c.fold ? null : `comparator '${c.name}' does not support the :matches match type`),
  match(values, keys, comparator, _param, ctx) {
    for (const v of values) {
      for (const k of keys) {
        const groups = globMatch(v, k, comparator);
        if (groups !== null) {
          ctx.setMatchValues([v, ...groups]);
          return true;
        }
      }
    }
    return false;
  },
};
