// The Sieve engine as delivery configures it, loaded on first use: a delivery for a user
// without scripts never pays for the compiler.
import type { Config } from "../config/index.js";
import type { SieveEngine } from "../sieve/index.js";

export function lazySieveEngine(config: Config): () => Promise<SieveEngine> {
  let engine: Promise<SieveEngine> | null = null;
  return () => {
    engine ??= import("../sieve/index.js").then(
      (sieve) =>
        new sieve.SieveEngine({
          maxScriptSize: config.sieve.max_script_size,
          maxActions: config.sieve.max_actions,
          maxRedirects: config.sieve.max_redirects,
          recipientDelimiter: config.delivery.recipient_delimiter,
        }),
    );
    return engine;
  };
}
