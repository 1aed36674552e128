import { timingSafeEqual } from "node:crypto";

/**
 * Compares secrets in time that does not depend on where they differ. Only the length can leak,
 * as in Dovecot's mem_equals_timing_safe() callers, which compare lengths first.
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function equalStrings(a: string, b: string): boolean {
  return equalBytes(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}
