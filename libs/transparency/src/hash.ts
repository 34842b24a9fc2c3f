// RFC 6962 hashing: SHA-256 with 0x00 (leaf) / 0x01 (interior node) domain separation.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** A SHA-256 digest; always 32 bytes. */
export type Hash = Uint8Array;

export const HASH_SIZE = 32;

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'buffer') => Uint8Array;

// Node's one-shot crypto.hash (Node ≥ 20.12) is several times faster than a pure-JS SHA-256 on small inputs.
// It is looked up at run time, never imported, so that this module also loads in browsers.
function findNodeHash(): OneShotHash | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto = proc?.getBuiltinModule?.('node:crypto') as { hash?: unknown } | undefined;
  return typeof crypto?.hash === 'function' ? (crypto.hash as OneShotHash) : undefined;
}

const nodeHash256 = findNodeHash();

/** Which SHA-256 implementation is in use: Node's crypto.hash or @noble/hashes. */
export const sha256Backend: 'node' | 'noble' = nodeHash256 ? 'node' : 'noble';

/** SHA-256 of `data`, as a plain Uint8Array (never a Node Buffer). */
export const sha256: (data: Uint8Array) => Uint8Array = nodeHash256
  ? (data) => {
      const out = nodeHash256('sha256', data, 'buffer');
      return new Uint8Array(out.buffer, out.byteOffset, HASH_SIZE);
    }
  : (data) => nobleSha256(data);

/** MTH({}) = SHA-256(""). */
export const EMPTY_ROOT: Hash = sha256(new Uint8Array(0));

// Scratch buffers: hashing is synchronous and single-threaded, so the prefix byte and the inputs can be written
// into one reused buffer instead of allocating per hash. Large leaves get their own buffer.
const nodeScratch = new Uint8Array(1 + 2 * HASH_SIZE);
nodeScratch[0] = 0x01;
const LEAF_SCRATCH_MAX = 64 * 1024;
let leafScratch = new Uint8Array(1024);

/** Leaf hash: SHA-256(0x00 ‖ entry). */
export function leafHash(entry: Uint8Array): Hash {
  const n = entry.length + 1;
  let buf = leafScratch;
  if (n > buf.length) {
    buf = new Uint8Array(n);
    if (n <= LEAF_SCRATCH_MAX) leafScratch = buf;
  }
  buf[0] = 0x00;
  buf.set(entry, 1);
  return sha256(buf.subarray(0, n));
}

/** Interior node hash: SHA-256(0x01 ‖ left ‖ right); both children must be 32 bytes. */
export function nodeHash(left: Hash, right: Hash): Hash {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    throw new TypeError(`node children must be ${HASH_SIZE}-byte hashes`);
  }
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return sha256(nodeScratch);
}
