import type { Command } from "commander";
import { Authenticator, PasswdFile } from "../auth/index.js";
import { configPath, type LoadedConfig, loadConfig } from "../config/index.js";
import { createLogger, type Logger } from "../log/index.js";

/** What an admin command needs: the config it was given, a logger on stderr, and the userdb. */
export interface CommandContext {
  loaded: LoadedConfig;
  log: Logger;
  passwdPath: string;
  stateDir: string;
  openAuth(): Authenticator;
}

export function commandContext(cmd: Command): CommandContext {
  const loaded = loadConfig(cmd.optsWithGlobals().config);
  const { config } = loaded;
  // Commands print their results on stdout, so their log lines go to stderr (or the configured file).
  const log = createLogger({
    ...config.log,
    path: config.log.path && configPath(loaded, config.log.path),
    fd: 2,
  });
  const passwdPath = configPath(loaded, config.auth.passwd_file);
  return {
    loaded,
    log,
    passwdPath,
    stateDir: configPath(loaded, config.state_dir),
    openAuth: () =>
      Authenticator.fromConfig(PasswdFile.load(passwdPath, log), config, (p) => configPath(loaded, p)),
  };
}
