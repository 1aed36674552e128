import { type SaslExchange, type SaslMechanism, type SaslStep, utf8Field } from "./mechanism.js";

// RFC 4616: message = [authzid] NUL authcid NUL passwd.
export const PLAIN: SaslMechanism = {
  name: "PLAIN",
  plaintext: true,
  start(): SaslExchange {
    let asked = false;
    return {
      step(response: Buffer | null): SaslStep {
        if (response === null) {
          if (asked) return { error: "PLAIN: empty response" };
          asked = true;
          return { challenge: Buffer.alloc(0) };
        }
        const first = response.indexOf(0);
        const second = first < 0 ? -1 : response.indexOf(0, first + 1);
        if (second < 0 || response.indexOf(0, second + 1) >= 0) return { error: "PLAIN: invalid message" };
        const authzid = utf8Field(response.subarray(0, first));
        const authcid = utf8Field(response.subarray(first + 1, second));
        const password = utf8Field(response.subarray(second + 1));
        if (authzid === null || authcid === null || password === null)
          return { error: "PLAIN: invalid UTF-8" };
        if (authcid === "") return { error: "PLAIN: empty authentication identity" };
        return { done: { authzid, authcid, password } };
      },
    };
  },
};
