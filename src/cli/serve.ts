import type { Command } from "commander";
import { Server } from "../server/index.js";

export function register(program: Command): void {
  program
    .command("serve")
    .description("run the enabled listeners until SIGTERM/SIGINT; SIGHUP reloads the config")
    .action(async (_opts, cmd: Command) => {
      await Server.start(cmd.optsWithGlobals().config);
    });
}
