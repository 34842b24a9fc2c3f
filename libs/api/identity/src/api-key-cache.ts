import type { ResolvedApiKey } from './api-key.repository.js';

/** A usable key as its lookup returned it, with the fingerprint its re-check compares against. */
export interface CachedApiKey {
  key: ResolvedApiKey;
  fingerprint: string;
}

/**
 * Resolved API keys by HMAC (hex), for `ttlMs`, at most `maxEntries` (the least recently used go first). Not an
 * authority: every request that uses an entry re-checks it in its own transaction (ApiKeyRepository), so an entry
 * only saves the lookup's round trip. Holds no secret: the HMAC cannot be turned back into the key.
 */
export class ApiKeyCache {
  private readonly entries = new Map<string, CachedApiKey & { until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get enabled(): boolean {
    return this.ttlMs > 0;
  }

  get(hashHex: string, now = Date.now()): CachedApiKey | undefined {
    const entry = this.entries.get(hashHex);
    if (!entry) return undefined;
    this.entries.delete(hashHex);
    if (entry.until <= now) return undefined;
    this.entries.set(hashHex, entry); // most recently used last
    return entry;
  }

  set(hashHex: string, value: CachedApiKey, now = Date.now()): void {
    if (!this.enabled) return;
    this.entries.delete(hashHex);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(hashHex, { ...value, until: now + this.ttlMs });
  }

  delete(hashHex: string): void {
    this.entries.delete(hashHex);
  }

  get size(): number {
    return this.entries.size;
  }
}
