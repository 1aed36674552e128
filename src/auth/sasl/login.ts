import { type SaslExchange, type SaslMechanism, type SaslStep, utf8Field } from "./mechanism.js";

// The LOGIN mechanism (draft-murchison-sasl-login): two challenges, as Dovecot sends them.
export const LOGIN: SaslMechanism = {
  name: "LOGIN",
  plaintext: true,
  start(): SaslExchange {
    let user: string | undefined;
    let started = false;
    return {
      step(response: Buffer | null): SaslStep {
        if (!started) {
          started = true;
          // An initial response (SASL-IR) is the user name.
          if (response === null || response.length === 0) return { challenge: Buffer.from("Username:") };
        }
        if (response === null) return { error: "LOGIN: missing response" };
        const text = utf8Field(response);
        if (text === null) return { error: "LOGIN: invalid UTF-8" };
        if (user === undefined) {
          if (text === "") return { error: "LOGIN: empty user name" };
          user = text;
          return { challenge: Buffer.from("Password:") };
        }
        return { done: { authcid: user, authzid: "", password: text } };
      },
    };
  },
};
