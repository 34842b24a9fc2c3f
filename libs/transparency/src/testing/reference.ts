// Deliberately naive RFC 6962 §2.1 definitions (recursive MTH, PATH, PROOF) over leaf hashes: the oracle that
// the optimised tree, proof and verifier code is cross-checked against. Quadratic; for small trees only.
// Hashing goes through @noble/hashes, independent of the library's node:crypto path.
import { sha256 } from '@noble/hashes/sha2.js';

const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = sha256.create();
  for (const p of parts) h.update(p);
  return h.digest();
};

export const refNode = (l: Uint8Array, r: Uint8Array): Uint8Array => sha(Uint8Array.of(1), l, r);
export const refLeaf = (entry: Uint8Array): Uint8Array => sha(Uint8Array.of(0), entry);

/** The largest power of two below n. */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH(D[n]) given the leaf hashes D. */
export function refRoot(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha();
  if (d.length === 1) return d[0]!;
  const k = split(d.length);
  return refNode(refRoot(d.slice(0, k)), refRoot(d.slice(k)));
}

/** PATH(m, D[n]). */
export function refPath(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = split(d.length);
  return m < k
    ? [...refPath(m, d.slice(0, k)), refRoot(d.slice(k))]
    : [...refPath(m - k, d.slice(k)), refRoot(d.slice(0, k))];
}

function subproof(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  const n = d.length;
  if (m === n) return b ? [] : [refRoot(d)];
  const k = split(n);
  return m <= k
    ? [...subproof(m, d.slice(0, k), b), refRoot(d.slice(k))]
    : [...subproof(m - k, d.slice(k), false), refRoot(d.slice(0, k))];
}

/** PROOF(m, D[n]) for 0 < m ≤ n. */
export function refProof(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  return subproof(m, d, true);
}
