/** Counts open connections in total and per remote address, and admits new ones within the limits. */
export class ConnectionLimits {
  private total = 0;
  private readonly perIp = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerIp: number,
  ) {}

  /** A release function for an admitted connection, or the reason it is refused. */
  admit(ip: string): { release: () => void } | { refused: string } {
    if (this.total >= this.maxTotal) return { refused: "Too many connections" };
    const count = this.perIp.get(ip) ?? 0;
    if (count >= this.maxPerIp) return { refused: "Too many connections from your address" };
    this.total++;
    this.perIp.set(ip, count + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.perIp.get(ip) ?? 1) - 1;
        if (left === 0) this.perIp.delete(ip);
        else this.perIp.set(ip, left);
      },
    };
  }

  get open(): number {
    return this.total;
  }
}
