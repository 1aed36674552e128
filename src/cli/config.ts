import type { Command } from "commander";
import { loadConfig, renderConfig } from "../config/index.js";
import { checkStartupConfig } from "../server/index.js";

export function register(program: Command): void {
  const config = program.command("config").description("check or show the configuration");
  config
    .command("check")
    .description(
      "validate the config file, and the accounts and files it names; exit 78 (EX_CONFIG) with the reasons if it is invalid",
    )
    .action((_opts, cmd: Command) => {
      const loaded = loadConfig(cmd.optsWithGlobals().config);
      checkStartupConfig(loaded);
      process.stdout.write(`${loaded.file ?? "embedded default"}: OK\n`);
    });
  config
    .command("show")
    .description("print the effective config as TOML")
    .option("-n, --non-default", "only the settings that differ from the defaults (like doveconf -n)")
    .action((opts: { nonDefault?: boolean }, cmd: Command) => {
      const loaded = loadConfig(cmd.optsWithGlobals().config);
      process.stdout.write(
        `# ${loaded.file ?? "embedded default"}\n${renderConfig(loaded.config, !!opts.nonDefault)}\n`,
      );
    });
}
