import type { TLSSocket } from "node:tls";
import type { Authenticator, AuthResult } from "../authenticate.js";

/** What a mechanism may know about the connection it runs on. */
export interface SaslConnection {
  /** The client's address; undefined on a unix socket. */
  remoteIp: string | undefined;
  /** The TLS socket when the connection is encrypted (channel binding, client certificates). */
  tls: TLSSocket | null;
  /** Plaintext mechanisms may be used: over TLS, from loopback, or where the config allows. */
  plaintextAllowed: boolean;
}

export interface SaslContext {
  auth: Authenticator;
  conn: SaslConnection;
}

export type SaslStep =
  | { challenge: Buffer }
  /** The exchange is over; `final` is the server's last data (SCRAM's verifier, DIGEST-MD5's rspauth). */
  | { result: AuthResult; final?: Buffer };

/** One exchange: `step(null)` starts it without an initial response; each client response comes back in. */
export interface SaslExchange {
  step(response: Buffer | null): Promise<SaslStep>;
}

export interface SaslMechanism {
  name: string;
  /** Sends the password in the clear: offered only over TLS unless the config allows plaintext auth. */
  plaintext: boolean;
  /** The mechanism can work here: the passdb holds what it needs, the connection has what it binds to. */
  available(ctx: SaslContext): boolean;
  start(ctx: SaslContext): SaslExchange;
}

/** A failed exchange; `reason` goes to the log only. */
export function failed(reason: string, nodelay = false): SaslStep {
  return { result: { ok: false, reason, nodelay } };
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
