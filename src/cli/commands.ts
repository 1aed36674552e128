import type { Command } from "commander";

/** Every subcommand module exports one `register(program)`; list it here. */
export const commands: ((program: Command) => void)[] = [];
