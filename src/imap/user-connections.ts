/**
 * Open sessions per user and client address, as Dovecot's mail_max_userip_connections counts
 * them: a phone and a laptop behind one NAT share a limit, the same user elsewhere does not.
 */
export class UserConnections {
  private readonly open = new Map<string, number>();

  constructor(readonly limit: number) {}

  /** Counts a session in; returns the function that counts it out, or null over the limit. */
  admit(user: string, ip: string): (() => void) | null {
    const key = `${user}\0${ip}`;
    const count = this.open.get(key) ?? 0;
    if (count >= this.limit) return null;
    this.open.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.open.get(key) ?? 1) - 1;
      if (now === 0) this.open.delete(key);
      else this.open.set(key, now);
    };
  }
}
