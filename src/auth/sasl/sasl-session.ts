import type { Authenticator, AuthResult } from "../authenticate.js";
import type { SaslConnection, SaslExchange } from "./mechanism.js";

export type SaslOutcome =
  | { kind: "challenge"; data: Buffer }
  /** `final` is set only for protocols that carry it in their success reply (ManageSieve's SASL code). */
  | { kind: "success"; result: Extract<AuthResult, { ok: true }>; final?: Buffer }
  | { kind: "failure"; result: Extract<AuthResult, { ok: false }> };

/**
 * Runs one mechanism exchange for a protocol: the address's penalty before the first step, the
 * failure delay and penalty bookkeeping at the end, and — for IMAP and POP3, which cannot carry
 * data in their success reply — the server's final data as one more challenge whose answer must
 * be empty (RFC 4422 §5 item 7).
 */
export class SaslSession {
  private started = false;
  private pending: { result: Extract<AuthResult, { ok: true }>; final: Buffer } | null = null;

  constructor(
    private readonly auth: Authenticator,
    private readonly exchange: SaslExchange,
    private readonly conn: SaslConnection,
    readonly mechanism: string,
    private readonly finalInSuccess: boolean,
  ) {}

  async step(response: Buffer | null): Promise<SaslOutcome> {
    if (this.pending) {
      const { result } = this.pending;
      this.pending = null;
      if (response !== null && response.length > 0)
        return this.end({ ok: false, reason: `${this.mechanism}: non-empty answer to the final data` });
      return { kind: "success", result };
    }
    if (!this.started) {
      this.started = true;
      await this.auth.guard.waitPenalty(this.conn.remoteIp);
    }
    const step = await this.exchange.step(response);
    if ("challenge" in step) return { kind: "challenge", data: step.challenge };
    const settled = await this.auth.settle(step.result, this.conn.remoteIp);
    if (!settled.ok) return { kind: "failure", result: settled };
    if (step.final === undefined) return { kind: "success", result: settled };
    if (this.finalInSuccess) return { kind: "success", result: settled, final: step.final };
    this.pending = { result: settled, final: step.final };
    return { kind: "challenge", data: step.final };
  }

  private async end(result: Extract<AuthResult, { ok: false }>): Promise<SaslOutcome> {
    const settled = await this.auth.settle(result, this.conn.remoteIp);
    return { kind: "failure", result: settled as Extract<AuthResult, { ok: false }> };
  }
}
