import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSha256 } from './sha256.js';

const reference = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

function digest(data: Uint8Array, chunkSizes: number[], portable: boolean): string {
  const hash = createSha256({ portable });
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const size = chunkSizes[i % chunkSizes.length]!;
    hash.update(data.subarray(at, at + size));
    at += size;
  }
  return hash.digestHex();
}

describe('createSha256', () => {
  it('matches the FIPS 180-4 examples', () => {
    for (const portable of [true, false]) {
      const empty = createSha256({ portable });
      expect(empty.digestHex()).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      const abc = createSha256({ portable });
      abc.update(new TextEncoder().encode('abc'));
      expect(abc.digestHex()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    }
  });

  it('the portable implementation agrees with node:crypto on every length up to 300 and any chunking', () => {
    const data = randomBytes(300);
    for (let n = 0; n <= 300; n++) {
      const slice = data.subarray(0, n);
      expect(digest(slice, [n || 1], true)).toBe(reference(slice));
      expect(digest(slice, [1, 7, 63, 64, 65], true)).toBe(reference(slice));
    }
  });

  it('agrees on a few MiB fed in odd chunks, and refuses reuse after the digest', () => {
    const data = randomBytes(3 * 1024 * 1024 + 13);
    expect(digest(data, [65_537, 1, 4096, 1_000_003], true)).toBe(reference(data));
    expect(digest(data, [65_537, 1, 4096, 1_000_003], false)).toBe(reference(data));
    const hash = createSha256({ portable: true });
    hash.digestHex();
    expect(() => hash.update(new Uint8Array(1))).toThrow(/already taken/);
  });
});
