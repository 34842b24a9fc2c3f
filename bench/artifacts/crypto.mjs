// Segment encryption throughput: Arca's Tink AES-GCM-HKDF segments (1 MiB) against bare node:crypto AES-256-GCM
// over the same 1 MiB chunks (a cipher with a random nonce per chunk, as a naive implementation would), alternating
// rounds, medians. Arca's per-segment cost adds HKDF once per stream and the Tink nonce layout.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AES256_GCM_HKDF_1MB, SegmentCipher, plaintextSegmentSize } from '@arca/crypto';
import { median } from '../lib/load.mjs';

const SEGMENT = plaintextSegmentSize(1, AES256_GCM_HKDF_1MB);

function bareEncrypt(key, chunks) {
  const out = [];
  for (const chunk of chunks) {
    const c = createCipheriv('aes-256-gcm', key, randomBytes(12));
    out.push(Buffer.concat([c.update(chunk), c.final(), c.getAuthTag()]));
  }
  return out;
}

function bareDecrypt(key, sealed, nonces) {
  for (let i = 0; i < sealed.length; i++) {
    const s = sealed[i];
    const d = createDecipheriv('aes-256-gcm', key, nonces[i]);
    d.setAuthTag(s.subarray(s.length - 16));
    d.update(s.subarray(0, s.length - 16));
    d.final();
  }
}

function mbps(bytes, ns) {
  return bytes / 1e6 / (Number(ns) / 1e9);
}

export async function runCryptoBench({ totalMiB = 512, rounds = 3 } = {}) {
  const count = Math.max(1, Math.round((totalMiB * 1024 * 1024) / SEGMENT));
  const chunk = randomBytes(SEGMENT);
  const chunks = Array.from({ length: count }, () => chunk);
  const key = randomBytes(32);
  const bytes = count * SEGMENT;
  const results = { arcaEncrypt: [], bareEncrypt: [], arcaDecrypt: [], bareDecrypt: [] };
  for (let r = 0; r < rounds; r++) {
    let t = process.hrtime.bigint();
    const cipher = SegmentCipher.create(key, Buffer.from('arca/v1/bench'), AES256_GCM_HKDF_1MB);
    const sealed = chunks.map((c, i) => Buffer.concat(cipher.encryptSegment(i, i === count - 1, [c])));
    results.arcaEncrypt.push(mbps(bytes, process.hrtime.bigint() - t));

    t = process.hrtime.bigint();
    bareEncrypt(key, chunks);
    results.bareEncrypt.push(mbps(bytes, process.hrtime.bigint() - t));

    t = process.hrtime.bigint();
    const reader = SegmentCipher.fromHeader(
      key,
      Buffer.from('arca/v1/bench'),
      cipher.header,
      AES256_GCM_HKDF_1MB,
    );
    sealed.forEach((s, i) => reader.decryptSegment(i, i === count - 1, s));
    results.arcaDecrypt.push(mbps(bytes, process.hrtime.bigint() - t));

    // Bare decryption needs the nonces bare encryption used: re-encrypt with known nonces (not timed).
    const known = chunks.map(() => randomBytes(12));
    const knownSealed = chunks.map((c, i) => {
      const e = createCipheriv('aes-256-gcm', key, known[i]);
      return Buffer.concat([e.update(c), e.final(), e.getAuthTag()]);
    });
    t = process.hrtime.bigint();
    bareDecrypt(key, knownSealed, known);
    results.bareDecrypt.push(mbps(bytes, process.hrtime.bigint() - t));
  }
  const m = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
  return {
    segmentBytes: SEGMENT,
    totalBytes: bytes,
    rounds,
    ...m,
    encryptRatio: m.arcaEncrypt / m.bareEncrypt,
    decryptRatio: m.arcaDecrypt / m.bareDecrypt,
  };
}
