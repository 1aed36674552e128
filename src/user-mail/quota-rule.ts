/** Limits from Dovecot's `quota_rule = *:storage=1G:messages=1000` (the `*` rule; 0 = none). */
export interface QuotaLimits {
  storage: number;
  messages: number;
}

const UNITS: Record<string, number> = { "": 1, B: 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/** Parses the default (`*`) quota rule; other mailboxes' rules and unknown parts give null. */
export function parseQuotaRule(rule: string): Partial<QuotaLimits> | null {
  const [mailbox, ...parts] = rule.split(":");
  if (mailbox !== "*") return null;
  const limits: Partial<QuotaLimits> = {};
  for (const part of parts) {
    const m = /^(storage|bytes|messages)=(\d+)([bBkKmMgGtT]?)$/.exec(part);
    if (!m) return null;
    // Dovecot reads a bare `storage=N` as kilobytes and a bare `bytes=N` as bytes.
    const unit = m[3] === "" ? (m[1] === "storage" ? 1024 : 1) : UNITS[m[3]!.toUpperCase()]!;
    if (m[1] === "messages") limits.messages = Number(m[2]);
    else limits.storage = Number(m[2]) * unit;
  }
  return limits;
}
