// Which config file is used and how its relative paths resolve; apart from the schema, so that a
// program with a cached config (loft-lda) does not load the schema to find its file.
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";

/** The config file to use: `-c FILE`, else $LOFT_CONFIG, else ./loft.toml, else none (embedded default). */
export function chooseConfigFile(
  explicit: string | undefined,
  env = process.env,
  cwd = process.cwd(),
): string | null {
  if (explicit) return resolve(cwd, explicit);
  if (env.LOFT_CONFIG) return resolve(cwd, env.LOFT_CONFIG);
  const local = resolve(cwd, "loft.toml");
  return existsSync(local) ? local : null;
}

/** A path from the config, resolved against the config file's directory. */
export function configPath(loaded: { baseDir: string }, path: string): string {
  return isAbsolute(path) ? path : resolve(loaded.baseDir, path);
}
