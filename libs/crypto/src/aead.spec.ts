import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IntegrityError, LocalKeyProvider, open, seal } from './index.js';

const key = randomBytes(32);
const aad = Buffer.from('tenant:t1|audit-log-key');

describe('seal/open (AES-256-GCM)', () => {
  it('round-trips and uses a fresh nonce each time', () => {
    const secret = randomBytes(32);
    const a = seal(key, secret, aad);
    const b = seal(key, secret, aad);
    expect(Buffer.from(open(key, a, aad))).toEqual(secret);
    expect(Buffer.from(a)).not.toEqual(Buffer.from(b));
    expect(a.length).toBe(1 + 12 + 32 + 16);
  });

  it('rejects a flipped bit anywhere, other associated data, another key and truncation', () => {
    const sealed = seal(key, Buffer.from('secret'), aad);
    for (let i = 0; i < sealed.length; i++) {
      const bad = Buffer.from(sealed);
      bad[i] = bad[i]! ^ 0x01;
      expect(() => open(key, bad, aad)).toThrow(IntegrityError);
    }
    expect(() => open(key, sealed, Buffer.from('tenant:t2|audit-log-key'))).toThrow(IntegrityError);
    expect(() => open(randomBytes(32), sealed, aad)).toThrow(IntegrityError);
    expect(() => open(key, sealed.subarray(0, 20), aad)).toThrow(IntegrityError);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => seal(randomBytes(16), Buffer.from('x'), aad)).toThrow(RangeError);
  });
});

describe('LocalKeyProvider', () => {
  it('wraps with the master key id in front and unwraps only with the same key and aad', async () => {
    const provider = new LocalKeyProvider(key);
    const wrapped = await provider.wrap(Buffer.from('dek'), aad);
    expect(Buffer.from(wrapped.subarray(0, 8)).toString('hex')).toBe(provider.keyId);
    expect(Buffer.from(await provider.unwrap(wrapped, aad)).toString()).toBe('dek');
    await expect(new LocalKeyProvider(randomBytes(32)).unwrap(wrapped, aad)).rejects.toThrow(IntegrityError);
    await expect(provider.unwrap(wrapped, Buffer.from('other'))).rejects.toThrow(IntegrityError);
  });
});
