import { encodeValue } from "./encode-value.js";
import { formatSequenceSet } from "./sequence-set.js";

/** What an ESEARCH answer holds; absent fields are left out (RFC 4731 §3.1). */
export interface EsearchResult {
  min?: number;
  max?: number;
  /** Ascending numbers or ranges; left out when empty, as RFC 4731 requires. */
  all?: ReadonlyArray<number | readonly [number, number]>;
  count?: number;
  /** RFC 7162 §3.1.5: the highest mod-sequence of the messages found. */
  modseq?: bigint;
}

/** `* SEARCH 1 2 3` with `(MODSEQ n)` when given (RFC 7162 §3.1.5). */
export function searchResponse(numbers: readonly number[], modseq: bigint | null = null): Buffer {
  let line = "* SEARCH";
  if (numbers.length > 0) line += ` ${numbers.join(" ")}`;
  if (modseq !== null) line += ` (MODSEQ ${modseq})`;
  return Buffer.from(`${line}\r\n`);
}

/** `* ESEARCH (TAG "a") UID MIN 1 MAX 3 ALL 1:3 COUNT 3`, in Dovecot's order. */
export function esearchResponse(tag: string, uid: boolean, r: EsearchResult): Buffer {
  let line = `* ESEARCH (TAG ${encodeValue(tag).toString("latin1")})`;
  if (uid) line += " UID";
  if (r.min !== undefined) line += ` MIN ${r.min}`;
  if (r.max !== undefined) line += ` MAX ${r.max}`;
  if (r.all !== undefined && r.all.length > 0) line += ` ALL ${formatSequenceSet(r.all)}`;
  if (r.count !== undefined) line += ` COUNT ${r.count}`;
  if (r.modseq !== undefined) line += ` MODSEQ ${r.modseq}`;
  return Buffer.from(`${line}\r\n`, "latin1");
}
