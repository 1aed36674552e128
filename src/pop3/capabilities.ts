// CAPA (RFC 2449 §5) in Dovecot 2.3's order. After login only the base list is sent: USER,
// SASL and STLS are login-time capabilities.

const BASE = ["CAPA", "TOP", "UIDL", "RESP-CODES", "PIPELINING", "AUTH-RESP-CODE"];

export interface CapabilityState {
  loggedIn: boolean;
  /** STLS is offered on a plain connection when TLS is configured. */
  stls: boolean;
  /** USER/PASS is offered only where plaintext authentication is allowed. */
  user: boolean;
  sasl: string[];
}

export function capaResponse(state: CapabilityState): string {
  const lines = ["+OK", ...BASE];
  if (!state.loggedIn) {
    if (state.stls) lines.push("STLS");
    if (state.user) lines.push("USER");
    // RFC 2449 §6.3 wants at least one mechanism after SASL: with none usable the line is left out.
    if (state.sasl.length > 0) lines.push(`SASL ${state.sasl.join(" ")}`);
  }
  lines.push(".");
  return lines.join("\r\n");
}
