import { LOGIN } from "./login.js";
import type { SaslMechanism } from "./mechanism.js";
import { PLAIN } from "./plain.js";

export {
  decodeSaslResponse,
  type SaslCredentials,
  type SaslExchange,
  type SaslMechanism,
  type SaslStep,
} from "./mechanism.js";

const MECHANISMS: readonly SaslMechanism[] = [PLAIN, LOGIN];

/** The mechanisms a connection may use: plaintext ones only over TLS, or where the config allows them. */
export function saslMechanisms(plaintextAllowed: boolean): SaslMechanism[] {
  return MECHANISMS.filter((m) => plaintextAllowed || !m.plaintext);
}

export function findSaslMechanism(name: string, plaintextAllowed: boolean): SaslMechanism | undefined {
  return saslMechanisms(plaintextAllowed).find((m) => m.name === name.toUpperCase());
}
