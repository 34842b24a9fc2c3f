// RFC 6962 Merkle tree hash and the compact range (the "frontier") used to build a tree incrementally.
import { isSafeIndex } from './bytes.js';
import { EMPTY_ROOT, HASH_SIZE, nodeHash, type Hash } from './hash.js';

// Sizes and indexes are safe integers (up to 2^53 - 1), beyond the 32 bits of JS bitwise operators, so the
// helpers below use arithmetic.

/** Number of set bits. */
export function popcount(n: number): number {
  let count = 0;
  for (; n > 0; n = Math.floor(n / 2)) count += n % 2;
  return count;
}

/** Largest power of two strictly below n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

export function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}

function assertHash(hash: Hash, what: string): void {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    throw new TypeError(`${what} must be a ${HASH_SIZE}-byte hash`);
  }
}

/** A perfect subtree of height `level` covering leaves [index·2^level, (index+1)·2^level). */
export interface SubtreeHash {
  level: number;
  index: number;
  hash: Hash;
}

/**
 * Incremental tree: the roots of the perfect subtrees that make up leaves [0, size), largest (leftmost) first —
 * one per set bit of `size`, so at most 53 hashes. The sequencer and the full verifier fold leaves into it.
 */
export class CompactRange {
  #size: number;
  readonly #hashes: Hash[];

  private constructor(size: number, hashes: Hash[]) {
    this.#size = size;
    this.#hashes = hashes;
  }

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** Restores a range, e.g. from the stored frontier; the hashes are copied. */
  static from(size: number, hashes: readonly Hash[]): CompactRange {
    if (!isSafeIndex(size)) throw new TypeError('size must be a safe non-negative integer');
    const expected = popcount(size);
    if (hashes.length !== expected) {
      throw new TypeError(`a compact range of size ${size} has ${expected} hashes, got ${hashes.length}`);
    }
    hashes.forEach((h, i) => assertHash(h, `hashes[${i}]`));
    return new CompactRange(
      size,
      hashes.map((h) => h.slice()),
    );
  }

  get size(): number {
    return this.#size;
  }

  /** Copies of the perfect-subtree roots, left to right. */
  get hashes(): readonly Hash[] {
    return this.#hashes.map((h) => h.slice());
  }

  /** Appends a leaf hash and reports every perfect subtree (level ≥ 1) that it completes, lowest first. */
  append(leaf: Hash): { completed: SubtreeHash[] } {
    const completed: SubtreeHash[] = [];
    this.#fold(leaf, (level, hash) => {
      const index = (this.#size + 1) / 2 ** level - 1;
      completed.push({ level, index, hash });
    });
    return { completed };
  }

  /** Appends a leaf hash without reporting completed subtrees (the fast path of the full verifier). */
  push(leaf: Hash): void {
    this.#fold(leaf);
  }

  #fold(leaf: Hash, onCompleted?: (level: number, hash: Hash) => void): void {
    assertHash(leaf, 'leaf');
    if (this.#size === Number.MAX_SAFE_INTEGER) throw new RangeError('tree is full');
    let hash = leaf;
    let level = 0;
    // Each trailing 1 bit of the old size is a subtree of the same height as `hash`: merge them.
    for (let s = this.#size; s % 2 === 1; s = (s - 1) / 2) {
      hash = nodeHash(this.#hashes.pop()!, hash);
      level++;
      onCompleted?.(level, hash);
    }
    this.#hashes.push(hash === leaf ? leaf.slice() : hash); // never keep the caller's array
    this.#size++;
  }

  /** MTH of leaves [0, size): the subtree roots folded right to left; EMPTY_ROOT when empty. */
  root(): Hash {
    const hashes = this.#hashes;
    if (hashes.length === 0) return EMPTY_ROOT.slice();
    let root = hashes[hashes.length - 1]!;
    for (let i = hashes.length - 2; i >= 0; i--) root = nodeHash(hashes[i]!, root);
    return root === hashes[hashes.length - 1] ? root.slice() : root;
  }

  clone(): CompactRange {
    return new CompactRange(
      this.#size,
      this.#hashes.map((h) => h.slice()),
    );
  }
}

/** RFC 6962 Merkle Tree Hash of a list of leaf hashes (O(n) time, O(log n) extra memory). */
export function merkleRoot(leafHashes: readonly Hash[]): Hash {
  const range = CompactRange.empty();
  for (const leaf of leafHashes) range.push(leaf);
  return range.root();
}
