// The Sieve engine's public face: compile scripts, run them against a message and an
// environment, and read the resulting actions. Pure: it never stores or sends anything.
export type { JsonValue, SieveAction } from "./actions.js";
export { DiscardAction, RedirectAction, StoreAction } from "./actions.js";
export type { Position, Script } from "./ast.js";
export { DEFAULT_EXTENSIONS, defaultConfig, extensionSet, type SieveConfig } from "./config.js";
export { SieveEngine } from "./engine.js";
export type { Envelope, ScriptLocation, SieveEnvironment } from "./environment.js";
export type { Extension } from "./extension.js";
export { EXTENSION_NAMES } from "./extension-names.js";
export type { SieveLogger } from "./interpreter.js";
export { MemoryEnvironment, type MemoryEnvironmentOptions } from "./memory-environment.js";
export { SieveMessage } from "./message.js";
export { parse } from "./parser.js";
export { resultToJSON, type SieveRunResult, SieveRuntimeError, type TrackingRecord } from "./result.js";
export type { CompiledScript } from "./runtime.js";
export type { Diagnostic } from "./syntax-error.js";
export type { CompileOptions, CompileResult, ParseCache } from "./validator.js";
