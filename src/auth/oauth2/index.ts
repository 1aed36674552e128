import { type Claims, type JwtKey, readJwtKeys, verifyJwt } from "./jwt.js";

export interface OAuth2Settings {
  /** RFC 7662 token introspection endpoint; empty: tokens are checked locally as JWTs. */
  introspectionUrl: string;
  /** Files with the keys JWTs are signed with (PEM, JWK or JWK Set). */
  jwtKeys: string[];
  /** The claim that names the user (Dovecot's username_attribute). */
  usernameClaim: string;
  /** Accepted "iss" values; empty: any. */
  issuers: string[];
  /** Required "aud" value; empty: not checked. */
  audience: string;
}

export type TokenCheck = { ok: true; user: string } | { ok: false; reason: string };

/** Checks OAuth 2.0 bearer tokens for OAUTHBEARER and XOAUTH2: by introspection, or locally as JWTs. */
export class OAuth2Verifier {
  private keys: JwtKey[] | undefined;

  private constructor(private readonly settings: OAuth2Settings) {}

  /** Null when neither an introspection URL nor a key is configured (the mechanisms are then not offered). */
  static fromSettings(settings: OAuth2Settings): OAuth2Verifier | null {
    if (settings.introspectionUrl === "" && settings.jwtKeys.length === 0) return null;
    return new OAuth2Verifier(settings);
  }

  /** Reads the key files (once); throws naming a file that cannot be read. */
  load(): JwtKey[] {
    this.keys ??= this.settings.jwtKeys.flatMap((path) => {
      try {
        return readJwtKeys(path);
      } catch (err) {
        throw new Error(`auth.oauth2.jwt_keys: cannot read ${path}: ${(err as Error).message}`);
      }
    });
    return this.keys;
  }

  async verify(token: string): Promise<TokenCheck> {
    let claims: Claims;
    if (this.settings.introspectionUrl !== "") {
      const answer = await this.introspect(token);
      if ("error" in answer) return { ok: false, reason: answer.error };
      claims = answer.claims;
    } else {
      const checked = verifyJwt(token, this.load());
      if ("error" in checked) return { ok: false, reason: checked.error };
      claims = checked.claims;
    }
    const { issuers, audience, usernameClaim } = this.settings;
    if (issuers.length > 0 && !issuers.includes(String(claims.iss)))
      return { ok: false, reason: "token issuer not accepted" };
    const aud = claims.aud;
    if (audience !== "" && !(aud === audience || (Array.isArray(aud) && aud.includes(audience))))
      return { ok: false, reason: "token audience not accepted" };
    const user = claims[usernameClaim];
    if (typeof user !== "string" || user === "")
      return { ok: false, reason: `token has no ${usernameClaim} claim` };
    return { ok: true, user };
  }

  /** RFC 7662 §2: POST token=…; an inactive token or any error is a failed login. */
  private async introspect(token: string): Promise<{ claims: Claims } | { error: string }> {
    try {
      const res = await fetch(this.settings.introspectionUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body: new URLSearchParams({ token }).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) return { error: `introspection answered HTTP ${res.status}` };
      const body = (await res.json()) as Claims;
      if (body === null || typeof body !== "object" || body.active !== true)
        return { error: "token is not active" };
      if (typeof body.exp === "number" && body.exp <= Date.now() / 1000)
        return { error: "token has expired" };
      return { claims: body };
    } catch (err) {
      return { error: `introspection failed: ${(err as Error).message}` };
    }
  }
}
