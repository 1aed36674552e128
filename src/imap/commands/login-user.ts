import type { AuthResult } from "../../auth/index.js";
import type { ImapContext, Reply } from "../command-context.js";

export const AUTH_FAILED: Reply = {
  status: "NO",
  text: "Authentication failed.",
  code: { name: "AUTHENTICATIONFAILED" },
};

/**
 * Checks the password and opens the user's mail; the same answer, after the same delay,
 * whatever went wrong, so that a guesser learns nothing.
 */
export async function loginUser(ctx: ImapContext, user: string, password: string): Promise<Reply> {
  const result = await ctx.auth.login(user, password, ctx.saslConnection().remoteIp);
  if (!result.ok) {
    ctx.log.info({ user, mechanism: "LOGIN", reason: result.reason }, "authentication failed");
    return result.userMessage ? { ...AUTH_FAILED, text: result.userMessage } : AUTH_FAILED;
  }
  return enterUser(ctx, result, "LOGIN");
}

/** After a successful authentication: the per-user limit, then the user's mail. */
export async function enterUser(
  ctx: ImapContext,
  result: Extract<AuthResult, { ok: true }>,
  mechanism: string,
): Promise<Reply> {
  if (!ctx.admitUser(result.user.user)) {
    ctx.log.info({ user: result.user.user }, "too many connections from this user and address");
    return {
      status: "NO",
      text: "Maximum number of connections from user+IP exceeded",
      code: { name: "LIMIT" },
    };
  }
  const store = await ctx.openMail(result.user);
  ctx.login(result.user, store);
  ctx.log.info({ mechanism, master: result.master }, "logged in");
  return {
    status: "OK",
    text: "Logged in",
    code: { name: `CAPABILITY ${ctx.capabilities().join(" ")}` },
  };
}

/** Dovecot's answer to any AUTHENTICATE before TLS when ssl = required. */
export const TLS_REQUIRED: Reply = {
  status: "NO",
  text: "Authentication not allowed until SSL/TLS is enabled.",
  code: { name: "PRIVACYREQUIRED" },
};

/** Dovecot's answer to plaintext credentials on a connection that may not use them. */
export const PRIVACY_REQUIRED: Reply = {
  status: "NO",
  text: "Plaintext authentication disallowed on non-secure (SSL/TLS) connections.",
  code: { name: "PRIVACYREQUIRED" },
};
