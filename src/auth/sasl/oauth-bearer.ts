import type { AuthResult } from "../authenticate.js";
import {
  failed,
  type SaslContext,
  type SaslExchange,
  type SaslMechanism,
  type SaslStep,
  utf8Field,
} from "./mechanism.js";

// OAUTHBEARER (RFC 7628) and Google's XOAUTH2: a bearer token checked by introspection or as a
// JWT. A rejected token gets the JSON error as a challenge, which the client acknowledges
// (RFC 7628 §3.2.3: with %x01; XOAUTH2: with an empty response) before the failure.

/** `key=value` pairs separated by %x01, ending in %x01%x01. */
function kvpairs(text: string): Map<string, string> | null {
  if (!text.endsWith("\x01\x01")) return null;
  const out = new Map<string, string>();
  for (const pair of text.slice(0, -2).split("\x01")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) return null;
    out.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
  return out;
}

function bearerToken(auth: string | undefined): string | null {
  const m = auth === undefined ? null : /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i.exec(auth);
  return m ? m[1]! : null;
}

async function checkToken(ctx: SaslContext, claimedUser: string, token: string | null): Promise<AuthResult> {
  const verifier = ctx.auth.oauth2;
  if (!verifier || token === null) return { ok: false, reason: "no bearer token" };
  const checked = await verifier.verify(token);
  if (!checked.ok) return { ok: false, reason: checked.reason };
  // Dovecot's passdb oauth2: the token's user must be the one the client named.
  if (claimedUser !== "" && claimedUser.toLowerCase() !== checked.user.toLowerCase())
    return { ok: false, reason: "token belongs to another user" };
  return ctx.auth.loginAs(checked.user, ctx.conn.remoteIp);
}

function oauthMechanism(
  name: string,
  parse: (text: string) => { user: string; token: string | null } | null,
  errorChallenge: string,
  acknowledgement: string,
): SaslMechanism {
  return {
    name,
    plaintext: false,
    available: ({ auth }) => auth.oauth2 !== null,
    start(ctx: SaslContext): SaslExchange {
      let stage: "start" | "message" | "error" = "start";
      let failure: AuthResult | null = null;
      return {
        async step(response: Buffer | null): Promise<SaslStep> {
          if (stage === "error") {
            const ack = response === null ? null : response.toString("latin1");
            return {
              result:
                ack === acknowledgement && failure
                  ? failure
                  : { ok: false, reason: `${name}: bad error acknowledgement` },
            };
          }
          if (response === null) {
            if (stage !== "start") return failed(`${name}: no response`);
            stage = "message";
            return { challenge: Buffer.alloc(0) };
          }
          stage = "message";
          const text = utf8Field(response);
          const parsed = text === null ? null : parse(text);
          if (parsed === null) return failed(`${name}: malformed message`);
          const result = await checkToken(ctx, parsed.user, parsed.token);
          if (result.ok) return { result };
          stage = "error";
          failure = result;
          return { challenge: Buffer.from(errorChallenge) };
        },
      };
    },
  };
}

// RFC 7628 §3.1: gs2-header ("n,a=user,") then kvpairs with auth=Bearer <token>.
export const OAUTHBEARER = oauthMechanism(
  "OAUTHBEARER",
  (text) => {
    const m = /^([ny]|p=[^,]*),(?:a=([^,]*))?,(\x01.*)$/s.exec(text);
    const pairs = m ? kvpairs(m[3]!.slice(1)) : null;
    if (!m || m[1]!.startsWith("p") || !pairs) return null;
    return {
      user: (m[2] ?? "").replace(/=2C/g, ",").replace(/=3D/g, "="),
      token: bearerToken(pairs.get("auth")),
    };
  },
  JSON.stringify({ status: "invalid_token", schemes: "bearer", scope: "mail" }),
  "\x01",
);

// https://developers.google.com/gmail/imap/xoauth2-protocol: "user=" user ^A "auth=Bearer " token ^A^A.
export const XOAUTH2 = oauthMechanism(
  "XOAUTH2",
  (text) => {
    const pairs = kvpairs(text);
    const user = pairs?.get("user");
    if (!pairs || user === undefined) return null;
    return { user, token: bearerToken(pairs.get("auth")) };
  },
  JSON.stringify({ status: "401", schemes: "bearer", scope: "mail" }),
  "",
);
