import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it, vi } from 'vitest';
import { bytesToHex, hexToBytes, utf8Encode } from './bytes.js';
import { EMPTY_ROOT, leafHash, nodeHash, sha256, sha256Backend } from './hash.js';
import { HASHER, LEAF_HASHES_HEX, LEAF_INPUTS_HEX } from './testing/vectors.js';

const hex = bytesToHex;

describe('RFC 6962 hasher (§2.1)', () => {
  it('uses node:crypto in Node', () => {
    expect(sha256Backend).toBe('node');
  });

  it('matches the published hasher vectors', () => {
    expect(hex(EMPTY_ROOT)).toBe(HASHER.emptyRoot);
    expect(hex(sha256(new Uint8Array(0)))).toBe(HASHER.emptyRoot);
    expect(hex(leafHash(new Uint8Array(0)))).toBe(HASHER.emptyLeaf);
    expect(hex(leafHash(utf8Encode('L123456')))).toBe(HASHER.leafL123456);
    expect(hex(leafHash(utf8Encode('data')))).toBe(HASHER.leafData);
  });

  it('hashes HashChildren("N123", "N456") over the raw bytes (SHA-256(01 ‖ N123 ‖ N456))', () => {
    // nodeHash takes 32-byte children only; the published vector uses 4-byte strings, so check the preimage.
    expect(hex(sha256(hexToBytes('014e3132334e343536')))).toBe(HASHER.nodeN123N456);
    expect(() => nodeHash(utf8Encode('N123'), utf8Encode('N456'))).toThrow(TypeError);
  });

  it('matches the §2.2 leaf hashes', () => {
    expect(LEAF_INPUTS_HEX.map((x) => hex(leafHash(hexToBytes(x))))).toEqual(LEAF_HASHES_HEX);
  });

  it('separates leaves from nodes (0x00 / 0x01 prefixes)', () => {
    const l = hexToBytes(LEAF_HASHES_HEX[0]!);
    const r = hexToBytes(LEAF_HASHES_HEX[1]!);
    const concat = new Uint8Array([...l, ...r]);
    expect(hex(nodeHash(l, r))).toBe(hex(nobleSha256(new Uint8Array([1, ...concat]))));
    expect(hex(leafHash(concat))).not.toBe(hex(nodeHash(l, r)));
    expect(hex(nodeHash(l, r))).not.toBe(hex(nodeHash(r, l)));
  });

  it('agrees with @noble/hashes on every length up to 300 bytes and on large inputs', () => {
    for (const n of [
      ...Array.from({ length: 301 }, (_, i) => i),
      1023,
      1024,
      1025,
      65_535,
      65_536,
      200_000,
    ]) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) & 0xff);
      expect(hex(sha256(data))).toBe(hex(nobleSha256(data)));
      expect(hex(leafHash(data))).toBe(hex(nobleSha256(new Uint8Array([0, ...data]))));
    }
  });

  it('returns independent plain Uint8Arrays (no Buffer, no aliasing of the scratch buffers)', () => {
    const a = leafHash(utf8Encode('a'));
    const b = leafHash(utf8Encode('b'));
    const n1 = nodeHash(a, b);
    const n2 = nodeHash(b, a);
    expect(Object.getPrototypeOf(a)).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(n1)).toBe(Uint8Array.prototype);
    expect(a).toHaveLength(32);
    expect(hex(a)).toBe(hex(nobleSha256(new Uint8Array([0, 0x61]))));
    expect(hex(n1)).not.toBe(hex(n2));
    expect(hex(n1)).toBe(hex(nobleSha256(new Uint8Array([1, ...a, ...b]))));
  });

  it('does not let the caller corrupt EMPTY_ROOT-derived results', () => {
    const copy = EMPTY_ROOT.slice();
    copy[0] = 0;
    expect(hex(EMPTY_ROOT)).toBe(HASHER.emptyRoot);
  });
});

describe('browser fallback', () => {
  it('uses @noble/hashes when node:crypto cannot be reached, with the same results', async () => {
    const proc = process as { getBuiltinModule?: unknown };
    const original = proc.getBuiltinModule;
    proc.getBuiltinModule = undefined;
    vi.resetModules();
    try {
      const fallback = await import('./hash.js');
      expect(fallback.sha256Backend).toBe('noble');
      expect(hex(fallback.EMPTY_ROOT)).toBe(HASHER.emptyRoot);
      expect(hex(fallback.leafHash(utf8Encode('L123456')))).toBe(HASHER.leafL123456);
      const [l, r] = [hexToBytes(LEAF_HASHES_HEX[0]!), hexToBytes(LEAF_HASHES_HEX[1]!)];
      expect(hex(fallback.nodeHash(l, r))).toBe(hex(nodeHash(l, r)));
    } finally {
      proc.getBuiltinModule = original;
      vi.resetModules();
    }
  });
});
