import type { Config } from "../config/index.js";
import { extensionSet, type SieveConfig } from "../sieve/config.js";

/** The Sieve engine's settings from the config: the same for delivery, ManageSieve and the CLI. */
export function engineSettings(config: Config): Partial<SieveConfig> {
  return {
    extensions: extensionSet(config.sieve.extensions),
    maxScriptSize: config.sieve.max_script_size,
    maxActions: config.sieve.max_actions,
    maxRedirects: config.sieve.max_redirects,
    recipientDelimiter: config.delivery.recipient_delimiter,
  };
}
