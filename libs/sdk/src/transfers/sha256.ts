// Incremental SHA-256 for checking downloads as they stream. WebCrypto has no incremental digest, and the SDK
// has no hashing dependency of its own (@noble/hashes reaches it only through @arca/transparency, and the module
// boundary rules forbid importing a transitive dependency). So: Node's native hash when the runtime has one,
// looked up at run time, never imported, so that this module also loads in browsers; otherwise a portable
// FIPS 180-4 implementation, checked against node:crypto on every length and chunking in sha256.spec.ts.

/** A running SHA-256: feed the bytes in order, then take the digest once. */
export interface Sha256 {
  update(data: Uint8Array): void;
  /** Lowercase hex digest; the hasher is spent afterwards. */
  digestHex(): string;
}

interface NodeHash {
  update(data: Uint8Array): NodeHash;
  digest(encoding: 'hex'): string;
}
type CreateHash = (algorithm: string) => NodeHash;

function findNodeCreateHash(): CreateHash | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto = proc?.getBuiltinModule?.('node:crypto') as { createHash?: unknown } | undefined;
  return typeof crypto?.createHash === 'function' ? (crypto.createHash as CreateHash) : undefined;
}

const nodeCreateHash = findNodeCreateHash();

/** A new running SHA-256; `portable` forces the pure-TypeScript implementation (tests). */
export function createSha256(options: { portable?: boolean } = {}): Sha256 {
  if (nodeCreateHash && !options.portable) {
    const hash = nodeCreateHash('sha256');
    return { update: (data) => void hash.update(data), digestHex: () => hash.digest('hex') };
  }
  return new PortableSha256();
}

// prettier-ignore
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const rotr = (x: number, n: number): number => (x >>> n) | (x << (32 - n));

class PortableSha256 implements Sha256 {
  private readonly state = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  private readonly block = new Uint8Array(64);
  private readonly w = new Uint32Array(64);
  private buffered = 0;
  private length = 0;
  private done = false;

  update(data: Uint8Array): void {
    if (this.done) throw new Error('SHA-256 digest already taken');
    this.length += data.length;
    let i = 0;
    if (this.buffered > 0) {
      const take = Math.min(64 - this.buffered, data.length);
      this.block.set(data.subarray(0, take), this.buffered);
      this.buffered += take;
      i = take;
      if (this.buffered < 64) return;
      this.compress(this.block, 0);
      this.buffered = 0;
    }
    for (; data.length - i >= 64; i += 64) this.compress(data, i);
    this.block.set(data.subarray(i), 0);
    this.buffered = data.length - i;
  }

  digestHex(): string {
    if (this.done) throw new Error('SHA-256 digest already taken');
    this.done = true;
    const bits = this.length * 8;
    this.block[this.buffered++] = 0x80;
    if (this.buffered > 56) {
      this.block.fill(0, this.buffered);
      this.compress(this.block, 0);
      this.buffered = 0;
    }
    this.block.fill(0, this.buffered, 56);
    const view = new DataView(this.block.buffer);
    view.setUint32(56, Math.floor(bits / 0x1_0000_0000));
    view.setUint32(60, bits >>> 0);
    this.compress(this.block, 0);
    return Array.from(this.state, (word) => word.toString(16).padStart(8, '0')).join('');
  }

  private compress(data: Uint8Array, offset: number): void {
    const w = this.w;
    for (let t = 0; t < 16; t++) {
      const j = offset + t * 4;
      w[t] = ((data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!) >>> 0;
    }
    for (let t = 16; t < 64; t++) {
      const a = w[t - 15]!;
      const b = w[t - 2]!;
      const s0 = rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3);
      const s1 = rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) >>> 0;
    }
    const s = this.state;
    let [a, b, c, d, e, f, g, h] = [s[0]!, s[1]!, s[2]!, s[3]!, s[4]!, s[5]!, s[6]!, s[7]!];
    for (let t = 0; t < 64; t++) {
      const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      h = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    s[0] = (s[0]! + a) >>> 0;
    s[1] = (s[1]! + b) >>> 0;
    s[2] = (s[2]! + c) >>> 0;
    s[3] = (s[3]! + d) >>> 0;
    s[4] = (s[4]! + e) >>> 0;
    s[5] = (s[5]! + f) >>> 0;
    s[6] = (s[6]! + g) >>> 0;
    s[7] = (s[7]! + h) >>> 0;
  }
}
