export { loadConfigCached } from "./cached-load.js";
export { ConfigError } from "./config-error.js";
export { chooseConfigFile, configPath } from "./config-file.js";
export { type LoadedConfig, loadConfig, parseConfigText } from "./load.js";
export { configReference } from "./reference.js";
export { type Config, configSchema, type ListenAddress, parseListenAddress } from "./schema.js";
export { renderConfig } from "./show.js";
