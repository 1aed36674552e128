interface Gate {
  /** Settles when the last sync asked for has run. */
  tail: Promise<void>;
  /** A sync asked for that has not started yet: later requests join it. */
  queued: Promise<void> | undefined;
}

const gates = new Map<string, Gate>();
/** How long a finished sync is remembered for `freshMs`: longer windows count as this long. */
const REMEMBER_MS = 1000;
/** The last sync that started, by key: when, and its end. */
const lastRun = new Map<string, { started: number; done: Promise<void> }>();

/**
 * Runs `sync` for a mailbox (by change-bus key) so that it starts after this call, as a caller
 * needs to see every change made before it asked; but callers that ask while one is waiting to
 * start share that one. Many sessions polling one mailbox (NOOP, CHECK) so cost at most one sync
 * running and one waiting, not one each. With `freshMs`, a sync that started at most that long ago
 * is taken instead (its end is waited for).
 */
export function syncAfterNow(key: string, sync: () => Promise<void>, freshMs = 0): Promise<void> {
  const last = lastRun.get(key);
  if (freshMs > 0 && last !== undefined && Date.now() - last.started <= freshMs) return last.done;
  let gate = gates.get(key);
  if (gate?.queued !== undefined) return gate.queued;
  if (gate === undefined) {
    gate = { tail: Promise.resolve(), queued: undefined };
    gates.set(key, gate);
  }
  const g = gate;
  const run: Promise<void> = g.tail.then(() => {
    g.queued = undefined;
    const done = sync();
    const entry = { started: Date.now(), done: done.catch(() => {}) };
    lastRun.set(key, entry);
    void entry.done.then(() => {
      setTimeout(() => {
        if (lastRun.get(key) === entry) lastRun.delete(key);
      }, REMEMBER_MS).unref();
    });
    return done;
  });
  g.queued = run;
  const settled = run.catch(() => {});
  g.tail = settled;
  void settled.then(() => {
    if (g.tail === settled && gates.get(key) === g) gates.delete(key);
  });
  return run;
}
