import {
  failed,
  type SaslContext,
  type SaslExchange,
  type SaslMechanism,
  type SaslStep,
  utf8Field,
} from "./mechanism.js";

// RFC 4616: message = [authzid] NUL authcid NUL passwd.
export const PLAIN: SaslMechanism = {
  name: "PLAIN",
  plaintext: true,
  available: () => true,
  start({ auth, conn }: SaslContext): SaslExchange {
    let asked = false;
    return {
      async step(response: Buffer | null): Promise<SaslStep> {
        if (response === null) {
          if (asked) return failed("PLAIN: empty response");
          asked = true;
          return { challenge: Buffer.alloc(0) };
        }
        const first = response.indexOf(0);
        const second = first < 0 ? -1 : response.indexOf(0, first + 1);
        if (second < 0 || response.indexOf(0, second + 1) >= 0) return failed("PLAIN: invalid message");
        const authzid = utf8Field(response.subarray(0, first));
        const authcid = utf8Field(response.subarray(first + 1, second));
        const password = utf8Field(response.subarray(second + 1));
        if (authzid === null || authcid === null || password === null) return failed("PLAIN: invalid UTF-8");
        if (authcid === "") return failed("PLAIN: empty authentication identity");
        return { result: await auth.authenticate(authcid, password, conn.remoteIp, authzid) };
      },
    };
  },
};
