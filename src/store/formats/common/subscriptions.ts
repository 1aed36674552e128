import type { MailboxPath } from "../../mailbox-name.js";

/**
 * The `subscriptions` file (storage-maildir.md §5): `V\t2\n\n`, then one mailbox per line with the
 * hierarchy levels separated by TAB and each level tab-escaped. Levels here are the on-disk
 * (modified UTF-7) forms; the caller converts.
 */
const HEADER = "V\t2\n\n";

const ESCAPES: Record<string, string> = { "\x01": "\x011", "\t": "\x01t", "\r": "\x01r", "\n": "\x01n" };
const UNESCAPES: Record<string, string> = { "1": "\x01", t: "\t", r: "\r", n: "\n" };

export function escapeLevel(level: string): string {
  return level.replace(/[\x01\t\r\n]/g, (c) => ESCAPES[c]!);
}

export function unescapeLevel(level: string): string {
  return level.replace(/\x01(.)/g, (whole, c: string) => UNESCAPES[c] ?? whole);
}

/** Parses version 2, or version 1 (one name per line with `v1Separator` between levels). */
export function parseSubscriptions(text: string, v1Separator: string): string[][] {
  if (text.startsWith(HEADER)) {
    return text
      .slice(HEADER.length)
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => line.split("\t").map(unescapeLevel));
  }
  return text
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => line.split(v1Separator));
}

export function serializeSubscriptions(paths: readonly MailboxPath[]): string {
  return HEADER + paths.map((p) => `${p.map(escapeLevel).join("\t")}\n`).join("");
}
