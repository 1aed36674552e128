import { EventEmitter } from "node:events";

/**
 * Changes made in this process are announced directly, without waiting for the file system: every
 * writer publishes the mailbox key (index file + mailbox) and every watcher of it wakes up.
 */
const bus = new EventEmitter();
bus.setMaxListeners(0);

export function publishLocalChange(key: string): void {
  bus.emit(key);
}

export function subscribeLocalChanges(key: string, listener: () => void): () => void {
  bus.on(key, listener);
  return () => {
    bus.off(key, listener);
  };
}
