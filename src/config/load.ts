import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import type { z } from "zod";
import { ConfigError } from "./config-error.js";
import { chooseConfigFile } from "./config-file.js";
import { didYouMean } from "./did-you-mean.js";
import { type Config, configSchema } from "./schema.js";

export interface LoadedConfig {
  config: Config;
  /** The file it came from, or null for the embedded default. */
  file: string | null;
  /** Relative paths in the config are relative to this directory. */
  baseDir: string;
  /** The values as written in the file, before defaults (for `config show -n`). */
  raw: Record<string, unknown>;
}

export function loadConfig(explicit?: string, env = process.env, cwd = process.cwd()): LoadedConfig {
  const file = chooseConfigFile(explicit, env, cwd);
  if (file === null) return { config: configSchema.parse({}), file: null, baseDir: cwd, raw: {} };
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return { ...parseConfigText(text, file), file, baseDir: dirname(file) };
}

export function parseConfigText(
  text: string,
  file: string,
): { config: Config; raw: Record<string, unknown> } {
  let raw: Record<string, unknown>;
  try {
    raw = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = err.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
      throw new ConfigError(`${file}:${err.line}:${err.column}: TOML syntax error: ${reason}`);
    }
    throw err;
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const lines = result.error.issues.flatMap((issue) => describeIssue(issue, raw));
    throw new ConfigError(`invalid config ${file}:\n${lines.map((l) => `  ${l}`).join("\n")}`);
  }
  return { config: result.data, raw };
}

function keyPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : `${i > 0 ? "." : ""}${String(p)}`)).join("");
}

function describeIssue(issue: z.core.$ZodIssue, raw: Record<string, unknown>): string[] {
  if (issue.code === "unrecognized_keys") {
    const known = knownKeysAt(issue.path);
    return issue.keys.map((key) => {
      const where = keyPath([...issue.path, key]);
      const guess = didYouMean(key, known);
      return `${where}: unknown key${guess ? `; did you mean "${keyPath([...issue.path, guess])}"?` : ""}`;
    });
  }
  const where = keyPath(issue.path) || "(top level)";
  if (issue.code === "custom") return [`${where}: ${issue.message}`];
  const found = describeValue(valueAt(raw, issue.path));
  const expected = issue.message.replace(/^Invalid input: /, "").replace(/, received \w+$/, "");
  return [`${where}: ${expected}; found ${found}`];
}

function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = configSchema;
  for (const key of path) {
    const shape = objectShape(schema);
    if (!shape || typeof key !== "string" || !(key in shape)) return [];
    schema = shape[key]!;
  }
  return Object.keys(objectShape(schema) ?? {});
}

/** The shape of an object schema, looking through .default/.prefault wrappers. */
export function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  let s = schema as unknown as {
    def: { type: string; innerType?: unknown; shape?: Record<string, z.ZodType> };
  };
  while (s.def.innerType) s = s.def.innerType as typeof s;
  return s.def.type === "object" ? s.def.shape : undefined;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let v = raw;
  for (const key of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v;
}

function describeValue(v: unknown): string {
  if (v === undefined) return "nothing";
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  if (Array.isArray(v)) return "an array";
  if (v instanceof Date) return "a date";
  if (typeof v === "object" && v !== null) return "a table";
  return `${typeof v} ${String(v)}`;
}
