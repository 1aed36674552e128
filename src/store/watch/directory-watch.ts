import { type FSWatcher, watch } from "node:fs";

interface Entry {
  watcher: FSWatcher | undefined;
  listeners: Set<() => void>;
}

const entries = new Map<string, Entry>();

/**
 * fs.watch on directories, shared and reference-counted across the process: one inotify watch per
 * directory however many sessions watch it (dependencies.md: per-file watching costs ten times more).
 * A directory that cannot be watched (gone, too many watches) is left to the periodic rescan.
 */
export function watchDirectory(dir: string, listener: () => void): () => void {
  let entry = entries.get(dir);
  if (!entry) {
    const created: Entry = { watcher: undefined, listeners: new Set() };
    try {
      created.watcher = watch(dir, { persistent: false }, () => {
        for (const l of created.listeners) l();
      });
      // The directory went away (mailbox deleted or renamed): forget the entry so a later watch of
      // the same path starts afresh; the periodic rescan covers the gap.
      created.watcher.on("error", () => {
        created.watcher?.close();
        created.watcher = undefined;
        if (entries.get(dir) === created) entries.delete(dir);
      });
    } catch {
      created.watcher = undefined;
    }
    entries.set(dir, created);
    entry = created;
  }
  const current = entry;
  current.listeners.add(listener);
  return () => {
    current.listeners.delete(listener);
    if (current.listeners.size === 0) {
      current.watcher?.close();
      if (entries.get(dir) === current) entries.delete(dir);
    }
  };
}

/** Number of directories watched now (for tests and diagnostics). */
export function watchedDirectoryCount(): number {
  return entries.size;
}
