/** What a password-based SASL exchange yields: who logs in (authcid), as whom (authzid), with which password. */
export interface SaslCredentials {
  authcid: string;
  /** Empty when the client asked for no other identity. */
  authzid: string;
  password: string;
}

export type SaslStep = { challenge: Buffer } | { done: SaslCredentials } | { error: string };

/** One exchange: `step(null)` starts it without an initial response; each client response comes back in. */
export interface SaslExchange {
  step(response: Buffer | null): SaslStep;
}

export interface SaslMechanism {
  name: string;
  /** Sends the password in the clear: offered only over TLS unless the config allows plaintext auth. */
  plaintext: boolean;
  start(): SaslExchange;
}

/**
 * A client's base64 line in a SASL exchange (IMAP, POP3, ManageSieve): `*` cancels, `=` is an
 * empty initial response (RFC 4959), anything else must be strict base64.
 */
export function decodeSaslResponse(line: string): { cancel: true } | { data: Buffer } | { error: string } {
  if (line === "*") return { cancel: true };
  if (line === "=") return { data: Buffer.alloc(0) };
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(line))
    return { error: "Invalid base64 data in SASL response" };
  return { data: Buffer.from(line, "base64") };
}

/** UTF-8 text without NUL; SASL identities and passwords are UTF-8 (RFC 4616 §2). */
export function utf8Field(bytes: Buffer): string | null {
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  return text.includes("\0") || text.includes("\uFFFD") ? null : text;
}
