import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from './bytes.js';
import { EMPTY_ROOT, leafHash, type Hash } from './hash.js';
import {
  APPENDIX_A_CONSISTENCY,
  APPENDIX_A_INCLUSION,
  LEAF_INPUTS_HEX,
  PUBLISHED_CONSISTENCY,
  PUBLISHED_INCLUSION,
  RANDOM_LEAF_HEX,
  ROOTS_HEX,
} from './testing/vectors.js';
import { ProofError, verifyConsistency, verifyInclusion, type ProofErrorReason } from './verify.js';

const leaves = LEAF_INPUTS_HEX.map((x) => leafHash(hexToBytes(x)));
const roots = ROOTS_HEX.map(hexToBytes);
const randomHash = hexToBytes(RANDOM_LEAF_HEX);
const garbage = hexToBytes('77'.repeat(32));

interface Inclusion {
  leaf: Hash;
  index: number;
  size: number;
  proof: Hash[];
  root: Hash;
}

interface Consistency {
  size1: number;
  size2: number;
  proof: Hash[];
  root1: Hash;
  root2: Hash;
}

const inclusionCases: Inclusion[] = [
  ...PUBLISHED_INCLUSION.map((c) => ({
    leaf: hexToBytes(c.leafHash),
    index: c.leafIndex,
    size: c.treeSize,
    proof: c.proof.map(hexToBytes),
    root: hexToBytes(c.root),
  })),
  ...APPENDIX_A_INCLUSION.map((c) => ({
    leaf: leaves[c.leafIndex]!,
    index: c.leafIndex,
    size: c.treeSize,
    proof: c.proof.map(hexToBytes),
    root: roots[c.treeSize]!,
  })),
];

const consistencyCases: Consistency[] = [
  ...PUBLISHED_CONSISTENCY.map((c) => ({
    size1: c.size1,
    size2: c.size2,
    proof: c.proof.map(hexToBytes),
    root1: hexToBytes(c.root1),
    root2: hexToBytes(c.root2),
  })),
  ...APPENDIX_A_CONSISTENCY.map((c) => ({
    size1: c.size1,
    size2: c.size2,
    proof: c.proof.map(hexToBytes),
    root1: roots[c.size1]!,
    root2: roots[c.size2]!,
  })),
];

/** Same numbers and same bytes: such a "mutation" is the original input and stays valid. */
function same(a: object, b: object): boolean {
  const key = (o: object): string =>
    JSON.stringify(o, (_, v: unknown) => (v instanceof Uint8Array ? bytesToHex(v) : v));
  return key(a) === key(b);
}

const runInclusion = (c: Inclusion): void => verifyInclusion(c.leaf, c.index, c.size, c.proof, c.root);
const runConsistency = (c: Consistency): void =>
  verifyConsistency(c.size1, c.size2, c.proof, c.root1, c.root2);

function reasonOf(run: () => void): ProofErrorReason | 'valid' {
  try {
    run();
    return 'valid';
  } catch (error) {
    if (error instanceof ProofError) return error.reason;
    throw error;
  }
}

/** Every proof element with one bit flipped, for every byte position. */
function bitFlips(proof: Hash[]): [string, Hash[]][] {
  const out: [string, Hash[]][] = [];
  proof.forEach((h, i) => {
    for (let j = 0; j < h.length; j++) {
      const flipped = h.slice();
      flipped[j]! ^= 1 << (j % 8);
      out.push([`proof[${i}] byte ${j} bit ${j % 8}`, proof.map((p, k) => (k === i ? flipped : p))]);
    }
  });
  return out;
}

/** Removed, inserted, prepended and appended elements, and wrong-length elements. */
function structural(proof: Hash[], roots: Hash[]): [string, Hash[]][] {
  const out: [string, Hash[]][] = [];
  proof.forEach((_, i) => out.push([`removed proof[${i}]`, proof.filter((__, k) => k !== i)]));
  for (let i = 0; i <= proof.length; i++) {
    out.push([`inserted garbage at ${i}`, [...proof.slice(0, i), garbage, ...proof.slice(i)]]);
    if (i < proof.length) {
      out.push([`duplicated proof[${i}]`, [...proof.slice(0, i), proof[i]!, ...proof.slice(i)]]);
    }
  }
  out.push(['preceding garbage', [garbage, ...proof]], ['trailing garbage', [...proof, garbage]]);
  for (const r of roots) out.push(['preceding root', [r, ...proof]], ['trailing root', [...proof, r]]);
  proof.forEach((h, i) => {
    out.push([`proof[${i}] truncated`, proof.map((p, k) => (k === i ? h.slice(0, 31) : p))]);
    out.push([`proof[${i}] extended`, proof.map((p, k) => (k === i ? Uint8Array.of(...h, 0) : p))]);
  });
  if (proof.length > 1) out.push(['reversed', [...proof].reverse()]);
  return out;
}

/** size ± 1 where the reference tree has a root for it. */
const neighbours = (size: number): number[] => [size - 1, size + 1].filter((n) => n >= 1 && n <= 8);

function inclusionMutations(c: Inclusion): [string, Inclusion][] {
  const m: [string, Inclusion][] = [
    ['index + 1', { ...c, index: c.index + 1 }],
    ['index - 1', { ...c, index: c.index - 1 }],
    ['index XOR 2', { ...c, index: c.index ^ 2 }],
    ['index = size', { ...c, index: c.size }],
    ['size × 2', { ...c, size: c.size * 2 }],
    ['size ÷ 2', { ...c, size: Math.floor(c.size / 2) }],
    // Size ± 1 only with the root of that size: the proof shape alone may fit a neighbouring size (RFC 9162
    // walks only the bits of size - 1); the signed checkpoint binds size and root together.
    ...neighbours(c.size).map((size): [string, Inclusion] => [
      `size ${size} with its root`,
      { ...c, size, root: roots[size]! },
    ]),
    ['size 0', { ...c, size: 0 }],
    ['wrong leaf', { ...c, leaf: randomHash }],
    ['leaf = root', { ...c, leaf: c.root }],
    ['empty root', { ...c, root: EMPTY_ROOT }],
    ['random root', { ...c, root: randomHash }],
    ['leaf truncated', { ...c, leaf: c.leaf.slice(0, 31) }],
    ['root extended', { ...c, root: Uint8Array.of(...c.root, 0) }],
    ['index 1.5', { ...c, index: 1.5 }],
    ['index NaN', { ...c, index: NaN }],
    ['size 2^53', { ...c, size: 2 ** 53 }],
  ];
  for (const [name, proof] of [...bitFlips(c.proof), ...structural(c.proof, [c.root])]) {
    m.push([name, { ...c, proof }]);
  }
  return m;
}

function consistencyMutations(c: Consistency): [string, Consistency][] {
  const m: [string, Consistency][] = [
    ...neighbours(c.size1).map((size1): [string, Consistency] => [
      `size1 ${size1} with its root`,
      { ...c, size1, root1: roots[size1]! },
    ]),
    ...neighbours(c.size2).map((size2): [string, Consistency] => [
      `size2 ${size2} with its root`,
      { ...c, size2, root2: roots[size2]! },
    ]),
    ['size1 × 2', { ...c, size1: c.size1 * 2 }],
    ['size1 ÷ 2', { ...c, size1: Math.floor(c.size1 / 2) }],
    ...[c.size1 ^ 2]
      .filter((n) => n <= 8)
      .map((size1): [string, Consistency] => [
        'size1 XOR 2 with its root',
        { ...c, size1, root1: roots[size1]! },
      ]),
    ['size2 × 2', { ...c, size2: c.size2 * 2 }],
    ['size2 ÷ 2', { ...c, size2: Math.floor(c.size2 / 2) }],
    ...[c.size2 ^ 2]
      .filter((n) => n <= 8)
      .map((size2): [string, Consistency] => [
        'size2 XOR 2 with its root',
        { ...c, size2, root2: roots[size2]! },
      ]),
    ['sizes swapped', { ...c, size1: c.size2, size2: c.size1 }],
    ['size1 0', { ...c, size1: 0 }],
    ['wrong root1', { ...c, root1: randomHash }],
    ['wrong root2', { ...c, root2: randomHash }],
    ['empty root1', { ...c, root1: EMPTY_ROOT }],
    ['empty root2', { ...c, root2: EMPTY_ROOT }],
    ['roots swapped', { ...c, root1: c.root2, root2: c.root1 }],
    ['root1 truncated', { ...c, root1: c.root1.slice(0, 31) }],
    ['root2 extended', { ...c, root2: Uint8Array.of(...c.root2, 0) }],
    ['size1 -1', { ...c, size1: -1 }],
    ['size2 1.5', { ...c, size2: 1.5 }],
    ['size2 Infinity', { ...c, size2: Infinity }],
  ];
  const extra = [...bitFlips(c.proof), ...structural(c.proof, [c.root1, c.root2])];
  for (const [name, proof] of extra) m.push([name, { ...c, proof }]);
  // Either root with one bit flipped.
  for (let j = 0; j < 32; j++) {
    const r1 = c.root1.slice();
    r1[j]! ^= 0x80 >> (j % 8);
    const r2 = c.root2.slice();
    r2[j]! ^= 0x80 >> (j % 8);
    m.push(
      [`root1 byte ${j} flipped`, { ...c, root1: r1 }],
      [`root2 byte ${j} flipped`, { ...c, root2: r2 }],
    );
  }
  return m;
}

describe('verifyInclusion', () => {
  it.each(inclusionCases.map((c) => [`${c.index}/${c.size}`, c] as const))('accepts %s', (_, c) =>
    expect(reasonOf(() => runInclusion(c))).toBe('valid'),
  );

  it('rejects every mutation of every valid proof (§2.3 + Appendix A)', () => {
    let count = 0;
    for (const c of inclusionCases) {
      for (const [name, mutated] of inclusionMutations(c)) {
        if (same(mutated, c)) continue;
        expect(
          reasonOf(() => runInclusion(mutated)),
          `${c.index}/${c.size}: ${name}`,
        ).not.toBe('valid');
        count++;
      }
    }
    expect(count).toBeGreaterThan(4500);
  });

  it('binds the size only through the root: a neighbouring size with the same proof shape still needs its root', () => {
    const c = inclusionCases.find((x) => x.index === 0 && x.size === 8)!;
    // Walking (0, 6) and (0, 7) gives the same left/right pattern, so the size-8 proof and root pass for size 7 …
    expect(reasonOf(() => verifyInclusion(c.leaf, 0, 7, c.proof, c.root))).toBe('valid');
    // … but (7, root8) is no checkpoint the log ever signed; with the real root of size 7 it fails.
    expect(reasonOf(() => verifyInclusion(c.leaf, 0, 7, c.proof, roots[7]!))).toBe('root-mismatch');
  });

  it('§2.5 additional cases and §6.10 pitfalls', () => {
    const leaf = leaves[0]!;
    expect(reasonOf(() => verifyInclusion(leaf, 0, 0, [], EMPTY_ROOT))).toBe('index-out-of-range');
    expect(reasonOf(() => verifyInclusion(leaf, 1, 1, [], leaf))).toBe('index-out-of-range');
    expect(reasonOf(() => verifyInclusion(leaf, 0, 1, [], leaf))).toBe('valid');
    expect(reasonOf(() => verifyInclusion(leaf, 0, 1, [], EMPTY_ROOT))).toBe('root-mismatch');
    expect(reasonOf(() => verifyInclusion(randomHash, 0, 1, [], leaf))).toBe('root-mismatch');
    expect(reasonOf(() => verifyInclusion(leaf, 0, 1, [leaf], leaf))).toBe('wrong-proof-length');
    expect(reasonOf(() => verifyInclusion(leaf, 0, 2, [], leaf))).toBe('wrong-proof-length');
    expect(reasonOf(() => verifyInclusion(leaf.slice(0, 12), 0, 1, [], leaf.slice(0, 12)))).toBe(
      'bad-hash-length',
    );
    expect(reasonOf(() => verifyInclusion(leaf, 0, 2, [new Uint8Array(0)], leaf))).toBe('bad-hash-length');
    expect(reasonOf(() => verifyInclusion(leaf, -1, 2, [leaf], leaf))).toBe('invalid-number');
    expect(reasonOf(() => verifyInclusion(leaf, 0, 2 ** 53, [leaf], leaf))).toBe('invalid-number');
  });

  it('single-entry tree: HashLeaf("data") is leaf and root', () => {
    const data = leafHash(new TextEncoder().encode('data'));
    expect(reasonOf(() => verifyInclusion(data, 0, 1, [], data))).toBe('valid');
    expect(reasonOf(() => verifyInclusion(data, 0, 1, [], leaves[0]!))).toBe('root-mismatch');
  });

  it('demands exactly the proof length of RFC 9162 at sizes beyond 32 bits', () => {
    // inner = bitlen(index XOR (size-1)), border = popcount(index >> inner), computed here with BigInt.
    const expectedLength = (index: number, size: number): number => {
      const i = BigInt(index);
      const inner = (i ^ BigInt(size - 1)).toString(2).replace(/^0$/, '').length;
      return inner + [...(i >> BigInt(inner)).toString(2)].filter((b) => b === '1').length;
    };
    for (const [index, size] of [
      [0, 2 ** 40],
      [2 ** 35 + 7, 2 ** 36 - 3],
      [2 ** 52 + 1, Number.MAX_SAFE_INTEGER],
      [Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER],
      [4_294_967_296, 4_294_967_297],
    ] as const) {
      const n = expectedLength(index, size);
      const proof = (k: number): Hash[] => Array.from({ length: k }, () => garbage);
      expect(reasonOf(() => verifyInclusion(leaves[0]!, index, size, proof(n), EMPTY_ROOT))).toBe(
        'root-mismatch',
      );
      expect(reasonOf(() => verifyInclusion(leaves[0]!, index, size, proof(n + 1), EMPTY_ROOT))).toBe(
        'wrong-proof-length',
      );
      expect(reasonOf(() => verifyInclusion(leaves[0]!, index, size, proof(n - 1), EMPTY_ROOT))).toBe(
        'wrong-proof-length',
      );
    }
  });

  it('says why in the message', () => {
    expect(() => verifyInclusion(leaves[0]!, 0, 8, [], roots[8]!)).toThrow('proof has 0 hashes, expected 3');
    expect(() => verifyInclusion(leaves[0]!, 8, 8, [], roots[8]!)).toThrow(
      'leaf index 8 is not below tree size 8',
    );
  });
});

describe('verifyConsistency', () => {
  it.each(consistencyCases.map((c) => [`${c.size1}→${c.size2}`, c] as const))('accepts %s', (_, c) =>
    expect(reasonOf(() => runConsistency(c))).toBe('valid'),
  );

  it('rejects every mutation of every valid proof (§2.4 + Appendix A)', () => {
    let count = 0;
    for (const c of consistencyCases) {
      for (const [name, mutated] of consistencyMutations(c)) {
        if (same(mutated, c)) continue;
        expect(
          reasonOf(() => runConsistency(mutated)),
          `${c.size1}→${c.size2}: ${name}`,
        ).not.toBe('valid');
        count++;
      }
    }
    expect(count).toBeGreaterThan(5000);
  });

  it('§2.5 additional cases and §6.10 pitfalls', () => {
    const [r0, r1, r4, r8] = [roots[0]!, roots[1]!, roots[4]!, roots[8]!];
    expect(reasonOf(() => verifyConsistency(8, 4, [], r8, r4))).toBe('size-order');
    expect(reasonOf(() => verifyConsistency(0, 8, [], r0, r8))).toBe('size1-zero');
    expect(reasonOf(() => verifyConsistency(0, 8, [r8], r0, r8))).toBe('size1-zero');
    expect(reasonOf(() => verifyConsistency(0, 0, [], r0, r0))).toBe('valid');
    expect(reasonOf(() => verifyConsistency(0, 0, [], r1, r1))).toBe('root1-mismatch');
    expect(reasonOf(() => verifyConsistency(4, 4, [], r4, r4))).toBe('valid');
    expect(reasonOf(() => verifyConsistency(4, 4, [r4], r4, r4))).toBe('wrong-proof-length');
    expect(reasonOf(() => verifyConsistency(4, 4, [], r4, r8))).toBe('root2-mismatch');
    expect(reasonOf(() => verifyConsistency(4, 8, [], r4, r8))).toBe('wrong-proof-length');
    // transparency-dev accepts 12-byte "roots" when the sizes are equal; we require 32 bytes.
    const short = new Uint8Array(12);
    expect(reasonOf(() => verifyConsistency(1, 1, [], short, short))).toBe('bad-hash-length');
    expect(reasonOf(() => verifyConsistency(1, 1.5, [], r1, r1))).toBe('invalid-number');
  });

  it('rejects a proof between different sizes presented for neighbouring sizes (§6.9 row 7)', () => {
    const c = consistencyCases.find((x) => x.size1 === 5 && x.size2 === 8)!;
    expect(reasonOf(() => verifyConsistency(6, 8, c.proof, roots[6]!, roots[8]!))).not.toBe('valid');
    expect(reasonOf(() => verifyConsistency(4, 8, c.proof, roots[4]!, roots[8]!))).not.toBe('valid');
  });

  it('names the root that does not match', () => {
    const c = consistencyCases.find((x) => x.size1 === 3 && x.size2 === 7)!;
    expect(() => verifyConsistency(3, 7, c.proof, roots[2]!, roots[7]!)).toThrow(/computed root1 aeb6bcfe/);
    expect(() => verifyConsistency(3, 7, c.proof, roots[3]!, roots[8]!)).toThrow(/computed root2 ddb89be4/);
    expect(bytesToHex(roots[7]!)).toMatch(/^ddb89be4/);
  });
});
