import type { Socket } from "node:net";

export interface CommandQueueHooks<T> {
  /** The connection's current socket (it changes after STARTTLS). */
  socket(): Socket;
  closed(): boolean;
  run(item: T): Promise<void> | void;
  /** A run that threw: log it and end the connection. */
  failed(err: unknown): void;
}

/**
 * A connection's parsed commands, run one at a time in order (pipelining); the socket is not
 * read while one runs, so a client cannot queue up unbounded work.
 */
export class CommandQueue<T> {
  private pending: T[] = [];
  private busy = false;

  constructor(private readonly hooks: CommandQueueHooks<T>) {}

  push(items: readonly T[]): void {
    this.pending.push(...items);
    void this.drain();
  }

  /** Commands received but not yet run. */
  get waiting(): number {
    return this.pending.length;
  }

  /** Drops what is waiting (input pipelined after STARTTLS was sent in the clear). */
  clear(): void {
    this.pending = [];
  }

  private async drain(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.hooks.socket().pause();
    try {
      while (this.pending.length > 0 && !this.hooks.closed()) await this.hooks.run(this.pending.shift()!);
    } catch (err) {
      this.hooks.failed(err);
    } finally {
      this.busy = false;
      if (!this.hooks.closed()) this.hooks.socket().resume();
    }
  }
}
