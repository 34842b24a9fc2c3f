import { createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Readable, Writable, type Transform } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { IntegrityError } from './aead.js';
import {
  AES128_GCM_HKDF_4KB,
  AES256_GCM_HKDF_1MB,
  AES256_GCM_HKDF_4KB,
  SegmentCipher,
  ciphertextSize,
  headerLength,
  locateSegment,
  plaintextSize,
  segmentCount,
  segmentRange,
  type StreamingAeadParams,
} from './streaming-aead-format.js';
import {
  decrypt,
  decryptRange,
  decryptSegment,
  decryptStream,
  encrypt,
  encryptStream,
  encryptWith,
  readHeader,
} from './streaming-aead.js';
import { TINK_VECTORS } from './streaming-aead.vectors.js';

const P4K = AES256_GCM_HKDF_4KB;
const S = P4K.ciphertextSegmentSize; // 4096
const H = headerLength(P4K); // 40
const FIRST = S - H - 16; // 4040 plaintext bytes in segment 0
const REST = S - 16; // 4080 in every other segment
const key = randomBytes(32);
const ad = Buffer.from('tenant/t1/model/m1/version/3/model.onnx');

// Every size around the segment boundaries of the 4 KB preset.
const SIZES_4K = [
  0,
  1,
  FIRST - 1,
  FIRST,
  FIRST + 1,
  FIRST + REST - 1,
  FIRST + REST,
  FIRST + REST + 1,
  FIRST + 4 * REST - 1,
  FIRST + 4 * REST,
  FIRST + 4 * REST + 1,
];

type Chunker = (remaining: number) => number;
const CHUNKERS: Record<string, Chunker> = {
  '1-byte': () => 1,
  '7-byte': () => 7,
  random: () => 1 + Math.floor(Math.random() * 3 * S),
};

function split(data: Buffer, chunker: Chunker): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length;) {
    const size = Math.min(chunker(data.length - at), data.length - at);
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

/** Runs chunks through a transform; resolves with everything it emitted, rejects with its error (and the output so far). */
async function through(transform: Transform, chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  try {
    await pipeline(Readable.from(chunks), transform, collect(out));
  } catch (error) {
    throw Object.assign(error as Error, { emitted: Buffer.concat(out) });
  }
  return Buffer.concat(out);
}

function collect(out: Buffer[]): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.push(chunk);
      callback();
    },
  });
}

/** Splits a ciphertext into its header and GCM segments (ciphertext ‖ tag) by the wire layout. */
function segmentsOf(ciphertext: Buffer, params: StreamingAeadParams): { header: Buffer; segments: Buffer[] } {
  const size = params.ciphertextSegmentSize;
  const header = ciphertext.subarray(0, headerLength(params));
  const segments: Buffer[] = [];
  for (let start = 0; start < ciphertext.length; start += size) {
    segments.push(
      ciphertext.subarray(start === 0 ? header.length : start, Math.min(start + size, ciphertext.length)),
    );
  }
  return { header, segments };
}

async function expectIntegrityFailure(ciphertext: Buffer, k = key, a = ad, params = P4K): Promise<Buffer> {
  expect(() => decrypt(k, ciphertext, a, params)).toThrow(IntegrityError);
  const error = await through(decryptStream(k, a, params), [ciphertext]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(IntegrityError);
  return (error as { emitted: Buffer }).emitted;
}

describe('streaming AEAD parameters and sizes', () => {
  it('ciphertextSize and plaintextSize follow the format for every size around the boundaries', () => {
    const expectedSegments = [1, 1, 1, 1, 2, 2, 2, 3, 5, 5, 6];
    SIZES_4K.forEach((size, i) => {
      const expected = H + size + 16 * expectedSegments[i]!;
      expect(ciphertextSize(size, P4K)).toBe(expected);
      expect(plaintextSize(expected, P4K)).toBe(size);
      expect(segmentCount(expected, P4K)).toBe(expectedSegments[i]);
      expect(encrypt(key, randomBytes(size), ad, P4K).length).toBe(expected);
    });
    expect(ciphertextSize(1_048_576, AES256_GCM_HKDF_1MB)).toBe(40 + 1_048_576 + 2 * 16);
  });

  it('refuses sizes no ciphertext can have', () => {
    for (const size of [0, 1, H, H + 15, S + 1, S + 15, 3 * S + 7]) {
      expect(() => plaintextSize(size, P4K)).toThrow(IntegrityError);
    }
    expect(() => plaintextSize(-1, P4K)).toThrow(RangeError);
    expect(() => ciphertextSize(1.5, P4K)).toThrow(RangeError);
    // A last non-first segment of one bare tag is valid for Tink's decrypters, so the size is accepted.
    expect(plaintextSize(S + 16, P4K)).toBe(FIRST);
  });

  it('refuses parameters and keys Tink refuses', () => {
    const bad: StreamingAeadParams[] = [
      { ...P4K, derivedKeySize: 24 as 16 },
      { ...P4K, keySize: 16 },
      { ...P4K, hkdfHash: 'MD5' as 'SHA1' },
      { ...P4K, ciphertextSegmentSize: 32 + 24 },
      { ...AES128_GCM_HKDF_4KB, ciphertextSegmentSize: 16 + 24 },
    ];
    for (const params of bad) expect(() => encrypt(key, Buffer.alloc(1), ad, params)).toThrow(RangeError);
    expect(encrypt(key, Buffer.alloc(1), ad, { ...P4K, ciphertextSegmentSize: 32 + 25 }).length).toBe(
      40 + 1 + 16,
    );
    expect(() => encryptStream(randomBytes(16), ad, P4K)).toThrow(RangeError);
    expect(() => decryptStream(randomBytes(31), ad, P4K)).toThrow(RangeError);
  });
});

describe('streaming AEAD round trips', () => {
  for (const [name, chunker] of Object.entries(CHUNKERS)) {
    it(`4 KB preset, every boundary size, fed in ${name} chunks`, async () => {
      for (const size of SIZES_4K) {
        const plaintext = randomBytes(size);
        const ciphertext = await through(encryptStream(key, ad, P4K), split(plaintext, chunker));
        expect(ciphertext.length).toBe(ciphertextSize(size, P4K));
        expect(decrypt(key, ciphertext, ad, P4K)).toEqual(plaintext);
        expect(await through(decryptStream(key, ad, P4K), split(ciphertext, chunker))).toEqual(plaintext);
      }
    });
  }

  it('AES-128 preset and associated data longer than node hkdfSync accepts', async () => {
    const longAd = randomBytes(5000);
    const k16 = randomBytes(16);
    const plaintext = randomBytes(3 * S);
    const ciphertext = encrypt(k16, plaintext, longAd, AES128_GCM_HKDF_4KB);
    expect(ciphertext[0]).toBe(24);
    expect(
      await through(decryptStream(k16, longAd, AES128_GCM_HKDF_4KB), split(ciphertext, CHUNKERS.random!)),
    ).toEqual(plaintext);
    expect(() => decrypt(k16, ciphertext, longAd.subarray(1), AES128_GCM_HKDF_4KB)).toThrow(IntegrityError);
  });

  it('1 MB preset at 1 MiB ± 1, the first-segment boundary ± 1 and about 3 MiB', async () => {
    const first = 1_048_576 - 40 - 16;
    for (const size of [first, first + 1, 1_048_575, 1_048_576, 1_048_577, 3 * 1_048_576 + 12_345]) {
      const plaintext = randomBytes(size);
      const chunks = split(plaintext, () => 1 + Math.floor(Math.random() * 200_000));
      const ciphertext = await through(encryptStream(key, ad, AES256_GCM_HKDF_1MB), chunks);
      expect(ciphertext.length).toBe(ciphertextSize(size, AES256_GCM_HKDF_1MB));
      const decrypted = await through(
        decryptStream(key, ad, AES256_GCM_HKDF_1MB),
        split(ciphertext, () => 65_536),
      );
      expect(decrypted.equals(plaintext)).toBe(true);
    }
  });
});

describe('streaming AEAD wire format', () => {
  it('writes header length, a fresh salt and nonce prefix, and a first segment shorter by the header', () => {
    const plaintext = randomBytes(FIRST + 2 * REST + 100);
    const a = encrypt(key, plaintext, ad, P4K);
    const b = encrypt(key, plaintext, ad, P4K);
    expect(a[0]).toBe(0x28);
    expect(a.subarray(1, H).equals(b.subarray(1, H))).toBe(false); // salt ‖ nonce prefix are random
    const { segments } = segmentsOf(a, P4K);
    expect(segments.map((s) => s.length)).toEqual([S - H, S, S, 100 + 16]);
    expect(locateSegment(0, a.length, P4K)).toEqual({
      index: 0,
      isLast: false,
      ciphertextStart: H,
      ciphertextEnd: S,
      plaintextStart: 0,
      plaintextEnd: FIRST,
    });
    expect(encrypt(key, Buffer.alloc(0), ad, P4K).length).toBe(H + 16); // one empty, final segment
  });

  it('decrypts independently: hkdfSync stream key and bare AES-GCM over the nonce layout', () => {
    for (const [params, k] of [
      [P4K, key],
      [AES128_GCM_HKDF_4KB, randomBytes(16)],
    ] as const) {
      const plaintext = randomBytes(FIRST + 3 * REST + 17);
      const ciphertext = encrypt(k, plaintext, ad, params);
      const { header, segments } = segmentsOf(ciphertext, params);
      const size = params.derivedKeySize;
      expect(header[0]).toBe(1 + size + 7);
      const streamKey = Buffer.from(hkdfSync('sha256', k, header.subarray(1, 1 + size), ad, size));
      const parts = segments.map((segment, i) => {
        const nonce = Buffer.alloc(12);
        header.copy(nonce, 0, 1 + size);
        nonce.writeUInt32BE(i, 7);
        nonce[11] = i === segments.length - 1 ? 1 : 0;
        const decipher = createDecipheriv(`aes-${size * 8}-gcm` as 'aes-256-gcm', streamKey, nonce);
        decipher.setAuthTag(segment.subarray(segment.length - 16));
        return Buffer.concat([decipher.update(segment.subarray(0, segment.length - 16)), decipher.final()]);
      });
      expect(Buffer.concat(parts)).toEqual(plaintext);
    }
  });

  it('binds the last-segment flag: segment i with the flag flipped fails', () => {
    const ciphertext = encrypt(key, randomBytes(FIRST + 2 * REST + 5), ad, P4K);
    const { header, segments } = segmentsOf(ciphertext, P4K);
    const cipher = readHeader(key, ad, header, P4K);
    segments.forEach((segment, i) => {
      const isLast = i === segments.length - 1;
      expect(decryptSegment(cipher, i, isLast, segment).length).toBe(segment.length - 16);
      expect(() => decryptSegment(cipher, i, !isLast, segment)).toThrow(IntegrityError);
      expect(() => decryptSegment(cipher, i + 1, isLast, segment)).toThrow(IntegrityError);
    });
  });
});

describe('Tink known-answer vectors', () => {
  for (const vector of TINK_VECTORS) {
    it(vector.name, async () => {
      const k = Buffer.from(vector.keyHex, 'hex');
      const expected = Buffer.from(vector.ciphertextHex, 'hex');
      expect(decrypt(k, expected, vector.associatedData, vector.params)).toEqual(vector.plaintext);
      const streamed = await through(
        decryptStream(k, vector.associatedData, vector.params),
        split(expected, () => 3),
      );
      expect(streamed).toEqual(vector.plaintext);
      // With Tink's salt and nonce prefix, our encrypter writes Tink's bytes.
      const headerRandomness = expected.subarray(1, headerLength(vector.params));
      const cipher = SegmentCipher.create(k, vector.associatedData, vector.params, headerRandomness);
      expect(encryptWith(cipher, vector.plaintext).toString('hex')).toBe(vector.ciphertextHex);
      expect(ciphertextSize(vector.plaintext.length, vector.params)).toBe(expected.length);
    });
  }
});

describe('streaming AEAD tampering', () => {
  // Four segments, the last one short: 40-byte header + 4056 + 4096 + 4096 + 1016.
  const plaintext = randomBytes(FIRST + 2 * REST + 1000);
  const ciphertext = encrypt(key, plaintext, ad, P4K);
  const { header, segments } = segmentsOf(ciphertext, P4K);

  it('rejects a flipped bit in every byte, and the stream emits only the segments before the damage', async () => {
    for (let at = 0; at < ciphertext.length; at++) {
      const bad = Buffer.from(ciphertext);
      bad[at] = bad[at]! ^ (1 << (at % 8));
      expect(() => decrypt(key, bad, ad, P4K)).toThrow(IntegrityError);
    }
    for (let at = 0; at < ciphertext.length; at += 61) {
      const bad = Buffer.from(ciphertext);
      bad[at] = bad[at]! ^ 0x80;
      const emitted = await expectIntegrityFailure(bad);
      const damagedSegment = Math.floor(at / S);
      const intact = damagedSegment === 0 ? 0 : FIRST + (damagedSegment - 1) * REST;
      expect(emitted).toEqual(plaintext.subarray(0, intact));
    }
  });

  it('rejects reordered, duplicated and dropped segments', async () => {
    const [s0, s1, s2, s3] = segments as [Buffer, Buffer, Buffer, Buffer];
    expect(await expectIntegrityFailure(Buffer.concat([header, s0, s2, s1, s3]))).toEqual(
      plaintext.subarray(0, FIRST),
    );
    await expectIntegrityFailure(Buffer.concat([header, s0, s1, s1, s2, s3]));
    await expectIntegrityFailure(Buffer.concat([header, s0, s2, s3]));
    await expectIntegrityFailure(Buffer.concat([header, s0, s1, s2, s2]));
  });

  it('rejects truncation at every segment boundary and inside segments, appended bytes and empty input', async () => {
    for (const cut of [0, 1, H - 1, H, H + 15, S, S + 1, 2 * S, 3 * S, ciphertext.length - 1]) {
      await expectIntegrityFailure(ciphertext.subarray(0, cut));
    }
    for (const extra of [1, 15, 16, 17, S]) {
      await expectIntegrityFailure(Buffer.concat([ciphertext, randomBytes(extra)]));
    }
    // A whole ciphertext that ends on a segment boundary, truncated by one full segment.
    const even = encrypt(key, randomBytes(FIRST + 2 * REST), ad, P4K);
    expect(even.length).toBe(3 * S);
    expect(await expectIntegrityFailure(even.subarray(0, 2 * S))).toEqual(expect.any(Buffer));
  });

  it('rejects other associated data, another key, another header length and another preset', async () => {
    await expectIntegrityFailure(ciphertext, key, Buffer.from('tenant/t2/model/m1/version/3/model.onnx'));
    await expectIntegrityFailure(ciphertext, key, Buffer.alloc(0));
    await expectIntegrityFailure(ciphertext, randomBytes(32));
    const badLength = Buffer.from(ciphertext);
    badLength[0] = 0x18;
    await expectIntegrityFailure(badLength);
    await expectIntegrityFailure(ciphertext, key.subarray(0, 16), ad, AES128_GCM_HKDF_4KB);
    const otherSegmentSize = { ...P4K, ciphertextSegmentSize: 2048 };
    await expectIntegrityFailure(ciphertext, key, ad, otherSegmentSize);
  });
});

describe('streaming AEAD random access', () => {
  const plaintext = randomBytes(FIRST + 4 * REST + 333);
  const ciphertext = encrypt(key, plaintext, ad, P4K);
  const read = (reads: Array<[number, number]>) => (start: number, end: number) => {
    reads.push([start, end]);
    return Promise.resolve(ciphertext.subarray(start, end));
  };

  it('reproduces ranges across boundaries, at both ends and empty, reading only the covering segments', async () => {
    const ranges: Array<[number, number]> = [
      [0, 0],
      [0, 1],
      [plaintext.length - 1, 1],
      [plaintext.length, 0],
      [0, plaintext.length],
      [FIRST - 1, 2],
      [FIRST, REST],
      [FIRST + REST - 1, 2],
      [FIRST + 3 * REST - 5, REST + 10],
    ];
    for (let i = 0; i < 40; i++) {
      const offset = Math.floor(Math.random() * plaintext.length);
      ranges.push([offset, Math.floor(Math.random() * (plaintext.length - offset + 1))]);
    }
    for (const [offset, length] of ranges) {
      const reads: Array<[number, number]> = [];
      const got = await decryptRange(key, ad, P4K, ciphertext.length, offset, length, read(reads));
      expect(got).toEqual(plaintext.subarray(offset, offset + length));
      const range = segmentRange(offset, length, ciphertext.length, P4K);
      expect(reads.length).toBeLessThanOrEqual(2);
      const fetched = reads.reduce((sum, [start, end]) => sum + end - start, 0);
      expect(fetched).toBeLessThanOrEqual(H + range.segments.length * S);
      if (length <= REST) expect(range.segments.length).toBeLessThanOrEqual(2);
    }
    expect(() => segmentRange(plaintext.length, 1, ciphertext.length, P4K)).toThrow(RangeError);
  });

  it('decryptSegment on the located segments equals the plaintext slices', () => {
    const cipher = readHeader(key, ad, ciphertext.subarray(0, H), P4K);
    const range = segmentRange(0, plaintext.length, ciphertext.length, P4K);
    expect(range.segments.map((s) => s.isLast)).toEqual([false, false, false, false, false, true]);
    for (const s of range.segments) {
      const part = decryptSegment(
        cipher,
        s.index,
        s.isLast,
        ciphertext.subarray(s.ciphertextStart, s.ciphertextEnd),
      );
      expect(part).toEqual(plaintext.subarray(s.plaintextStart, s.plaintextEnd));
    }
    expect(() => readHeader(key, ad, ciphertext.subarray(0, H - 1), P4K)).toThrow(IntegrityError);
  });

  it('a 1 MiB range of a 5 GiB ciphertext (1 MB preset) spans at most two segments', () => {
    const total = ciphertextSize(5 * 2 ** 30, AES256_GCM_HKDF_1MB);
    for (let i = 0; i < 200; i++) {
      const offset = Math.floor(Math.random() * (5 * 2 ** 30 - 2 ** 20));
      expect(segmentRange(offset, 2 ** 20, total, AES256_GCM_HKDF_1MB).segments.length).toBeLessThanOrEqual(
        2,
      );
    }
  });
});

describe('streaming AEAD memory', () => {
  it('encrypts and decrypts 64 MiB (1 MB preset) holding a few segments, not the data', async () => {
    // Garbage the collector has not reclaimed yet counts in arrayBuffers, so collect before each sample.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const segment = AES256_GCM_HKDF_1MB.ciphertextSegmentSize;
    const total = 64 * segment;
    const chunk = randomBytes(64 * 1024);
    const source = Readable.from(
      (function* () {
        for (let produced = 0; produced < total; produced += chunk.length) yield Buffer.from(chunk); // like a socket
      })(),
    );
    gc();
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = 0;
    let received = 0;
    await pipeline(
      source,
      encryptStream(key, ad, AES256_GCM_HKDF_1MB),
      decryptStream(key, ad, AES256_GCM_HKDF_1MB),
      new Writable({
        write(data: Buffer, _encoding, callback) {
          const before = Math.floor(received / segment);
          received += data.length;
          if (Math.floor(received / segment) !== before) {
            gc();
            peak = Math.max(peak, process.memoryUsage().arrayBuffers - baseline);
          }
          callback();
        },
      }),
    );
    expect(received).toBe(total);
    expect(peak).toBeLessThan(8 * segment);
  });
});
