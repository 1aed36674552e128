import {
  decodeSaslResponse,
  findSaslMechanism,
  type SaslCredentials,
  type SaslExchange,
  saslMechanisms,
} from "../auth/index.js";

// POP3's AUTH command (RFC 5034) over the SASL mechanisms of src/auth: what to answer at each
// step; logging in with the credentials is the session's job.

export const PLAINTEXT_DISALLOWED =
  "-ERR [AUTH] Plaintext authentication disallowed on non-secure (SSL/TLS) connections.";

export type SaslOutcome =
  /** A reply line; `bad` when it counts as a bad command. */
  | { kind: "reply"; text: string; bad: boolean }
  /** A continuation: the client's next line is its response. */
  | { kind: "challenge"; text: string }
  | { kind: "done"; mechanism: string; credentials: SaslCredentials };

export class SaslLogin {
  private current: { exchange: SaslExchange; mechanism: string } | null = null;

  /** An exchange is waiting for the client's response line. */
  get active(): boolean {
    return this.current !== null;
  }

  start(args: string, plaintextAllowed: boolean): SaslOutcome {
    if (args === "") {
      // Old clients probe with a bare AUTH for the mechanism list (Dovecot answers it too).
      const names = saslMechanisms(plaintextAllowed).map((m) => m.name);
      return { kind: "reply", text: ["+OK", ...names, "."].join("\r\n"), bad: false };
    }
    const [name = "", initial, ...rest] = args.split(" ");
    if (rest.length > 0) return { kind: "reply", text: "-ERR Invalid AUTH parameters.", bad: true };
    const mechanism = findSaslMechanism(name, plaintextAllowed);
    if (!mechanism) {
      const text = findSaslMechanism(name, true)
        ? PLAINTEXT_DISALLOWED
        : "-ERR Unsupported authentication mechanism.";
      return { kind: "reply", text, bad: true };
    }
    this.current = { exchange: mechanism.start(), mechanism: mechanism.name };
    if (initial === undefined) return this.step(null);
    const decoded = decodeSaslResponse(initial);
    if (!("data" in decoded)) {
      this.current = null;
      return { kind: "reply", text: "-ERR Invalid base64 data in initial response.", bad: true };
    }
    return this.step(decoded.data);
  }

  respond(line: string): SaslOutcome {
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

  private step(data: Buffer | null): SaslOutcome {
    const { exchange, mechanism } = this.current!;
    const step = exchange.step(data);
    // RFC 5034 §4: a continuation is "+" SP base64, the empty challenge included.
    if ("challenge" in step) return { kind: "challenge", text: `+ ${step.challenge.toString("base64")}` };
    this.current = null;
    if ("error" in step) return { kind: "reply", text: `-ERR ${step.error}`, bad: true };
    return { kind: "done", mechanism, credentials: step.done };
  }
}
