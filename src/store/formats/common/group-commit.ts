/** How one item of a batch ended. */
export type Outcome<R> = { ok: R } | { error: unknown };

interface Waiter {
  item: unknown;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/** Items waiting for their batch, by key; a key is present while a leader runs its batches. */
const queues = new Map<string, Waiter[]>();

/**
 * Group commit: items given under one key while a batch of that key is being committed wait and
 * form the next batch, so that a batch shares its costs (one lock, one directory fsync, one append
 * to an index file). The first item's caller leads: `run` is called with `take`, which hands over
 * every item queued by then (call it once the lock is held, so that the wait fills the batch), and
 * returns one outcome per item taken, in order. Resolves with this item's outcome.
 */
export function groupCommit<T, R>(
  key: string,
  item: T,
  run: (take: () => T[]) => Promise<Outcome<R>[]>,
): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const waiter: Waiter = { item, resolve: resolve as (result: unknown) => void, reject };
    const queue = queues.get(key);
    if (queue !== undefined) {
      queue.push(waiter);
      return;
    }
    queues.set(key, [waiter]);
    void lead(key, run);
  });
}

async function lead<T, R>(key: string, run: (take: () => T[]) => Promise<Outcome<R>[]>): Promise<void> {
  const queue = queues.get(key)!;
  while (queue.length > 0) {
    let taken: Waiter[] = [];
    const take = (): T[] => {
      taken = queue.splice(0);
      return taken.map((w) => w.item as T);
    };
    let outcomes: Outcome<R>[];
    try {
      outcomes = await run(take);
    } catch (error) {
      // Failed before or while taking (the lock could not be had): every waiting item fails with it.
      if (taken.length === 0) taken = queue.splice(0);
      outcomes = taken.map(() => ({ error }));
    }
    taken.forEach((waiter, i) => {
      const outcome = outcomes[i] ?? { error: new Error("group commit gave no outcome") };
      if ("ok" in outcome) waiter.resolve(outcome.ok);
      else waiter.reject(outcome.error);
    });
  }
  queues.delete(key);
}
