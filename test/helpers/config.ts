import { writeFileSync } from "node:fs";
import { stringify } from "smol-toml";

type Table = Record<string, unknown>;

/** Every listener off: tests run side by side, so each turns on only what it uses, on its own port. */
const QUIET: Table = {
  imap: { listen: [] },
  pop3: { listen: [] },
  lmtp: { listen: [] },
  managesieve: { listen: [] },
  log: { format: "json" },
};

function merge(base: Table, over: Table): Table {
  const out: Table = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const b = base[key];
    out[key] =
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      typeof b === "object" &&
      b !== null
        ? merge(b as Table, value as Table)
        : value;
  }
  return out;
}

/** Writes a loft.toml with every listener off unless `settings` turns it on. Returns the path. */
export function writeConfig(path: string, settings: Table): string {
  writeFileSync(path, stringify(merge(QUIET, settings)));
  return path;
}
