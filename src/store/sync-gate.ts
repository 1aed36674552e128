interface Gate {
  /** Settles when the last sync asked for has run. */
  tail: Promise<void>;
  /** A sync asked for that has not started yet: later requests join it. */
  queued: Promise<void> | undefined;
}

const gates = new Map<string, Gate>();

/**
 * Runs `sync` for a mailbox (by change-bus key) so that it starts after this call, as a caller
 * needs to see every change made before it asked; but callers that ask while one is waiting to
 * start share that one. Many sessions polling one mailbox (NOOP, CHECK) so cost at most one sync
 * running and one waiting, not one each.
 */
export function syncAfterNow(key: string, sync: () => Promise<void>): Promise<void> {
  let gate = gates.get(key);
  if (gate?.queued !== undefined) return gate.queued;
  if (gate === undefined) {
    gate = { tail: Promise.resolve(), queued: undefined };
    gates.set(key, gate);
  }
  const g = gate;
  const run: Promise<void> = g.tail.then(() => {
    g.queued = undefined;
    return sync();
  });
  g.queued = run;
  const settled = run.catch(() => {});
  g.tail = settled;
  void settled.then(() => {
    if (g.tail === settled && gates.get(key) === g) gates.delete(key);
  });
  return run;
}
