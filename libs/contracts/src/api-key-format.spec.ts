import { randomBytes } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { API_KEY_LENGTH, apiKeyDisplayPrefix, checkApiKey, crc32, formatApiKey } from './api-key-format.js';

describe('API key format', () => {
  it('crc32 matches zlib', () => {
    for (const text of ['', 'a', 'arca_123', 'The quick brown fox jumps over the lazy dog']) {
      expect(crc32(text)).toBe(zlibCrc32(text));
    }
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe(0x414fa339);
  });

  it('formats 32 random bytes into a valid fixed-length key', () => {
    for (let i = 0; i < 200; i++) {
      const key = formatApiKey(randomBytes(32));
      expect(key).toMatch(/^arca_[0-9A-Za-z]{49}$/);
      expect(key).toHaveLength(API_KEY_LENGTH);
      expect(checkApiKey(key)).toBe('ok');
    }
    expect(formatApiKey(new Uint8Array(32))).toMatch(/^arca_0{43}/);
    expect(checkApiKey(formatApiKey(new Uint8Array(32).fill(255)))).toBe('ok');
  });

  it('rejects every single-character substitution by checksum', () => {
    const key = formatApiKey(randomBytes(32));
    let rejected = 0;
    let total = 0;
    for (let i = 5; i < key.length; i++) {
      for (const c of ['0', 'Z', 'z', 'q']) {
        if (key[i] === c) continue;
        total++;
        if (checkApiKey(key.slice(0, i) + c + key.slice(i + 1)) !== 'ok') rejected++;
      }
    }
    expect(rejected).toBe(total);
  });

  it('classifies malformed keys', () => {
    const key = formatApiKey(randomBytes(32));
    expect(checkApiKey(key.slice(1))).toBe('malformed');
    expect(checkApiKey('mr_' + key.slice(5))).toBe('malformed');
    expect(checkApiKey(key + 'a')).toBe('malformed');
    expect(checkApiKey(key.slice(0, -1) + '!')).toBe('malformed');
    expect(checkApiKey('')).toBe('malformed');
    expect(() => formatApiKey(new Uint8Array(16))).toThrow(RangeError);
    expect(apiKeyDisplayPrefix(key)).toBe(key.slice(0, 13));
  });
});
