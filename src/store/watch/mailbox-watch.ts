import { watchDirectory } from "./directory-watch.js";
import { subscribeLocalChanges } from "./local-changes.js";

/** How a watched mailbox is brought up to date from its files. */
export interface WatchSource {
  /** Reads the files again and updates the index (announcing what changed on the local bus). */
  sync(): Promise<void>;
  /** Directories whose entries change when messages arrive, change flags or go away. */
  paths: readonly string[];
  rescanIntervalMs: number;
  onSyncError(err: unknown): void;
}

interface Entry {
  listeners: Set<() => void>;
  stop: () => void;
  /** Set while the watch outlives its last listener. */
  linger: NodeJS.Timeout | undefined;
}

/** Events from one burst of file-system activity are taken as one. */
const FS_DEBOUNCE_MS = 20;
/**
 * A watch outlives its last listener this long: a client that logs out and in again, or opens its
 * next connection, finds it running (fs.watch on a directory of 10,000 files costs a millisecond).
 */
const LINGER_MS = 10_000;

const entries = new Map<string, Entry>();

/**
 * Watches one mailbox for this process, however many sessions have it selected: one subscription
 * to in-process changes, one fs.watch per directory (debounced into one sync) and one periodic
 * rescan, shared and reference-counted. Every listener is called after each in-process change and
 * after each sync, which also catches index writes by other processes. `key` names the mailbox
 * (index file + mailbox); the first watcher's source serves all of them.
 */
export function watchMailbox(key: string, source: WatchSource, listener: () => void): () => void {
  let entry = entries.get(key);
  if (entry === undefined) {
    const created: Entry = { listeners: new Set(), stop: () => {}, linger: undefined };
    created.stop = start(
      source,
      () => {
        for (const l of [...created.listeners]) l();
      },
      key,
    );
    entries.set(key, created);
    entry = created;
  }
  const current = entry;
  clearTimeout(current.linger);
  current.linger = undefined;
  current.listeners.add(listener);
  return () => {
    if (!current.listeners.delete(listener) || current.listeners.size > 0) return;
    current.linger = setTimeout(() => {
      current.stop();
      if (entries.get(key) === current) entries.delete(key);
    }, LINGER_MS);
    current.linger.unref();
  };
}

function start(source: WatchSource, notify: () => void, key: string): () => void {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const syncSoon = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      source
        .sync()
        .then(() => {
          if (!stopped) notify();
        })
        .catch((err: unknown) => {
          if (!stopped) source.onSyncError(err);
        });
    }, FS_DEBOUNCE_MS);
  };
  const stops = [
    subscribeLocalChanges(key, notify),
    ...source.paths.map((dir) => watchDirectory(dir, syncSoon)),
  ];
  const interval = setInterval(syncSoon, source.rescanIntervalMs);
  interval.unref();
  return () => {
    stopped = true;
    clearInterval(interval);
    if (timer) clearTimeout(timer);
    for (const stop of stops) stop();
  };
}

/** Stops the watches under `prefix` (an index file) that have no listener left, at once. */
export function endLingeringWatches(prefix: string): void {
  for (const [key, entry] of entries) {
    if (entry.linger === undefined || !key.startsWith(`${prefix}\0`)) continue;
    clearTimeout(entry.linger);
    entry.stop();
    entries.delete(key);
  }
}

/** Mailboxes watched now, lingering watches included (for tests and diagnostics). */
export function watchedMailboxCount(): number {
  return entries.size;
}
