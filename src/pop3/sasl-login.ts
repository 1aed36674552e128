import {
  type Authenticator,
  type AuthResult,
  decodeSaslResponse,
  type SaslConnection,
  type SaslSession,
  saslMechanisms,
  startSasl,
} from "../auth/index.js";

// POP3's AUTH command (RFC 5034) over the SASL mechanisms of src/auth: what to answer at each
// step; opening the maildrop is the session's job.

export const PLAINTEXT_DISALLOWED =
  "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.";

export type SaslOutcome =
  /** A reply line; `bad` when it counts as a bad command. */
  | { kind: "reply"; text: string; bad: boolean }
  /** A continuation: the client's next line is its response. */
  | { kind: "challenge"; text: string }
  | { kind: "failed"; mechanism: string; result: Extract<AuthResult, { ok: false }> }
  | { kind: "done"; mechanism: string; result: Extract<AuthResult, { ok: true }> };

export class SaslLogin {
  private current: SaslSession | null = null;

  constructor(private readonly auth: Authenticator) {}

  /** An exchange is waiting for the client's response line. */
  get active(): boolean {
    return this.current !== null;
  }

  async start(args: string, conn: SaslConnection): Promise<SaslOutcome> {
    if (args === "") {
      // Old clients probe with a bare AUTH for the mechanism list (Dovecot answers it too).
      const names = saslMechanisms(this.auth, conn).map((m) => m.name);
      return { kind: "reply", text: ["+OK", ...names, "."].join("\r\n"), bad: false };
    }
    const [name = "", initial, ...rest] = args.split(" ");
    if (rest.length > 0) return { kind: "reply", text: "-ERR Invalid AUTH parameters.", bad: true };
    const session = startSasl(this.auth, name, conn, { finalInSuccess: false });
    if (session === "encrypt") return { kind: "reply", text: PLAINTEXT_DISALLOWED, bad: true };
    if (session === "unsupported")
      return { kind: "reply", text: "-ERR Unsupported authentication mechanism.", bad: true };
    this.current = session;
    if (initial === undefined) return this.step(null);
    const decoded = decodeSaslResponse(initial);
    if (!("data" in decoded)) {
      this.current = null;
      return { kind: "reply", text: "-ERR Invalid base64 data in initial response.", bad: true };
    }
    return this.step(decoded.data);
  }

  async respond(line: string): Promise<SaslOutcome> {
    const decoded = decodeSaslResponse(line);
    if ("cancel" in decoded) {
      this.current = null;
      return { kind: "reply", text: "-ERR Authentication aborted by client.", bad: false };
    }
    if ("error" in decoded) {
      this.current = null;
      return { kind: "reply", text: `-ERR ${decoded.error}.`, bad: true };
    }
    return this.step(decoded.data);
  }

  private async step(data: Buffer | null): Promise<SaslOutcome> {
    const session = this.current!;
    const outcome = await session.step(data);
    // RFC 5034 §4: a continuation is "+" SP base64, the empty challenge included.
    if (outcome.kind === "challenge")
      return { kind: "challenge", text: `+ ${outcome.data.toString("base64")}` };
    this.current = null;
    if (outcome.kind === "failure")
      return { kind: "failed", mechanism: session.mechanism, result: outcome.result };
    return { kind: "done", mechanism: session.mechanism, result: outcome.result };
  }
}
