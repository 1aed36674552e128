// Guessing resistance shared by every protocol of the process: Dovecot's auth penalty (a delay
// per remote address that doubles with each failed login, reset by a success) and a cap on the
// connections one address may hold open before logging in.

export interface LoginGuardSettings {
  /** Delay after the first failure, in ms (Dovecot's AUTH_PENALTY_INIT_SECS, 2 s). */
  penaltyInitMs: number;
  /** Longest delay, in ms (AUTH_PENALTY_MAX_SECS, 15 s). */
  penaltyMaxMs: number;
  /** Most unauthenticated connections open at once from one address. */
  maxUnauthenticatedPerIp: number;
}

interface Penalty {
  failures: number;
  last: number;
}

/** Dovecot forgets an address's penalty after an hour without failures (AUTH_PENALTY_TIMEOUT). */
const PENALTY_TIMEOUT_MS = 3600_000;
/** Bounds the table under a spread-out attack; the oldest addresses go first. */
const MAX_TRACKED = 100_000;

export class LoginGuard {
  private readonly penalties = new Map<string, Penalty>();
  private readonly unauthenticated = new Map<string, number>();

  constructor(private settings: LoginGuardSettings) {}

  /** New limits (a config reload); the penalties and counts so far stay. */
  configure(settings: LoginGuardSettings): void {
    this.settings = settings;
  }

  /** The delay owed by an address before its next attempt is looked at. */
  penaltyMs(ip: string | undefined, now = Date.now()): number {
    if (ip === undefined) return 0;
    const p = this.penalties.get(ip);
    if (!p) return 0;
    if (now - p.last > PENALTY_TIMEOUT_MS) {
      this.penalties.delete(ip);
      return 0;
    }
    const full = Math.min(this.settings.penaltyInitMs * 2 ** (p.failures - 1), this.settings.penaltyMaxMs);
    // Time already spent since the last failure counts, as in Dovecot's auth_penalty_callback().
    return Math.max(0, full - (now - p.last));
  }

  async waitPenalty(ip: string | undefined): Promise<void> {
    const ms = this.penaltyMs(ip);
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }

  failed(ip: string | undefined): void {
    if (ip === undefined) return;
    const p = this.penalties.get(ip);
    this.penalties.delete(ip);
    // Past the cap the count stops growing, so the delay never overflows.
    const failures = Math.min((p?.failures ?? 0) + 1, 32);
    this.penalties.set(ip, { failures, last: Date.now() });
    if (this.penalties.size > MAX_TRACKED) this.penalties.delete(this.penalties.keys().next().value!);
  }

  succeeded(ip: string | undefined): void {
    if (ip !== undefined) this.penalties.delete(ip);
  }

  /**
   * Counts a new connection as unauthenticated; the release function is called at login or at
   * close (twice is harmless). Null when the address already holds its maximum.
   */
  admitUnauthenticated(ip: string): (() => void) | null {
    if (ip === "unix") return () => {};
    const count = this.unauthenticated.get(ip) ?? 0;
    if (count >= this.settings.maxUnauthenticatedPerIp) return null;
    this.unauthenticated.set(ip, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.unauthenticated.get(ip) ?? 1) - 1;
      if (left <= 0) this.unauthenticated.delete(ip);
      else this.unauthenticated.set(ip, left);
    };
  }
}
