import type { ImapContext, Reply } from "../command-context.js";

const FAILED: Reply = {
  status: "NO",
  text: "Authentication failed.",
  code: { name: "AUTHENTICATIONFAILED" },
};

/**
 * Checks the password and opens the user's mail; the same answer, after the same delay,
 * whatever went wrong, so that a guesser learns nothing.
 */
export async function loginUser(
  ctx: ImapContext,
  authcid: string,
  authzid: string,
  password: string,
  mechanism: string,
): Promise<Reply> {
  const fail = async (reason: string): Promise<Reply> => {
    ctx.log.info({ user: authcid, mechanism, reason }, "authentication failed");
    await new Promise((r) => setTimeout(r, ctx.settings.failureDelayMs));
    return FAILED;
  };
  if (authzid !== "" && authzid !== authcid) return fail("authorization identity differs");
  const result = await ctx.auth.authenticate(authcid, password, ctxIp(ctx));
  if (!result.ok) return fail(result.reason);
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
  ctx.log.info({ mechanism }, "logged in");
  return {
    status: "OK",
    text: "Logged in",
    code: { name: `CAPABILITY ${ctx.capabilities().join(" ")}` },
  };
}

function ctxIp(ctx: ImapContext): string | undefined {
  return ctx.remoteIp === "unix" ? undefined : ctx.remoteIp;
}

/** Dovecot's answer to plaintext credentials on a connection that may not use them. */
/** Dovecot's answer to any AUTHENTICATE before TLS when ssl = required. */
export const TLS_REQUIRED: Reply = {
  status: "NO",
  text: "Authentication not allowed until SSL/TLS is enabled.",
  code: { name: "PRIVACYREQUIRED" },
};

export const PRIVACY_REQUIRED: Reply = {
  status: "NO",
  text: "Plaintext authentication disallowed on non-secure (SSL/TLS) connections.",
  code: { name: "PRIVACYREQUIRED" },
};
