import { StoreError } from "../../errors.js";

/** Maildir file names have 26 keyword letters, a–z. */
export const MAX_KEYWORDS = 26;

/**
 * dovecot-keywords: `<index> <name>` lines (storage-maildir.md §4). Returns a sparse array
 * index → name; lines without a space, with an index ≥ 26, an empty name or a repeated name are
 * ignored as Dovecot ignores them.
 */
export function parseKeywords(text: string): (string | undefined)[] {
  const names: (string | undefined)[] = [];
  const seen = new Set<string>();
  for (const line of text.split("\n")) {
    const space = line.indexOf(" ");
    if (space <= 0) continue;
    const indexText = line.slice(0, space);
    const name = line.slice(space + 1);
    if (!/^\d+$/.test(indexText) || name === "") continue;
    const index = Number(indexText);
    if (index >= MAX_KEYWORDS || seen.has(name.toLowerCase()) || names[index] !== undefined) continue;
    names[index] = name;
    seen.add(name.toLowerCase());
  }
  return names;
}

export function serializeKeywords(names: readonly (string | undefined)[]): string {
  let text = "";
  names.forEach((name, index) => {
    if (name !== undefined) text += `${index} ${name}\n`;
  });
  return text;
}

/** Index of a keyword, matched case-insensitively as Dovecot does, or -1. */
export function keywordIndex(names: readonly (string | undefined)[], name: string): number {
  const lower = name.toLowerCase();
  return names.findIndex((n) => n !== undefined && n.toLowerCase() === lower);
}

/**
 * Adds the keywords that are missing, each at the lowest free index. Returns the new table, or
 * throws LIMIT when the 26 letters are used up (Dovecot would then keep the keyword only in its own
 * index, invisible to every other reader of the Maildir; we refuse instead).
 */
export function addKeywords(
  names: readonly (string | undefined)[],
  wanted: readonly string[],
): (string | undefined)[] {
  const table = [...names];
  for (const name of wanted) {
    if (keywordIndex(table, name) >= 0) continue;
    let free = 0;
    while (free < MAX_KEYWORDS && table[free] !== undefined) free++;
    if (free >= MAX_KEYWORDS) {
      throw new StoreError("LIMIT", `Too many keywords in this mailbox (Maildir allows ${MAX_KEYWORDS})`);
    }
    table[free] = name;
  }
  return table;
}

/** Name given to a letter that has no entry in dovecot-keywords: `unknown-<n>`, then `?` until unique. */
export function unknownKeywordName(names: readonly (string | undefined)[], index: number): string {
  let name = `unknown-${index}`;
  while (keywordIndex(names, name) >= 0) name += "?";
  return name;
}
