import { readFile } from "node:fs/promises";
import { errnoCode } from "../../errors.js";
import type { FileOwner } from "../../file-owner.js";
import { INBOX, type MailboxPath, pathKey } from "../../mailbox-name.js";
import { acquireDotlock } from "./dotlock.js";
import { decodeMutf7, encodeMutf7 } from "./mutf7.js";
import { parseSubscriptions, serializeSubscriptions } from "./subscriptions.js";

/**
 * A `subscriptions` file as mailbox paths (storage-maildir.md §5), in the same format for every
 * Dovecot mail format (mbox names it `.subscriptions`). Updated under its dotlock, the lock file
 * becoming the new content.
 */
export class SubscriptionsFile {
  constructor(
    readonly path: string,
    /** Level separator of version-1 files (Maildir++ wrote "."). */
    private readonly v1Separator: string,
    private readonly owner: FileOwner | undefined,
  ) {}

  async read(): Promise<string[][]> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return [];
      throw err;
    }
    return parseSubscriptions(text, this.v1Separator)
      .map((levels) => levels.map(decodeMutf7))
      .filter((levels): levels is string[] => levels.every((l) => l !== undefined && l !== ""))
      .map((levels) => (levels[0]!.toUpperCase() === INBOX ? [INBOX, ...levels.slice(1)] : levels));
  }

  async set(mailbox: MailboxPath, subscribed: boolean): Promise<void> {
    const lock = await acquireDotlock(`${this.path}.lock`, {
      owner: this.owner,
      staleMs: 30_000,
      timeoutMs: 120_000,
    });
    try {
      const current = await this.read();
      const key = pathKey(mailbox);
      if (subscribed === current.some((p) => pathKey(p) === key)) return;
      const others = current.filter((p) => pathKey(p) !== key);
      const next = subscribed ? [...others, [...mailbox]] : others;
      await lock.commitTo(this.path, serializeSubscriptions(next.map((p) => p.map(encodeMutf7))));
    } finally {
      await lock.release();
    }
  }
}
