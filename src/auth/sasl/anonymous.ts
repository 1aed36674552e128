import {
  failed,
  type SaslContext,
  type SaslExchange,
  type SaslMechanism,
  type SaslStep,
  utf8Field,
} from "./mechanism.js";

// ANONYMOUS (RFC 4505): logs in as auth.anonymous_username; the client's trace text is only
// logged by the caller. Offered only when auth.mechanisms names it.
export const ANONYMOUS: SaslMechanism = {
  name: "ANONYMOUS",
  plaintext: false,
  available: ({ auth }) => (auth.settings.anonymousUsername ?? "") !== "",
  start({ auth, conn }: SaslContext): SaslExchange {
    let asked = false;
    return {
      async step(response: Buffer | null): Promise<SaslStep> {
        if (response === null) {
          if (asked) return failed("ANONYMOUS: no response");
          asked = true;
          return { challenge: Buffer.alloc(0) };
        }
        // RFC 4505 §2: the trace is at most 255 UTF-8 characters.
        const trace = utf8Field(response);
        if (trace === null || [...trace].length > 255) return failed("ANONYMOUS: invalid trace");
        return { result: await auth.loginAs(auth.settings.anonymousUsername ?? "", conn.remoteIp) };
      },
    };
  },
};
