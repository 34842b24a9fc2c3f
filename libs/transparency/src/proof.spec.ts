import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from './bytes.js';
import { leafHash, type Hash } from './hash.js';
import {
  MemoryNodeSource,
  consistencyProof,
  consistencyProofFrom,
  inclusionProof,
  inclusionProofFrom,
  rootFrom,
  type NodeSource,
} from './proof.js';
import { refPath, refProof, refRoot } from './testing/reference.js';
import {
  APPENDIX_A_CONSISTENCY,
  APPENDIX_A_INCLUSION,
  LEAF_INPUTS_HEX,
  MTH_4_7_HEX,
  NODE_HASHES,
  PUBLISHED_CONSISTENCY,
  PUBLISHED_INCLUSION,
  ROOTS_HEX,
} from './testing/vectors.js';
import { CompactRange, merkleRoot } from './tree.js';
import { verifyConsistency, verifyInclusion } from './verify.js';

const hex = bytesToHex;
const hexes = (hs: readonly Hash[]): string[] => hs.map(hex);
const bytes = (hs: readonly string[]): Hash[] => hs.map(hexToBytes);
const leaves = LEAF_INPUTS_HEX.map((x) => leafHash(hexToBytes(x)));
const source = new MemoryNodeSource(leaves);
const synthetic = (n: number, salt = 0): Hash[] =>
  Array.from({ length: n }, (_, i) => leafHash(new TextEncoder().encode(`leaf ${salt}/${i}`)));

describe('MemoryNodeSource', () => {
  it('serves the §2.2 leaf and node hashes', () => {
    leaves.forEach((leaf, i) => expect(hex(source.node(0, i))).toBe(hex(leaf)));
    for (const { level, index, hash } of NODE_HASHES) expect(hex(source.node(level, index))).toBe(hash);
  });

  it('refuses subtrees that are not complete', () => {
    const seven = new MemoryNodeSource(leaves.slice(0, 7));
    expect(() => seven.node(1, 3)).toThrow(RangeError); // [6, 8) is not complete
    expect(() => seven.node(3, 0)).toThrow(RangeError);
    expect(() => seven.node(0, 7)).toThrow(RangeError);
    expect(() => seven.node(0, -1)).toThrow(RangeError);
    expect(hex(seven.node(2, 1 - 1))).toBe(NODE_HASHES[4]!.hash);
    expect(() => new MemoryNodeSource([new Uint8Array(31)])).toThrow(TypeError);
  });
});

describe('rootFrom', () => {
  it('equals merkleRoot of the prefix for every size 1..70, and refuses size 0', async () => {
    const many = synthetic(70, 9);
    const src = new MemoryNodeSource(many);
    for (let size = 1; size <= 70; size++) {
      expect(hex(await rootFrom(src, size)), `size ${size}`).toBe(hex(merkleRoot(many.slice(0, size))));
    }
    await expect(rootFrom(src, 0)).rejects.toThrow(RangeError);
  });
});

describe('published inclusion proofs (§2.3)', () => {
  it.each(PUBLISHED_INCLUSION)('leaf $leafIndex in tree $treeSize', async (c) => {
    expect(hexes(inclusionProof(leaves, c.leafIndex, c.treeSize))).toEqual(c.proof);
    expect(hexes(await inclusionProofFrom(source, c.leafIndex, c.treeSize))).toEqual(c.proof);
    expect(hex(leaves[c.leafIndex]!)).toBe(c.leafHash);
    expect(() =>
      verifyInclusion(hexToBytes(c.leafHash), c.leafIndex, c.treeSize, bytes(c.proof), hexToBytes(c.root)),
    ).not.toThrow();
  });
});

describe('published consistency proofs (§2.4)', () => {
  it.each(PUBLISHED_CONSISTENCY)('$size1 → $size2', async (c) => {
    expect(hexes(consistencyProof(leaves, c.size1, c.size2))).toEqual(c.proof);
    expect(hexes(await consistencyProofFrom(source, c.size1, c.size2))).toEqual(c.proof);
    expect([c.root1, c.root2]).toEqual([ROOTS_HEX[c.size1], ROOTS_HEX[c.size2]]);
    expect(() =>
      verifyConsistency(c.size1, c.size2, bytes(c.proof), hexToBytes(c.root1), hexToBytes(c.root2)),
    ).not.toThrow();
  });
});

describe('Appendix A: every proof of the 8-leaf tree', () => {
  it('has all 36 inclusion and 28 consistency proofs', () => {
    expect(APPENDIX_A_INCLUSION).toHaveLength(36);
    expect(APPENDIX_A_CONSISTENCY).toHaveLength(28);
  });

  it.each(APPENDIX_A_INCLUSION)('inclusion of leaf $leafIndex in tree $treeSize', async (c) => {
    expect(hexes(inclusionProof(leaves, c.leafIndex, c.treeSize))).toEqual(c.proof);
    expect(hexes(await inclusionProofFrom(source, c.leafIndex, c.treeSize))).toEqual(c.proof);
    expect(hexes(refPath(c.leafIndex, leaves.slice(0, c.treeSize)))).toEqual(c.proof);
    verifyInclusion(
      leaves[c.leafIndex]!,
      c.leafIndex,
      c.treeSize,
      bytes(c.proof),
      hexToBytes(ROOTS_HEX[c.treeSize]!),
    );
  });

  it.each(APPENDIX_A_CONSISTENCY)('consistency $size1 → $size2', async (c) => {
    expect(hexes(consistencyProof(leaves, c.size1, c.size2))).toEqual(c.proof);
    expect(hexes(await consistencyProofFrom(source, c.size1, c.size2))).toEqual(c.proof);
    expect(hexes(refProof(c.size1, leaves.slice(0, c.size2)))).toEqual(c.proof);
    const [root1, root2] = [hexToBytes(ROOTS_HEX[c.size1]!), hexToBytes(ROOTS_HEX[c.size2]!)];
    verifyConsistency(c.size1, c.size2, bytes(c.proof), root1, root2);
  });
});

describe('RFC 6962 §2.1.3 structural example at size 7 (§2.7)', () => {
  const [, b, c, d, , f, j] = leaves.map(hex);
  const g = hex(source.node(1, 0));
  const h = hex(source.node(1, 1));
  const i = hex(source.node(1, 2));
  const k = hex(source.node(2, 0));
  const l = MTH_4_7_HEX;

  it('gives the RFC paths and proofs', () => {
    expect(hexes(inclusionProof(leaves, 0, 7))).toEqual([b, h, l]);
    expect(hexes(inclusionProof(leaves, 3, 7))).toEqual([c, g, l]);
    expect(hexes(inclusionProof(leaves, 4, 7))).toEqual([f, j, k]);
    expect(hexes(inclusionProof(leaves, 6, 7))).toEqual([i, k]);
    expect(hexes(consistencyProof(leaves, 3, 7))).toEqual([c, d, g, l]);
    expect(hexes(consistencyProof(leaves, 4, 7))).toEqual([l]);
    expect(hexes(consistencyProof(leaves, 6, 7))).toEqual([i, j, k]);
  });
});

describe('cross-check against the recursive definitions', () => {
  const d = synthetic(64, 1);
  const memory = new MemoryNodeSource(d);
  const roots = Array.from({ length: 65 }, (_, n) => refRoot(d.slice(0, n)));

  it('every inclusion proof for sizes 1..64 equals PATH and verifies (in memory and via a NodeSource)', async () => {
    for (let size = 1; size <= 64; size++) {
      for (let index = 0; index < size; index++) {
        const expected = hexes(refPath(index, d.slice(0, size)));
        const proof = inclusionProof(d, index, size);
        expect(hexes(proof), `${index}/${size}`).toEqual(expected);
        expect(hexes(await inclusionProofFrom(memory, index, size))).toEqual(expected);
        verifyInclusion(d[index]!, index, size, proof, roots[size]!);
      }
    }
  });

  it('every consistency proof for sizes 1..64 equals PROOF and verifies (in memory and via a NodeSource)', async () => {
    for (let size2 = 1; size2 <= 64; size2++) {
      for (let size1 = 1; size1 <= size2; size1++) {
        const expected = hexes(refProof(size1, d.slice(0, size2)));
        const proof = consistencyProof(d, size1, size2);
        expect(hexes(proof), `${size1}→${size2}`).toEqual(expected);
        expect(hexes(await consistencyProofFrom(memory, size1, size2))).toEqual(expected);
        verifyConsistency(size1, size2, proof, roots[size1]!, roots[size2]!);
      }
    }
  });

  it('random pairs in larger trees verify against merkleRoot', async () => {
    const big = synthetic(3000, 2);
    const bigSource = new MemoryNodeSource(big);
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let t = 0; t < 200; t++) {
      const size2 = 1 + rand(big.length);
      const size1 = 1 + rand(size2);
      const index = rand(size2);
      const root1 = merkleRoot(big.slice(0, size1));
      const root2 = merkleRoot(big.slice(0, size2));
      verifyInclusion(big[index]!, index, size2, await inclusionProofFrom(bigSource, index, size2), root2);
      verifyConsistency(size1, size2, await consistencyProofFrom(bigSource, size1, size2), root1, root2);
      if (t < 20) {
        expect(hexes(inclusionProof(big, index, size2))).toEqual(hexes(refPath(index, big.slice(0, size2))));
        expect(hexes(consistencyProof(big, size1, size2))).toEqual(
          hexes(refProof(size1, big.slice(0, size2))),
        );
      }
    }
  });

  it('works with an asynchronous node source', async () => {
    const calls: string[] = [];
    const slow: NodeSource = {
      node: async (level, index) => {
        calls.push(`${level}/${index}`);
        await new Promise((r) => setTimeout(r, 1));
        return memory.node(level, index);
      },
    };
    expect(hexes(await inclusionProofFrom(slow, 5, 37))).toEqual(hexes(refPath(5, d.slice(0, 37))));
    expect(hexes(await consistencyProofFrom(slow, 13, 37))).toEqual(hexes(refProof(13, d.slice(0, 37))));
    expect(calls.length).toBeGreaterThan(0);
  });

  it('rejects a node source that returns a bad hash', async () => {
    const bad: NodeSource = { node: () => new Uint8Array(31) };
    await expect(inclusionProofFrom(bad, 0, 2)).rejects.toThrow(/bad hash/);
  });
});

describe('proofs in trees beyond 32 bits', () => {
  // All leaves equal: the perfect subtree of height l has hash x[l], so any node is known without storage.
  const x: Hash[] = [leaves[2]!];
  for (let l = 1; l <= 53; l++) {
    const r = CompactRange.empty();
    r.push(x[l - 1]!);
    r.push(x[l - 1]!);
    x.push(r.root());
  }
  const uniform: NodeSource = { node: (level) => x[level]! };
  const rootOf = (size: number): Hash => {
    const hashes: Hash[] = [];
    for (let level = 52; level >= 0; level--) {
      if (Math.floor(size / 2 ** level) % 2 === 1) hashes.push(x[level]!);
    }
    return CompactRange.from(size, hashes).root();
  };

  it.each([
    [0, 2 ** 40],
    [2 ** 40 - 1, 2 ** 40 + 3],
    [123_456_789_012, 2 ** 45 + 17],
    [2 ** 52 + 5, Number.MAX_SAFE_INTEGER],
    [Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER],
  ])('inclusion of %d in %d verifies', async (index, size) => {
    verifyInclusion(x[0]!, index, size, await inclusionProofFrom(uniform, index, size), rootOf(size));
  });

  it.each([
    [1, 2 ** 40],
    [2 ** 33, 2 ** 33 + 1],
    [2 ** 40 - 1, 2 ** 41 + 3],
    [123_456_789_012, 2 ** 45 + 17],
    [2 ** 52 + 5, Number.MAX_SAFE_INTEGER],
  ])('consistency %d → %d verifies', async (size1, size2) => {
    const proof = await consistencyProofFrom(uniform, size1, size2);
    verifyConsistency(size1, size2, proof, rootOf(size1), rootOf(size2));
  });
});

describe('proof generation input checks', () => {
  it('rejects out-of-range arguments', async () => {
    expect(() => inclusionProof(leaves, 8, 8)).toThrow(RangeError);
    expect(() => inclusionProof(leaves, 0, 9)).toThrow(RangeError);
    expect(() => inclusionProof(leaves, -1, 8)).toThrow(RangeError);
    expect(() => inclusionProof(leaves, 0.5, 8)).toThrow(RangeError);
    expect(() => consistencyProof(leaves, 5, 4)).toThrow(RangeError);
    expect(() => consistencyProof(leaves, 4, 9)).toThrow(RangeError);
    await expect(inclusionProofFrom(source, 3, 3)).rejects.toThrow(RangeError);
  });

  it('returns an empty consistency proof from size 0 and between equal sizes', () => {
    expect(consistencyProof(leaves, 0, 8)).toEqual([]);
    expect(consistencyProof(leaves, 5, 5)).toEqual([]);
  });
});
