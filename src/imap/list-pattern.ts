/**
 * LIST/LSUB patterns (RFC 3501 §6.3.8): `*` matches anything, `%` anything but the
 * separator. Reference and pattern are joined as Dovecot joins them, and a first level
 * "INBOX" matches in any case (§5.1).
 */
export function listMatcher(
  reference: string,
  patterns: readonly string[],
  separator: string,
): (wire: string) => boolean {
  const regexes = patterns.map((p) => patternRegex(reference + p, separator));
  return (wire) => regexes.some((re) => re.test(wire));
}

function patternRegex(pattern: string, separator: string): RegExp {
  const sep = escapeRegex(separator);
  let source = "";
  for (const ch of pattern) {
    if (ch === "*") source += ".*";
    else if (ch === "%") source += `(?:(?!${sep}).)*`;
    else source += escapeRegex(ch);
  }
  const first = pattern.split(separator, 1)[0]!;
  if (first.toUpperCase() === "INBOX") source = `INBOX${source.slice(escapeRegex(first).length)}`;
  return new RegExp(`^${source}$`, "s");
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
