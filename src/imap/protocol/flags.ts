import type { ArgCursor } from "./arg-cursor.js";

/** RFC 3501 §2.3.2 flags a client may set (\Recent is the server's alone). */
export const SYSTEM_FLAGS = ["\\Answered", "\\Flagged", "\\Deleted", "\\Seen", "\\Draft"] as const;

/**
 * flag = "\Answered" / "\Flagged" / "\Deleted" / "\Seen" / "\Draft" / flag-keyword /
 * flag-extension. System flags come back in their canonical case. A flag-extension is
 * refused as Dovecot does ("Invalid system flag \FOO"): no extension flags are defined.
 */
export function parseFlag(c: ArgCursor): string {
  if (c.tryChar(0x5c)) {
    const name = c.atom("Invalid flag");
    const flag = SYSTEM_FLAGS.find((f) => f.slice(1).toLowerCase() === name.toLowerCase());
    if (flag === undefined) c.fail(`Invalid system flag \\${name.toUpperCase()}`);
    return flag;
  }
  return c.atom("Invalid flag");
}

/** flag-list = "(" [flag *(SP flag)] ")" */
export function parseFlagList(c: ArgCursor): string[] {
  c.openList();
  const flags: string[] = [];
  if (c.listEmpty()) return flags;
  do flags.push(parseFlag(c));
  while (!c.listNext());
  return flags;
}
