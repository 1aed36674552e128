// loft-lda starts once per message, and validating the config against its schema was a good part
// of that start (the schema library alone takes tens of milliseconds to load). The validated
// config is kept in <state_dir>/cache, keyed by the file's path and exact text and by the build
// of Loft, so an edited config or an upgrade is validated again; the schema is loaded only then.
// Where the state directory is not there or not ours (Postfix runs mailbox_command as the
// recipient, the server's state directory is 0700), the running user's ~/.loft/cache serves.
import { accessSync, constants, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { cacheKey, cacheName, readCache, writeCache } from "../cache-file/index.js";
import { chooseConfigFile, configPath } from "./config-file.js";
import type { LoadedConfig } from "./load.js";
import type { Config } from "./schema.js";
import { DEFAULT_STATE_DIR } from "./state-dir-default.js";

/**
 * state_dir as the file sets it, read without parsing TOML: a top-level key (before any table
 * header) with a plain quoted string. Only finds where the cache lives; what the cache holds is
 * keyed by the whole text, so an unusual spelling here costs a cache miss, never a wrong config.
 */
function stateDirOf(text: string): string | null {
  const top = text.split(/^\s*\[/m)[0] ?? "";
  const key = /^[ \t]*state_dir[ \t]*=(.*)$/m.exec(top);
  if (key === null) return DEFAULT_STATE_DIR;
  const value = /^[ \t]*(?:"([^"\\]*)"|'([^']*)')[ \t]*(?:#.*)?\r?$/.exec(key[1]!);
  return value === null ? null : (value[1] ?? value[2] ?? null);
}

/** Where this user keeps the cached config: the state directory when it can write there. */
function cacheDir(stateDir: string): string | null {
  try {
    accessSync(stateDir, constants.W_OK | constants.X_OK);
    return join(stateDir, "cache");
  } catch {
    const home = homedir();
    return home === "" ? null : join(home, ".loft", "cache");
  }
}

/**
 * The config as loadConfig gives it (without the raw values), from the cache when the file is
 * unchanged.
 */
export async function loadConfigCached(explicit?: string): Promise<Omit<LoadedConfig, "raw">> {
  const file = chooseConfigFile(explicit);
  let text: string | undefined;
  try {
    text = file === null ? undefined : readFileSync(file, "utf8");
  } catch {
    // loadConfig reports it.
  }
  const stateDir = text === undefined ? null : stateDirOf(text);
  if (file === null || text === undefined || stateDir === null) {
    const { loadConfig } = await import("./load.js");
    return loadConfig(explicit);
  }
  const baseDir = dirname(file);
  const dir = cacheDir(configPath({ baseDir }, stateDir));
  const name = cacheName(file);
  const path = dir === null ? null : join(dir, `config-${name}.json`);
  const key = cacheKey("config", file, text);
  const cached = path === null ? undefined : readCache<Config>(path, key);
  if (cached !== undefined) return { config: cached, file, baseDir };
  const { parseConfigText } = await import("./load.js");
  const { config } = parseConfigText(text, file);
  // The key names the text that was read, so a file changed meanwhile is not cached under it.
  if (path !== null && config.state_dir === stateDir) writeCache(path, key, config);
  return { config, file, baseDir };
}
