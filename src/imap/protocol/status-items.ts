import type { ArgCursor } from "./arg-cursor.js";
import type { StatusItem } from "./command-types.js";

const ITEMS: readonly StatusItem[] = [
  "MESSAGES",
  "RECENT",
  "UIDNEXT",
  "UIDVALIDITY",
  "UNSEEN",
  "HIGHESTMODSEQ",
  "SIZE",
];

/** "(" status-att *(SP status-att) ")" with Dovecot's error texts. */
export function parseStatusItems(c: ArgCursor): StatusItem[] {
  c.openList();
  if (c.listEmpty()) c.fail("Empty status list");
  const items: StatusItem[] = [];
  do {
    const word = c.atom().toUpperCase();
    const item = ITEMS.find((i) => i === word);
    if (item === undefined) return c.fail(`Invalid status item ${word}`);
    if (!items.includes(item)) items.push(item);
  } while (!c.listNext());
  return items;
}
