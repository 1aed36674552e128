import { isDeepStrictEqual } from "node:util";
import { stringify } from "smol-toml";
import { type Config, configSchema } from "./schema.js";

/** The effective config as TOML; with `changedOnly`, just what differs from the defaults (like `doveconf -n`). */
export function renderConfig(config: Config, changedOnly: boolean): string {
  const shown = changedOnly ? difference(config, configSchema.parse({})) : config;
  return stringify(shown ?? {});
}

function difference(value: unknown, base: unknown): unknown {
  if (isTable(value) && isTable(base)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const d = difference(v, base[key]);
      if (d !== undefined) out[key] = d;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return isDeepStrictEqual(value, base) ? undefined : value;
}

function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
