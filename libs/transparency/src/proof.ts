// RFC 6962 §2.1.1 PATH and §2.1.2 PROOF, built from the stored hashes of perfect subtrees.
import { isSafeIndex } from './bytes.js';
import { HASH_SIZE, nodeHash, type Hash } from './hash.js';
import { isPowerOfTwo, merkleRoot, splitPoint } from './tree.js';

/** Node hash at tree height `level` covering leaves [index·2^level, (index+1)·2^level). */
export interface NodeSource {
  node(level: number, index: number): Promise<Hash> | Hash;
}

/** All perfect-subtree hashes of a list of leaves, one flat buffer per level (≈ 64 B per leaf). */
export class MemoryNodeSource implements NodeSource {
  readonly #levels: Uint8Array[] = [];
  readonly size: number;

  constructor(leafHashes: readonly Hash[]) {
    this.size = leafHashes.length;
    let level = new Uint8Array(this.size * HASH_SIZE);
    leafHashes.forEach((h, i) => {
      if (h.length !== HASH_SIZE) throw new TypeError(`leafHashes[${i}] must be a ${HASH_SIZE}-byte hash`);
      level.set(h, i * HASH_SIZE);
    });
    for (let count = this.size; count > 0; count = Math.floor(count / 2)) {
      this.#levels.push(level);
      const next = new Uint8Array(Math.floor(count / 2) * HASH_SIZE);
      for (let i = 0; i + 1 < count; i += 2) {
        const left = level.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE);
        const right = level.subarray((i + 1) * HASH_SIZE, (i + 2) * HASH_SIZE);
        next.set(nodeHash(left, right), (i / 2) * HASH_SIZE);
      }
      level = next;
    }
  }

  node(level: number, index: number): Hash {
    const hashes = this.#levels[level];
    if (!hashes || !isSafeIndex(index) || (index + 1) * HASH_SIZE > hashes.length) {
      throw new RangeError(`no perfect subtree at level ${level}, index ${index} in a tree of ${this.size}`);
    }
    return hashes.slice(index * HASH_SIZE, (index + 1) * HASH_SIZE);
  }
}

/** Leaves [start, start + count) of the tree; RFC 6962 only ever needs aligned ranges. */
interface LeafRange {
  start: number;
  count: number;
}

/** The subtrees whose hashes form PATH(index, D[size]), leaf-up (RFC 6962 §2.1.1). */
function inclusionRanges(index: number, size: number): LeafRange[] {
  if (!isSafeIndex(index) || !isSafeIndex(size)) {
    throw new RangeError('index and size must be safe integers ≥ 0');
  }
  if (index >= size) throw new RangeError(`leaf index ${index} is not below tree size ${size}`);
  const ranges: LeafRange[] = []; // top-down, reversed at the end
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      ranges.push({ start: start + k, count: n - k });
      n = k;
    } else {
      ranges.push({ start, count: k });
      start += k;
      m -= k;
      n -= k;
    }
  }
  return ranges.reverse();
}

/** The subtrees whose hashes form PROOF(size1, D[size2]) (RFC 6962 §2.1.2); empty when size1 is 0 or size2. */
function consistencyRanges(size1: number, size2: number): LeafRange[] {
  if (!isSafeIndex(size1) || !isSafeIndex(size2)) throw new RangeError('sizes must be safe integers ≥ 0');
  if (size1 > size2) throw new RangeError(`size1 ${size1} is above size2 ${size2}`);
  if (size1 === 0) return []; // every tree extends the empty tree; RFC 9162 defines no proof for it
  const ranges: LeafRange[] = []; // top-down, reversed at the end
  let start = 0;
  let m = size1;
  let n = size2;
  let whole = true; // SUBPROOF's flag b: the old tree is a subtree we already know
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      ranges.push({ start: start + k, count: n - k });
      n = k;
    } else {
      ranges.push({ start, count: k });
      start += k;
      m -= k;
      n -= k;
      whole = false;
    }
  }
  if (!whole) ranges.push({ start, count: m });
  return ranges.reverse();
}

/** The perfect subtrees that make up an aligned range, left to right. */
function perfectSubtrees({ start, count }: LeafRange): { level: number; index: number }[] {
  const out: { level: number; index: number }[] = [];
  while (count > 0) {
    const width = isPowerOfTwo(count) ? count : splitPoint(count);
    out.push({ level: Math.log2(width), index: start / width });
    start += width;
    count -= width;
  }
  return out;
}

function foldRight(hashes: Hash[]): Hash {
  let root = hashes[hashes.length - 1]!;
  for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i]!, root);
  return root;
}

async function hashRanges(source: NodeSource, ranges: LeafRange[]): Promise<Hash[]> {
  const parts = ranges.map(perfectSubtrees);
  const fetched = await Promise.all(
    parts.map((subtrees) =>
      Promise.all(
        subtrees.map(async ({ level, index }) => {
          const hash = await source.node(level, index);
          if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
            throw new TypeError(`node source returned a bad hash for level ${level}, index ${index}`);
          }
          return hash;
        }),
      ),
    ),
  );
  return fetched.map(foldRight);
}

/** RFC 6962 root of the first `size` (≥ 1) leaves, from the source's perfect-subtree hashes. */
export async function rootFrom(source: NodeSource, size: number): Promise<Hash> {
  if (!isSafeIndex(size) || size < 1) throw new RangeError('size must be a safe integer ≥ 1');
  return (await hashRanges(source, [{ start: 0, count: size }]))[0]!;
}

/** Inclusion proof (audit path) for leaf `index` in the tree of the first `size` leaves, leaf-up. */
export async function inclusionProofFrom(source: NodeSource, index: number, size: number): Promise<Hash[]> {
  const ranges = inclusionRanges(index, size);
  return await hashRanges(source, ranges);
}

/** Consistency proof between the trees of the first `size1` and `size2` leaves. */
export async function consistencyProofFrom(
  source: NodeSource,
  size1: number,
  size2: number,
): Promise<Hash[]> {
  const ranges = consistencyRanges(size1, size2);
  return await hashRanges(source, ranges);
}

function assertPrefix(leafHashes: readonly Hash[], size: number): void {
  if (size > leafHashes.length) throw new RangeError(`size ${size} is above the ${leafHashes.length} leaves`);
}

/** In-memory inclusionProofFrom over a list of leaf hashes (O(size) hashing per proof). */
export function inclusionProof(leafHashes: readonly Hash[], index: number, size: number): Hash[] {
  const ranges = inclusionRanges(index, size);
  assertPrefix(leafHashes, size);
  return ranges.map(({ start, count }) => merkleRoot(leafHashes.slice(start, start + count)));
}

/** In-memory consistencyProofFrom over a list of leaf hashes (O(size2) hashing per proof). */
export function consistencyProof(leafHashes: readonly Hash[], size1: number, size2: number): Hash[] {
  const ranges = consistencyRanges(size1, size2);
  assertPrefix(leafHashes, size2);
  return ranges.map(({ start, count }) => merkleRoot(leafHashes.slice(start, start + count)));
}
