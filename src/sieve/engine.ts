// The engine: a registry of extensions plus configuration; compiles (with a file cache) and runs.
import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { defaultConfig, type SieveConfig } from "./config.js";
import { coreLanguage } from "./core/language.js";
import type { Envelope, SieveEnvironment } from "./environment.js";
import type { Extension } from "./extension.js";
import { allExtensions } from "./extensions/index.js";
import { runScript, type SieveLogger } from "./interpreter.js";
import type { SieveMessage } from "./message.js";
import { Registry } from "./registry.js";
import type { SieveRunResult } from "./result.js";
import type { CompiledScript } from "./runtime.js";
import { type CompileOptions, type CompileResult, compileSource } from "./validator.js";

interface CacheEntry {
  mtimeMs: number;
  size: number;
  result: CompileResult;
}

export class SieveEngine {
  readonly config: SieveConfig;
  readonly registry: Registry;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(config: Partial<SieveConfig> = {}, extensions: Extension[] = allExtensions) {
    this.config = defaultConfig(config);
    this.registry = new Registry(coreLanguage, extensions);
  }

  /** Capabilities scripts may require here (the ManageSieve SIEVE list). */
  capabilities(): string[] {
    return this.registry.names().filter((n) => this.config.extensions.has(n));
  }

  /** Compiles a script; with `options.loadScript`, includes of constant names are checked too. */
  compile(source: string, name = "script", options: CompileOptions = {}): CompileResult {
    return compileSource(source, name, this.registry, this.config, options);
  }

  /**
   * Compiles a script file, reusing the last result while path, mtime and size are unchanged;
   * `options.parseCache` may spare the parse.
   */
  compileFile(path: string, options: CompileOptions = {}): CompileResult {
    const st = statSync(path);
    const cached = this.cache.get(path);
    if (cached !== undefined && cached.mtimeMs === st.mtimeMs && cached.size === st.size)
      return cached.result;
    const result = this.compile(readFileSync(path, "utf8"), basename(path).replace(/\.sieve$/, ""), options);
    this.cache.set(path, { mtimeMs: st.mtimeMs, size: st.size, result });
    return result;
  }

  run(
    script: CompiledScript,
    input: {
      message: SieveMessage;
      envelope: Envelope;
      env: SieveEnvironment;
      trace?: boolean;
      log?: SieveLogger;
    },
  ): Promise<SieveRunResult> {
    return runScript(script, {
      ...input,
      config: this.config,
      compile: (source, name) => this.compile(source, name),
    });
  }
}
