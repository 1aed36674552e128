import type { ArgCursor } from "./arg-cursor.js";
import type { Command } from "./command-types.js";
import { parseFetchItems } from "./fetch-grammar.js";
import { parseFlag, parseFlagList } from "./flags.js";
import { parseSearchArguments } from "./search-grammar.js";
import { parseSequenceSet, type SequenceSet } from "./sequence-set.js";

/** Grammar of the commands on messages of the selected mailbox. */

function setArg(c: ArgCursor): SequenceSet {
  c.sp();
  return parseSequenceSet(c);
}

/** A parenthesised modifier list of `NAME value` pairs, values mod-sequences (RFC 4466). */
function modifiers(c: ArgCursor, allowed: string, unknown: string, invalid: string): bigint | null {
  let value: bigint | null = null;
  c.openList();
  if (c.listEmpty()) c.fail(unknown);
  do {
    const name = c.atom(unknown).toUpperCase();
    if (name !== allowed) c.fail(unknown);
    c.sp(invalid);
    value = c.modseq(invalid);
  } while (!c.listNext());
  return value;
}

/** fetch = "FETCH" SP sequence-set SP items [SP "(" CHANGEDSINCE mod-sequence-value ")"] */
export function parseFetch(c: ArgCursor, uid: boolean): Command {
  const set = setArg(c);
  c.sp();
  const { items, macro } = parseFetchItems(c);
  let changedSince: bigint | null = null;
  if (c.moreArgs()) {
    changedSince = modifiers(c, "CHANGEDSINCE", "Unknown FETCH modifier", "Invalid CHANGEDSINCE modseq");
    // RFC 7162 §3.1.4.1: CHANGEDSINCE takes mod-sequence-value, which is positive
    if (changedSince === 0n) c.fail("Invalid CHANGEDSINCE modseq");
  }
  c.end();
  return { name: "FETCH", uid, set, items, macro, changedSince };
}

/**
 * store = "STORE" SP sequence-set [SP "(" UNCHANGEDSINCE mod-sequence-valzer ")"] SP
 *   (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
 */
export function parseStore(c: ArgCursor, uid: boolean): Command {
  const set = setArg(c);
  c.sp();
  let unchangedSince: bigint | null = null;
  if (c.peek() === 0x28) {
    unchangedSince = modifiers(
      c,
      "UNCHANGEDSINCE",
      "Unknown STORE modifier",
      "Invalid UNCHANGEDSINCE modseq",
    );
    c.sp();
  }
  const op = c.atom().toUpperCase();
  const m = /^([+-]?)FLAGS(\.SILENT)?$/.exec(op);
  if (m === null) return c.fail("Invalid arguments");
  const action = m[1] === "+" ? "add" : m[1] === "-" ? "remove" : "replace";
  c.sp();
  let flags: string[];
  if (c.peek() === 0x28) {
    flags = parseFlagList(c);
  } else {
    flags = [parseFlag(c)];
    while (c.moreArgs()) flags.push(parseFlag(c));
  }
  c.end();
  return { name: "STORE", uid, set, unchangedSince, action, silent: m[2] !== undefined, flags };
}

export function parseCopyMove(c: ArgCursor, name: "COPY" | "MOVE", uid: boolean): Command {
  const set = setArg(c);
  c.sp();
  const mailbox = c.astring();
  c.end();
  return { name, uid, set, mailbox };
}

export function parseSearch(c: ArgCursor, uid: boolean): Command {
  const args = parseSearchArguments(c);
  c.end();
  return { name: "SEARCH", uid, ...args };
}

/** EXPUNGE, or UID EXPUNGE SP sequence-set (RFC 4315 §2.1). */
export function parseExpunge(c: ArgCursor, uid: boolean): Command {
  const uids = uid ? setArg(c) : null;
  c.end();
  return { name: "EXPUNGE", uid, uids };
}
