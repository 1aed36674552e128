import { EX_CONFIG } from "../exit-codes/index.js";

/** A config that cannot be used: names the file and the key or line:column; exit code EX_CONFIG. */
export class ConfigError extends Error {
  readonly exitCode = EX_CONFIG;
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}
