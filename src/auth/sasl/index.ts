import type { Authenticator } from "../authenticate.js";
import { ANONYMOUS } from "./anonymous.js";
import { CRAM_MD5 } from "./cram-md5.js";
import { DIGEST_MD5 } from "./digest-md5.js";
import { EXTERNAL } from "./external.js";
import { LOGIN } from "./login.js";
import type { SaslConnection, SaslMechanism } from "./mechanism.js";
import { OAUTHBEARER, XOAUTH2 } from "./oauth-bearer.js";
import { PLAIN } from "./plain.js";
import { SaslSession } from "./sasl-session.js";
import { SCRAM_SHA_1, SCRAM_SHA_1_PLUS, SCRAM_SHA_256, SCRAM_SHA_256_PLUS } from "./scram.js";

export {
  decodeSaslResponse,
  type SaslConnection,
  type SaslContext,
  type SaslExchange,
  type SaslMechanism,
  type SaslStep,
} from "./mechanism.js";
export { type SaslOutcome, SaslSession } from "./sasl-session.js";

const MECHANISMS: readonly SaslMechanism[] = [
  PLAIN,
  LOGIN,
  CRAM_MD5,
  DIGEST_MD5,
  SCRAM_SHA_1,
  SCRAM_SHA_1_PLUS,
  SCRAM_SHA_256,
  SCRAM_SHA_256_PLUS,
  EXTERNAL,
  OAUTHBEARER,
  XOAUTH2,
  ANONYMOUS,
];

/** Every mechanism Loft implements (the values auth.mechanisms accepts). */
export const SASL_MECHANISM_NAMES: readonly string[] = MECHANISMS.map((m) => m.name);

/** The configured mechanism, if Loft knows it and the config enables it. */
function enabled(auth: Authenticator, name: string): SaslMechanism | undefined {
  const upper = name.toUpperCase();
  const configured = auth.settings.mechanisms ?? ["PLAIN", "LOGIN"];
  if (!configured.some((c) => c.toUpperCase() === upper)) return undefined;
  return MECHANISMS.find((m) => m.name === upper);
}

/**
 * The mechanisms to advertise on a connection, in the configured order: enabled, able to work
 * here (credentials in the passdb, channel binding, a client certificate, a token verifier), and
 * plaintext ones only where plaintext authentication is allowed.
 */
export function saslMechanisms(auth: Authenticator, conn: SaslConnection): SaslMechanism[] {
  return (auth.settings.mechanisms ?? ["PLAIN", "LOGIN"])
    .map((name) => enabled(auth, name))
    .filter((m): m is SaslMechanism => m !== undefined)
    .filter((m) => (conn.plaintextAllowed || !m.plaintext) && m.available({ auth, conn }));
}

/**
 * Starts an exchange, or says why not: "encrypt" for a plaintext mechanism on a connection that
 * may not use one (the protocol's PRIVACYREQUIRED/ENCRYPT-NEEDED), "unsupported" otherwise.
 */
export function startSasl(
  auth: Authenticator,
  name: string,
  conn: SaslConnection,
  options: { finalInSuccess: boolean },
): SaslSession | "encrypt" | "unsupported" {
  const mechanism = enabled(auth, name);
  if (!mechanism) return "unsupported";
  if (mechanism.plaintext && !conn.plaintextAllowed) return "encrypt";
  if (!mechanism.available({ auth, conn })) return "unsupported";
  return new SaslSession(auth, mechanism.start({ auth, conn }), conn, mechanism.name, options.finalInSuccess);
}
