import type { Command } from "commander";
import { EX_NOPERM } from "../exit-codes/index.js";
import { commandContext } from "./context.js";
import { readPassword } from "./read-password.js";
import { formatUserFields } from "./user.js";

export function register(program: Command): void {
  const auth = program.command("auth").description("test authentication");
  auth
    .command("test <user> [password]")
    .description("check a password as a login would (like doveadm auth test); exit 77 on failure")
    .action(async (user: string, password: string | undefined, _opts, cmd: Command) => {
      const ctx = commandContext(cmd);
      const result = await ctx
        .openAuth()
        .authenticate(user, password ?? (await readPassword(false, "Password: ")));
      if (!result.ok) {
        ctx.log.info({ user, reason: result.reason }, "authentication failed");
        process.stdout.write(`passdb: ${user} auth failed\n`);
        if (result.userMessage) process.stdout.write(`reason: ${result.userMessage}\n`);
        process.exitCode = EX_NOPERM;
        return;
      }
      ctx.log.info({ user }, "authentication succeeded");
      process.stdout.write(
        `passdb: ${user} auth succeeded\nuserdb extra fields:\n${formatUserFields(result.user)}`,
      );
    });
}
