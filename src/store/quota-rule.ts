/**
 * Dovecot's userdb `quota_rule` (`*:storage=1G:messages=1000`, also `bytes=`), the form admins
 * already keep in their passwd-files. Units: B, k/K, M, G, T (powers of 1024) and %; a percentage
 * needs a default to relate to, which Loft does not have, so it is ignored.
 */
export interface QuotaLimits {
  storage?: number;
  messages?: number;
}

const UNITS: Record<string, number> = { "": 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

function size(text: string): number | undefined {
  const match = /^(\d+)([bkmgt]?)$/i.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNITS[match[2]!.toLowerCase()]!;
}

export function parseQuotaRule(rule: string): QuotaLimits {
  const fields = rule.split(":");
  const limits: QuotaLimits = {};
  if (fields[0] !== "*") return limits;
  for (const field of fields.slice(1)) {
    const eq = field.indexOf("=");
    if (eq < 0) continue;
    const key = field.slice(0, eq).toLowerCase();
    const value = field.slice(eq + 1);
    if (key === "storage" || key === "bytes") {
      const bytes = size(value);
      if (bytes !== undefined)
        limits.storage = key === "storage" && /^\d+$/.test(value) ? bytes * 1024 : bytes;
    } else if (key === "messages") {
      const count = size(value);
      if (count !== undefined) limits.messages = count;
    }
  }
  return limits;
}
