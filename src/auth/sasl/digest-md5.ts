import { createHash, randomBytes } from "node:crypto";
import { equalStrings } from "../password-schemes/constant-time.js";
import {
  failed,
  type SaslContext,
  type SaslExchange,
  type SaslMechanism,
  type SaslStep,
} from "./mechanism.js";

// DIGEST-MD5 (RFC 2831), authentication only (qop=auth), as Dovecot offers it: no realm is
// announced, so clients answer with an empty one and the secret is MD5("user::password").
// RFC 6331 made it historic; it is offered only when auth.mechanisms names it.

const md5 = (...parts: (string | Buffer)[]) => {
  const h = createHash("md5");
  for (const p of parts) h.update(p);
  return h.digest();
};

/** RFC 2831 §7.1: comma-separated name=value, values as tokens or quoted strings. Null when malformed. */
export function parseDigestDirectives(text: string): Map<string, string> | null {
  const out = new Map<string, string>();
  const re = /\s*([A-Za-z0-9-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s"]*))\s*(,|$)/y;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return null;
    const name = m[1]!.toLowerCase();
    // A directive given twice is an error (§2.1.2), which also blocks ambiguous answers.
    if (out.has(name)) return null;
    out.set(name, m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3]!);
    pos = re.lastIndex;
    if (m[4] === "") break;
  }
  return out;
}

export const DIGEST_MD5: SaslMechanism = {
  name: "DIGEST-MD5",
  plaintext: false,
  available: ({ auth }) => auth.supplies("DIGEST-MD5"),
  start({ auth, conn }: SaslContext): SaslExchange {
    const nonce = randomBytes(24).toString("base64");
    let state: "start" | "response" = "start";
    return {
      async step(response: Buffer | null): Promise<SaslStep> {
        if (state === "start") {
          state = "response";
          return { challenge: Buffer.from(`nonce="${nonce}",qop="auth",charset=utf-8,algorithm=md5-sess`) };
        }
        const d = response === null ? null : parseDigestDirectives(response.toString("utf8"));
        if (d === null) return failed("DIGEST-MD5: malformed response");
        const username = d.get("username");
        const realm = d.get("realm") ?? "";
        const cnonce = d.get("cnonce");
        const nc = d.get("nc");
        const qop = d.get("qop") ?? "auth";
        const uri = d.get("digest-uri");
        const answer = d.get("response")?.toLowerCase();
        const authzid = d.get("authzid") ?? "";
        if (!username || !cnonce || !uri || !answer || d.get("nonce") !== nonce)
          return failed("DIGEST-MD5: missing or wrong directives");
        if (nc !== "00000001" || qop !== "auth" || !/^[0-9a-f]{32}$/.test(answer))
          return failed("DIGEST-MD5: unsupported nc or qop");
        // Dovecot's mech-digest-md5.c: a realm makes the lookup name user@realm.
        const user = realm !== "" && !username.includes("@") ? `${username}@${realm}` : username;
        const found = await auth.credentials(user, authzid, "DIGEST-MD5");
        const ha1 = found.secret ?? randomBytes(16);
        const a1 = Buffer.concat([
          ha1,
          Buffer.from(`:${nonce}:${cnonce}${authzid === "" ? "" : `:${authzid}`}`),
        ]);
        const hexA1 = md5(a1).toString("hex");
        const expect = (a2: string) =>
          md5(`${hexA1}:${nonce}:${nc}:${cnonce}:${qop}:${md5(a2).toString("hex")}`).toString("hex");
        const matched = equalStrings(expect(`AUTHENTICATE:${uri}`), answer);
        if (found.secret === null) return failed(found.missing ?? "no credentials");
        if (!matched) return failed("DIGEST-MD5: response mismatch", found.nodelay);
        return {
          result: await found.accept(conn.remoteIp),
          final: Buffer.from(`rspauth=${expect(`:${uri}`)}`),
        };
      },
    };
  },
};
