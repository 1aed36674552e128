import {
  failed,
  type SaslContext,
  type SaslExchange,
  type SaslMechanism,
  type SaslStep,
  utf8Field,
} from "./mechanism.js";

// The LOGIN mechanism (draft-murchison-sasl-login): two challenges, as Dovecot sends them.
export const LOGIN: SaslMechanism = {
  name: "LOGIN",
  plaintext: true,
  available: () => true,
  start({ auth, conn }: SaslContext): SaslExchange {
    let user: string | undefined;
    let started = false;
    return {
      async step(response: Buffer | null): Promise<SaslStep> {
        if (!started) {
          started = true;
          // An initial response (SASL-IR) is the user name.
          if (response === null || response.length === 0) return { challenge: Buffer.from("Username:") };
        }
        if (response === null) return failed("LOGIN: missing response");
        const text = utf8Field(response);
        if (text === null) return failed("LOGIN: invalid UTF-8");
        if (user === undefined) {
          if (text === "") return failed("LOGIN: empty user name");
          user = text;
          return { challenge: Buffer.from("Password:") };
        }
        return { result: await auth.authenticate(user, text, conn.remoteIp) };
      },
    };
  },
};
