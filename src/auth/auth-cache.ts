import { createHmac, randomBytes } from "node:crypto";
import type { PassdbRecord } from "./passdb.js";
import { equalBytes } from "./password-schemes/constant-time.js";

interface Entry {
  record: PassdbRecord | null;
  expires: number;
  /** HMAC of the password a verify-only passdb accepted, so the next login skips the passdb. */
  verified?: Buffer;
}

/** Most users remembered; the least recently used go first. */
const MAX_ENTRIES = 50_000;

/**
 * Dovecot's auth cache: passdb answers kept for `ttl` (unknown users for `negativeTtl`). A TTL of
 * 0 turns that half off. Passwords are never kept, only a keyed hash of one that was accepted.
 */
export class AuthCache {
  private readonly entries = new Map<string, Entry>();
  /** Made at the first password kept: loft-lda, which checks none, need not load node:crypto. */
  private key: Buffer | undefined;

  constructor(
    private readonly ttlMs: number,
    private readonly negativeTtlMs: number,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0 || this.negativeTtlMs > 0;
  }

  /** The cached answer (null: cached as unknown), or undefined when nothing fresh is cached. */
  get(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expires <= Date.now()) return undefined;
    this.entries.set(key, entry);
    return entry;
  }

  put(key: string, record: PassdbRecord | null): void {
    const ttl = record ? this.ttlMs : this.negativeTtlMs;
    if (ttl <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { record, expires: Date.now() + ttl });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  rememberPassword(key: string, password: string): void {
    const entry = this.entries.get(key);
    if (entry?.record) entry.verified = this.mac(password);
  }

  passwordMatches(key: string, password: string): boolean {
    const entry = this.entries.get(key);
    return entry?.verified !== undefined && equalBytes(entry.verified, this.mac(password));
  }

  clear(): void {
    this.entries.clear();
  }

  private mac(password: string): Buffer {
    this.key ??= randomBytes(32);
    return createHmac("sha256", this.key).update(password, "utf8").digest();
  }
}
