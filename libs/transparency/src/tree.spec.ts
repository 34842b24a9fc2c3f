import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from './bytes.js';
import { EMPTY_ROOT, leafHash, type Hash } from './hash.js';
import { refRoot } from './testing/reference.js';
import { LEAF_HASHES_HEX, LEAF_INPUTS_HEX, MTH_4_7_HEX, NODE_HASHES, ROOTS_HEX } from './testing/vectors.js';
import { CompactRange, isPowerOfTwo, merkleRoot, popcount, splitPoint } from './tree.js';

const hex = bytesToHex;
const leaves = LEAF_INPUTS_HEX.map((x) => leafHash(hexToBytes(x)));
const synthetic = (n: number, salt = 0): Hash[] =>
  Array.from({ length: n }, (_, i) => leafHash(new TextEncoder().encode(`entry ${salt}/${i}`)));

describe('merkleRoot (§2.2)', () => {
  it('gives the published root of every prefix of the reference tree, sizes 0–8', () => {
    for (let n = 0; n <= 8; n++) expect(hex(merkleRoot(leaves.slice(0, n))), `size ${n}`).toBe(ROOTS_HEX[n]);
  });

  it('gives the derived MTH(D[4:7])', () => {
    expect(hex(merkleRoot(leaves.slice(4, 7)))).toBe(MTH_4_7_HEX);
    expect(LEAF_HASHES_HEX).toEqual(leaves.map(hex));
  });

  it('agrees with the recursive RFC 6962 definition for sizes 0–300', () => {
    const d = synthetic(300);
    for (let n = 0; n <= 300; n++) expect(hex(merkleRoot(d.slice(0, n)))).toBe(hex(refRoot(d.slice(0, n))));
  });

  it('rejects leaf hashes that are not 32 bytes', () => {
    expect(() => merkleRoot([new Uint8Array(31)])).toThrow(TypeError);
    expect(() => merkleRoot([leaves[0]!, new Uint8Array(33)])).toThrow(TypeError);
  });
});

describe('safe-integer helpers', () => {
  it('work beyond 32 bits', () => {
    expect(popcount(2 ** 52 + 2 ** 40 + 1)).toBe(3);
    expect(popcount(Number.MAX_SAFE_INTEGER)).toBe(53);
    expect(splitPoint(2 ** 40 + 1)).toBe(2 ** 40);
    expect(splitPoint(2 ** 40)).toBe(2 ** 39);
    expect(isPowerOfTwo(2 ** 52)).toBe(true);
    expect(isPowerOfTwo(2 ** 52 + 2)).toBe(false);
    expect(isPowerOfTwo(0)).toBe(false);
  });
});

/** The perfect subtrees (level ≥ 1) whose last leaf is leaf `size - 1`, lowest first. */
function expectedCompleted(d: readonly Hash[], size: number) {
  const out: { level: number; index: number; hash: string }[] = [];
  for (let level = 1; size % 2 ** level === 0; level++) {
    const width = 2 ** level;
    out.push({ level, index: size / width - 1, hash: hex(refRoot(d.slice(size - width, size))) });
  }
  return out;
}

describe('CompactRange', () => {
  it('is empty at first, with the empty root', () => {
    const range = CompactRange.empty();
    expect(range.size).toBe(0);
    expect(range.hashes).toEqual([]);
    expect(hex(range.root())).toBe(hex(EMPTY_ROOT));
  });

  it('reproduces every §2.2 node hash through the completed subtrees', () => {
    const range = CompactRange.empty();
    const completed = leaves.flatMap((leaf) => range.append(leaf).completed);
    expect(completed.map((c) => ({ ...c, hash: hex(c.hash) })).sort((a, b) => a.level - b.level)).toEqual(
      NODE_HASHES,
    );
  });

  it('after each append: root = MTH, hashes = the perfect subtrees, completed = exactly the new ones (1..300)', () => {
    const d = synthetic(300, 1);
    const range = CompactRange.empty();
    for (let n = 1; n <= d.length; n++) {
      const { completed } = range.append(d[n - 1]!);
      expect(range.size).toBe(n);
      expect(hex(range.root()), `root at ${n}`).toBe(hex(refRoot(d.slice(0, n))));
      expect(
        completed.map((c) => ({ ...c, hash: hex(c.hash) })),
        `completed at ${n}`,
      ).toEqual(expectedCompleted(d, n));
      // The frontier: one perfect subtree per set bit of n, largest first.
      const expected: string[] = [];
      let start = 0;
      for (let bit = 2 ** Math.floor(Math.log2(n)); bit >= 1; bit /= 2) {
        if (Math.floor(n / bit) % 2 === 1) {
          expected.push(hex(refRoot(d.slice(start, start + bit))));
          start += bit;
        }
      }
      expect(range.hashes.map(hex)).toEqual(expected);
    }
  });

  it('matches MTH at random larger sizes and resumes from a stored frontier', () => {
    const d = synthetic(5000, 2);
    const range = CompactRange.empty();
    const checkpoints = new Set([1023, 1024, 1025, 2047, 3000, 4096, 4999, 5000]);
    d.forEach((leaf, i) => {
      range.push(leaf);
      if (checkpoints.has(i + 1)) {
        expect(hex(range.root())).toBe(hex(merkleRoot(d.slice(0, i + 1))));
        const resumed = CompactRange.from(range.size, range.hashes);
        expect(hex(resumed.root())).toBe(hex(range.root()));
      }
    });
    expect(hex(range.root())).toBe(hex(refRoot(d)));
  });

  it('from() validates size, hash count and hash length, and copies its input', () => {
    const d = synthetic(6, 3);
    const range = CompactRange.empty();
    d.forEach((leaf) => range.push(leaf));
    const hashes = range.hashes.map((h) => h.slice());
    expect(() => CompactRange.from(6, hashes.slice(0, 1))).toThrow(/has 2 hashes, got 1/);
    expect(() => CompactRange.from(7, hashes)).toThrow(/has 3 hashes/);
    expect(() => CompactRange.from(-1, [])).toThrow(TypeError);
    expect(() => CompactRange.from(1.5, [])).toThrow(TypeError);
    expect(() => CompactRange.from(2 ** 53, [])).toThrow(TypeError);
    expect(() => CompactRange.from(6, [hashes[0]!, new Uint8Array(31)])).toThrow(/32-byte/);
    const restored = CompactRange.from(6, hashes);
    hashes[0]!.fill(0);
    expect(hex(restored.root())).toBe(hex(range.root()));
    expect(hex(CompactRange.from(0, []).root())).toBe(hex(EMPTY_ROOT));
  });

  it('keeps its state private: hashes, root, clone and appended leaves are copies', () => {
    const d = synthetic(3, 4);
    const range = CompactRange.empty();
    const leaf = d[0]!.slice();
    range.append(leaf);
    leaf.fill(0); // the caller reuses its buffer
    range.hashes[0]!.fill(0);
    range.root().fill(0);
    expect(hex(range.root())).toBe(hex(d[0]!));
    const clone = range.clone();
    clone.append(d[1]!);
    expect(range.size).toBe(1);
    expect(clone.size).toBe(2);
    expect(hex(clone.root())).toBe(hex(refRoot(d.slice(0, 2))));
  });

  it('rejects leaves that are not 32 bytes', () => {
    expect(() => CompactRange.empty().append(new Uint8Array(16))).toThrow(TypeError);
  });

  it('handles sizes beyond 32 bits (completed indexes and roots)', () => {
    // A tree whose leaves are all the same hash x: every perfect subtree of height l has hash x_l.
    const x: Hash[] = [leaves[1]!];
    const range0 = CompactRange.empty();
    range0.append(x[0]!);
    for (let l = 1; l <= 53; l++) {
      const r = CompactRange.empty();
      r.append(x[l - 1]!);
      r.append(x[l - 1]!);
      x.push(r.root());
    }
    const size = 2 ** 40 - 1; // 40 set bits
    const hashes = Array.from({ length: 40 }, (_, i) => x[39 - i]!);
    const range = CompactRange.from(size, hashes);
    const { completed } = range.append(x[0]!);
    expect(completed).toHaveLength(40);
    expect(completed[39]).toEqual({ level: 40, index: 0, hash: x[40] });
    expect(completed[0]).toEqual({ level: 1, index: 2 ** 39 - 1, hash: x[1] });
    expect(hex(range.root())).toBe(hex(x[40]!));
  });
});
