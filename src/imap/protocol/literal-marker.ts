import type { LiteralHeader } from "./raw-command.js";

/**
 * A literal marker ending a line: `{n}`, `{n+}` (RFC 7888) or `~{n}` (literal8, RFC 3516).
 * Any line ending so is framed as announcing a literal, wherever it stands, so that the
 * literal's bytes are never mistaken for commands; the grammar rejects misplaced ones.
 * `textEnd` is where the marker starts. A size beyond 2^53 reads as Infinity.
 */
export function findLiteralMarker(line: Buffer): { header: LiteralHeader; textEnd: number } | null {
  let i = line.length - 1;
  if (i < 2 || line[i] !== 0x7d) return null;
  i--;
  const sync = line[i] !== 0x2b;
  if (!sync) i--;
  const digitsEnd = i + 1;
  while (i >= 0 && line[i]! >= 0x30 && line[i]! <= 0x39) i--;
  if (i < 0 || i + 1 === digitsEnd || line[i] !== 0x7b) return null;
  const size = Number(line.toString("latin1", i + 1, digitsEnd));
  const binary = i > 0 && line[i - 1] === 0x7e;
  return {
    header: { size: Number.isSafeInteger(size) ? size : Number.POSITIVE_INFINITY, sync, binary },
    textEnd: binary ? i - 1 : i,
  };
}
