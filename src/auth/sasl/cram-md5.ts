import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { equalStrings } from "../password-schemes/constant-time.js";
import { cramMd5Response, decodeCramMd5Context } from "../password-schemes/index.js";
import {
  failed,
  type SaslContext,
  type SaslExchange,
  type SaslMechanism,
  type SaslStep,
  utf8Field,
} from "./mechanism.js";

// CRAM-MD5 (RFC 2195): the server's challenge, the client's "user HMAC-MD5(password, challenge)".
// Checked with the stored {CRAM-MD5} HMAC state or with one made from a cleartext password.
export const CRAM_MD5: SaslMechanism = {
  name: "CRAM-MD5",
  plaintext: false,
  available: ({ auth }) => auth.supplies("CRAM-MD5"),
  start({ auth, conn }: SaslContext): SaslExchange {
    const challenge = Buffer.from(
      `<${randomBytes(8).readBigUInt64BE()}.${Math.floor(Date.now() / 1000)}@${hostname()}>`,
    );
    let sent = false;
    return {
      async step(response: Buffer | null): Promise<SaslStep> {
        if (!sent) {
          sent = true;
          // RFC 2195 has no initial response; a client that sends one gets the challenge anyway.
          return { challenge };
        }
        const text = response === null ? null : utf8Field(response);
        if (text === null) return failed("CRAM-MD5: invalid response");
        const space = text.lastIndexOf(" ");
        const user = text.slice(0, space);
        const digest = text.slice(space + 1).toLowerCase();
        if (space <= 0 || !/^[0-9a-f]{32}$/.test(digest)) return failed("CRAM-MD5: invalid response");
        const found = await auth.credentials(user, "", "CRAM-MD5");
        // Without a secret the digest is still computed, against a random one, to take the same time.
        const context = decodeCramMd5Context(found.secret ?? randomBytes(32));
        const matched = equalStrings(cramMd5Response(context, challenge), digest);
        if (found.secret === null) return failed(found.missing ?? "no credentials");
        if (!matched) return failed("CRAM-MD5: digest mismatch", found.nodelay);
        return { result: await found.accept(conn.remoteIp) };
      },
    };
  },
};
