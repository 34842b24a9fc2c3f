import { describe, expect, it } from 'vitest';
import { ApiKeyCache, type CachedApiKey } from './api-key-cache.js';

const entry = (n: number): CachedApiKey => ({
  key: {
    apiKeyId: `k${n}`,
    tenantId: 't',
    tenantSlug: 's',
    userId: 'u',
    role: 'viewer',
    scopes: ['models:read'],
    modelIds: [],
    expiresAt: null,
    revokedAt: null,
  },
  fingerprint: String(n).padStart(64, '0'),
});

describe('ApiKeyCache', () => {
  it('answers until its TTL has passed, then forgets the entry', () => {
    const cache = new ApiKeyCache(1_000);
    cache.set('a', entry(1), 0);
    expect(cache.get('a', 999)?.key.apiKeyId).toBe('k1');
    expect(cache.get('a', 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('holds at most maxEntries, dropping the least recently used', () => {
    const cache = new ApiKeyCache(60_000, 2);
    cache.set('a', entry(1), 0);
    cache.set('b', entry(2), 0);
    expect(cache.get('a', 1)).toBeDefined(); // a is now the most recently used
    cache.set('c', entry(3), 1);
    expect(cache.size).toBe(2);
    expect(cache.get('b', 2)).toBeUndefined();
    expect(cache.get('a', 2)?.key.apiKeyId).toBe('k1');
    expect(cache.get('c', 2)?.key.apiKeyId).toBe('k3');
  });

  it('replaces an entry, deletes on request, and stores nothing when its TTL is 0', () => {
    const cache = new ApiKeyCache(60_000);
    cache.set('a', entry(1), 0);
    cache.set('a', entry(2), 0);
    expect(cache.get('a', 1)?.fingerprint).toBe(entry(2).fingerprint);
    cache.delete('a');
    expect(cache.get('a', 1)).toBeUndefined();
    const off = new ApiKeyCache(0);
    expect(off.enabled).toBe(false);
    off.set('a', entry(1), 0);
    expect(off.get('a', 0)).toBeUndefined();
  });
});
