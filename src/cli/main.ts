import { Command, CommanderError } from "commander";
import { EX_IOERR, EX_NOPERM, EX_SOFTWARE, EX_USAGE, ExitError } from "../exit-codes/index.js";
import { loadCommands } from "./commands.js";

const program = new Command("loft")
  .description("Loft mail store server")
  .option(
    "-c, --config <file>",
    "config file (else $LOFT_CONFIG, else ./loft.toml, else the embedded default)",
  )
  .showHelpAfterError()
  .exitOverride();

for (const command of await loadCommands(process.argv.slice(2))) command.register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version print and exit 0; usage errors were already printed by commander.
    process.exitCode = err.exitCode === 0 ? 0 : EX_USAGE;
  } else if (
    err instanceof ExitError ||
    (err instanceof Error && typeof (err as { exitCode?: unknown }).exitCode === "number")
  ) {
    process.stderr.write(`loft: ${err.message}\n`);
    process.exitCode = (err as ExitError).exitCode;
  } else if (isSystemError(err)) {
    // A file or directory the command needed could not be used: the system's words are the message.
    process.stderr.write(`loft: ${err.message}\n`);
    process.exitCode = err.code === "EACCES" || err.code === "EPERM" ? EX_NOPERM : EX_IOERR;
  } else {
    process.stderr.write(
      `loft: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = EX_SOFTWARE;
  }
}

function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException;
  return err instanceof Error && typeof e.code === "string" && typeof e.syscall === "string";
}
