/** What every connection offers, before and after login (Dovecot's order). */
const COMMON = ["IMAP4rev1", "SASL-IR", "ID", "ENABLE", "IDLE", "LITERAL+"];

/** Added after login: only what is implemented and tested. */
const AUTHENTICATED = [
  "UNSELECT",
  "CHILDREN",
  "NAMESPACE",
  "UIDPLUS",
  "LIST-EXTENDED",
  "CONDSTORE",
  "ESEARCH",
  "LIST-STATUS",
  "BINARY",
  "MOVE",
  "SPECIAL-USE",
  "STATUS=SIZE",
];

export interface CapabilityState {
  authenticated: boolean;
  /** STARTTLS can be used on this connection. */
  startTls: boolean;
  plaintextAllowed: boolean;
  /** False before TLS with tls.mode = "required": Dovecot then lists no AUTH= at all. */
  authAllowed: boolean;
  /** SASL mechanisms usable on this connection now. */
  mechanisms: string[];
}

export function capabilityList(state: CapabilityState): string[] {
  if (state.authenticated) return [...COMMON, ...AUTHENTICATED];
  const out = [...COMMON];
  if (state.startTls) out.push("STARTTLS");
  if (!state.plaintextAllowed) out.push("LOGINDISABLED");
  if (!state.authAllowed) return out;
  for (const m of state.mechanisms) out.push(`AUTH=${m}`);
  return out;
}
