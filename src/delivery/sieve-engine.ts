// The Sieve engine as delivery configures it, loaded on first use: a delivery for a user
// without scripts never pays for the compiler.
import type { Config } from "../config/index.js";
import type { SieveEngine } from "../sieve/index.js";
import { engineSettings } from "../sieve-scripts/engine-settings.js";

export function lazySieveEngine(config: Config): () => Promise<SieveEngine> {
  let engine: Promise<SieveEngine> | null = null;
  return () => {
    engine ??= import("../sieve/index.js").then((sieve) => new sieve.SieveEngine(engineSettings(config)));
    return engine;
  };
}
