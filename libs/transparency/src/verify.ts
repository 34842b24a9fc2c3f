// RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency) proof verification, with the strict checks of
// transparency-dev/merkle: exact proof length, 32-byte hashes, index < size, equal sizes need an empty proof.
import { bytesEqual, bytesToHex, isSafeIndex } from './bytes.js';
import { EMPTY_ROOT, HASH_SIZE, nodeHash, type Hash } from './hash.js';
import { isPowerOfTwo } from './tree.js';

export type ProofErrorReason =
  | 'invalid-number' // a size or index that is not a safe non-negative integer
  | 'index-out-of-range' // leaf index ≥ tree size
  | 'size-order' // size1 > size2
  | 'size1-zero' // consistency from the empty tree: meaningless (RFC 9162 requires 0 < size1)
  | 'bad-hash-length' // a leaf, root or proof hash that is not 32 bytes
  | 'wrong-proof-length'
  | 'root-mismatch'
  | 'root1-mismatch'
  | 'root2-mismatch';

/** A proof that does not verify; `reason` is stable for programs, the message says why in words. */
export class ProofError extends Error {
  override readonly name = 'ProofError';
  constructor(
    readonly reason: ProofErrorReason,
    message: string,
  ) {
    super(message);
  }
}

const odd = (n: number): boolean => n % 2 === 1;
const half = (n: number): number => Math.floor(n / 2);

function checkNumber(value: number, name: string): void {
  if (!isSafeIndex(value)) {
    throw new ProofError(
      'invalid-number',
      `${name} must be a safe non-negative integer, got ${String(value)}`,
    );
  }
}

function checkHash(hash: Hash, name: string): void {
  if (!(hash instanceof Uint8Array) || hash.length !== HASH_SIZE) {
    throw new ProofError('bad-hash-length', `${name} must be ${HASH_SIZE} bytes`);
  }
}

function checkProofHashes(proof: readonly Hash[]): void {
  proof.forEach((h, i) => checkHash(h, `proof[${i}]`));
}

function checkLength(proof: readonly Hash[], expected: number): void {
  if (proof.length !== expected) {
    throw new ProofError(
      'wrong-proof-length',
      `proof has ${proof.length} hash${proof.length === 1 ? '' : 'es'}, expected ${expected}`,
    );
  }
}

function mismatch(reason: 'root-mismatch' | 'root1-mismatch' | 'root2-mismatch', what: string, got: Hash) {
  return new ProofError(reason, `computed ${what} ${bytesToHex(got)} does not match the given one`);
}

/**
 * The RFC 9162 walk from (fn, sn) to the root, as one entry per proof hash: `true` when the proof hash is the
 * left sibling (it also lies on the right border of the old tree), `false` when it is the right sibling.
 * The walk ends when sn reaches 0, so its length is the only valid proof length.
 */
function walk(fn: number, sn: number): boolean[] {
  const steps: boolean[] = [];
  while (sn > 0) {
    if (odd(fn) || fn === sn) {
      steps.push(true);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      steps.push(false);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return steps;
}

/** Verifies that `leaf` is at `index` in the tree of `size` leaves with root `root`; throws ProofError. */
export function verifyInclusion(
  leaf: Hash,
  index: number,
  size: number,
  proof: readonly Hash[],
  root: Hash,
): void {
  checkNumber(index, 'leaf index');
  checkNumber(size, 'tree size');
  if (index >= size) {
    throw new ProofError('index-out-of-range', `leaf index ${index} is not below tree size ${size}`);
  }
  checkHash(leaf, 'leaf hash');
  checkHash(root, 'root hash');
  checkProofHashes(proof);
  const steps = walk(index, size - 1);
  checkLength(proof, steps.length);
  let r = leaf;
  steps.forEach((left, i) => {
    r = left ? nodeHash(proof[i]!, r) : nodeHash(r, proof[i]!);
  });
  if (!bytesEqual(r, root)) throw mismatch('root-mismatch', 'root', r);
}

/** Verifies that the tree of size2 with root2 extends the tree of size1 with root1; throws ProofError. */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Hash[],
  root1: Hash,
  root2: Hash,
): void {
  checkNumber(size1, 'size1');
  checkNumber(size2, 'size2');
  if (size1 > size2) throw new ProofError('size-order', `size1 ${size1} is above size2 ${size2}`);
  checkHash(root1, 'root1');
  checkHash(root2, 'root2');
  checkProofHashes(proof);
  if (size1 === size2) {
    checkLength(proof, 0);
    if (size1 === 0 && !bytesEqual(root1, EMPTY_ROOT)) {
      throw mismatch('root1-mismatch', 'empty root', EMPTY_ROOT);
    }
    if (!bytesEqual(root1, root2)) {
      throw new ProofError('root2-mismatch', `trees of equal size ${size1} have different roots`);
    }
    return;
  }
  if (size1 === 0) {
    throw new ProofError('size1-zero', 'a consistency proof from the empty tree is meaningless');
  }
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  const steps = walk(fn, sn);
  // When size1 is a power of two the old root is itself a node of the new tree and is not sent.
  const sendsSeed = !isPowerOfTwo(size1);
  checkLength(proof, steps.length + (sendsSeed ? 1 : 0));
  const path = sendsSeed ? proof : [root1, ...proof];
  let fr = path[0]!;
  let sr = path[0]!;
  steps.forEach((left, i) => {
    const c = path[i + 1]!;
    if (left) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
    } else {
      sr = nodeHash(sr, c);
    }
  });
  if (!bytesEqual(fr, root1)) throw mismatch('root1-mismatch', 'root1', fr);
  if (!bytesEqual(sr, root2)) throw mismatch('root2-mismatch', 'root2', sr);
}
