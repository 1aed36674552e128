import { constants, createHmac, createPublicKey, createSecretKey, type KeyObject, verify } from "node:crypto";
import { readFileSync } from "node:fs";
import { equalBytes } from "../password-schemes/constant-time.js";

// Local validation of OAuth 2.0 access tokens that are JWTs (RFC 7519, signatures RFC 7515/7518,
// EdDSA RFC 8037), the counterpart of Dovecot's oauth2 local_validation_key_dict.

export interface JwtKey {
  kid?: string;
  key: KeyObject;
}

export type Claims = Record<string, unknown>;

/**
 * The keys in a file: a PEM public key or certificate, a JWK, or a JWK Set ({"keys": [...]});
 * a symmetric JWK ("kty": "oct") serves HS256/384/512.
 */
export function readJwtKeys(path: string): JwtKey[] {
  const text = readFileSync(path, "utf8");
  if (text.trimStart().startsWith("-----BEGIN")) return [{ key: createPublicKey(text) }];
  const json = JSON.parse(text) as { keys?: Record<string, unknown>[] } & Record<string, unknown>;
  const jwks = Array.isArray(json.keys) ? json.keys : [json];
  return jwks.map((jwk) => {
    const kid = typeof jwk.kid === "string" ? jwk.kid : undefined;
    if (jwk.kty === "oct") return { kid, key: createSecretKey(Buffer.from(String(jwk.k), "base64url")) };
    return { kid, key: createPublicKey({ key: jwk as never, format: "jwk" }) };
  });
}

const HASH: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };

function checkSignature(alg: string, key: KeyObject, data: Buffer, sig: Buffer): boolean {
  const family = alg.slice(0, 2);
  const hash = HASH[alg.slice(2)];
  try {
    if (family === "HS" && hash && key.type === "secret")
      return equalBytes(createHmac(hash, key).update(data).digest(), sig);
    if (key.type !== "public") return false;
    if (alg === "EdDSA") return verify(null, data, key, sig);
    if (family === "RS" && hash && key.asymmetricKeyType === "rsa") return verify(hash, data, key, sig);
    if (family === "PS" && hash && key.asymmetricKeyType?.startsWith("rsa"))
      return verify(
        hash,
        data,
        { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
        sig,
      );
    if (family === "ES" && hash && key.asymmetricKeyType === "ec")
      return verify(hash, data, { key, dsaEncoding: "ieee-p1363" }, sig);
  } catch {
    return false;
  }
  return false;
}

/** The token's claims when its signature is good and it is in date; else why not. */
export function verifyJwt(
  token: string,
  keys: JwtKey[],
  now = Date.now() / 1000,
): { claims: Claims } | { error: string } {
  const parts = token.split(".");
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) return { error: "not a JWT" };
  let header: { alg?: unknown; kid?: unknown };
  let claims: Claims;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8"));
    claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8"));
  } catch {
    return { error: "JWT header or claims are not JSON" };
  }
  if (typeof header.alg !== "string" || header.alg === "none")
    return { error: "JWT without a signature algorithm" };
  if (claims === null || typeof claims !== "object") return { error: "JWT claims are not an object" };
  const data = Buffer.from(`${parts[0]}.${parts[1]}`, "latin1");
  const sig = Buffer.from(parts[2]!, "base64url");
  const candidates = typeof header.kid === "string" ? keys.filter((k) => k.kid === header.kid) : keys;
  const alg = header.alg;
  if (!candidates.some((k) => checkSignature(alg, k.key, data, sig)))
    return { error: "JWT signature does not verify" };
  if (typeof claims.exp === "number" && claims.exp <= now) return { error: "JWT has expired" };
  if (typeof claims.nbf === "number" && claims.nbf > now) return { error: "JWT is not valid yet" };
  return { claims };
}
