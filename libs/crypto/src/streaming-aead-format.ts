import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { IntegrityError } from './aead.js';

// The Tink AES-GCM-HKDF streaming AEAD wire format (developers.google.com/tink/streaming-aead/aes_gcm_hkdf_streaming),
// ciphertext offset 0 only:
//
//   ciphertext = header ‖ segment_0 ‖ … ‖ segment_{n-1}
//   header     = headerLength (1 byte: 1 + derivedKeySize + 7) ‖ salt (derivedKeySize bytes) ‖ noncePrefix (7 bytes)
//   streamKey  = HKDF(hash, ikm = key value, salt, info = associated data, derivedKeySize)
//   segment_i  = AES-GCM(streamKey, nonce = noncePrefix ‖ uint32be(i) ‖ (i = n-1 ? 0x01 : 0x00), no AAD) ‖ 16-byte tag
//
// Every ciphertext segment is ciphertextSegmentSize bytes except the last, and the header counts against the
// first one, so the blob splits into ciphertextSegmentSize-sized slices with the header at the start of slice 0.
// This file holds the parameters, the size arithmetic and the per-segment cipher; streaming-aead.ts builds the
// streams on top.

export type HkdfHash = 'SHA1' | 'SHA256' | 'SHA512';

export interface StreamingAeadParams {
  /** Length of the key value (the HKDF input key material), at least derivedKeySize. */
  readonly keySize: number;
  /** AES-GCM key size of the per-stream key: 16 (AES-128) or 32 (AES-256). */
  readonly derivedKeySize: 16 | 32;
  readonly hkdfHash: HkdfHash;
  /** Bytes per ciphertext segment, tag included; must exceed derivedKeySize + 24. */
  readonly ciphertextSegmentSize: number;
}

/** Tink's AES128_GCM_HKDF_4KB template. */
export const AES128_GCM_HKDF_4KB: StreamingAeadParams = Object.freeze({
  keySize: 16,
  derivedKeySize: 16,
  hkdfHash: 'SHA256',
  ciphertextSegmentSize: 4096,
});

/** Tink's AES128_GCM_HKDF_1MB template. */
export const AES128_GCM_HKDF_1MB: StreamingAeadParams = Object.freeze({
  keySize: 16,
  derivedKeySize: 16,
  hkdfHash: 'SHA256',
  ciphertextSegmentSize: 1_048_576,
});

/** Tink's AES256_GCM_HKDF_4KB template. */
export const AES256_GCM_HKDF_4KB: StreamingAeadParams = Object.freeze({
  keySize: 32,
  derivedKeySize: 32,
  hkdfHash: 'SHA256',
  ciphertextSegmentSize: 4096,
});

/** Tink's AES256_GCM_HKDF_1MB template: the storage format of model versions. */
export const AES256_GCM_HKDF_1MB: StreamingAeadParams = Object.freeze({
  keySize: 32,
  derivedKeySize: 32,
  hkdfHash: 'SHA256',
  ciphertextSegmentSize: 1_048_576,
});

export const NONCE_PREFIX_BYTES = 7;
export const TAG_BYTES = 16;
const NONCE_BYTES = 12;
const MAX_SEGMENTS = 2 ** 32; // the segment number is a uint32 in the nonce
const HKDF_DIGEST: Record<HkdfHash, string> = { SHA1: 'sha1', SHA256: 'sha256', SHA512: 'sha512' };

/** Throws RangeError when the parameters are not ones Tink accepts. */
export function assertParams(params: StreamingAeadParams): void {
  const { keySize, derivedKeySize, hkdfHash, ciphertextSegmentSize } = params;
  if (derivedKeySize !== 16 && derivedKeySize !== 32) {
    throw new RangeError('derivedKeySize must be 16 or 32');
  }
  if (!Number.isSafeInteger(keySize) || keySize < derivedKeySize) {
    throw new RangeError('keySize must be an integer of at least derivedKeySize');
  }
  if (!Object.hasOwn(HKDF_DIGEST, hkdfHash)) throw new RangeError('hkdfHash must be SHA1, SHA256 or SHA512');
  if (
    !Number.isSafeInteger(ciphertextSegmentSize) ||
    ciphertextSegmentSize <= headerLength(params) + TAG_BYTES ||
    ciphertextSegmentSize > 2 ** 31 - 1
  ) {
    throw new RangeError('ciphertextSegmentSize must be an integer above derivedKeySize + 24 and below 2^31');
  }
}

/** 1 + derivedKeySize + 7: 24 for AES-128, 40 for AES-256. */
export function headerLength(params: StreamingAeadParams): number {
  return 1 + params.derivedKeySize + NONCE_PREFIX_BYTES;
}

/** Plaintext bytes carried by segment `index` when it is not the last one. */
export function plaintextSegmentSize(index: number, params: StreamingAeadParams): number {
  const size = params.ciphertextSegmentSize - TAG_BYTES;
  return index === 0 ? size - headerLength(params) : size;
}

/** Size of the ciphertext (header included) that encrypting `plaintextSize` bytes produces. */
export function ciphertextSize(plaintextSize: number, params: StreamingAeadParams): number {
  assertParams(params);
  assertSize(plaintextSize, 'plaintextSize');
  const first = plaintextSegmentSize(0, params);
  const segments =
    plaintextSize <= first ? 1 : 1 + Math.ceil((plaintextSize - first) / plaintextSegmentSize(1, params));
  if (segments > MAX_SEGMENTS) throw new RangeError('plaintext too large for 2^32 segments');
  return headerLength(params) + plaintextSize + segments * TAG_BYTES;
}

/**
 * Number of segments in a ciphertext of `ciphertextSize` bytes. Throws IntegrityError for sizes no ciphertext can
 * have (shorter than header + tag, or a last segment shorter than a tag). A last non-first segment of exactly one
 * tag (empty plaintext) is valid for Tink's decrypters, so it is accepted here too, although no Tink encrypter (nor
 * ours) writes one.
 */
export function segmentCount(ciphertextSize: number, params: StreamingAeadParams): number {
  assertParams(params);
  assertSize(ciphertextSize, 'ciphertextSize');
  const segmentSize = params.ciphertextSegmentSize;
  const rest = ciphertextSize % segmentSize;
  const count = Math.floor(ciphertextSize / segmentSize) + (rest > 0 ? 1 : 0);
  if (
    ciphertextSize < headerLength(params) + TAG_BYTES ||
    (rest > 0 && rest < TAG_BYTES) ||
    count > MAX_SEGMENTS
  ) {
    throw new IntegrityError(`a ciphertext of ${ciphertextSize} bytes is malformed`);
  }
  return count;
}

/** Plaintext size of a ciphertext of `ciphertextSize` bytes (see segmentCount for the sizes that throw). */
export function plaintextSize(ciphertextSize: number, params: StreamingAeadParams): number {
  const segments = segmentCount(ciphertextSize, params);
  return ciphertextSize - headerLength(params) - segments * TAG_BYTES;
}

export interface SegmentLocation {
  readonly index: number;
  readonly isLast: boolean;
  /** Byte range [start, end) of the segment's GCM ciphertext and tag in the blob (segment 0 starts after the header). */
  readonly ciphertextStart: number;
  readonly ciphertextEnd: number;
  /** Byte range [start, end) of the segment's plaintext in the whole plaintext. */
  readonly plaintextStart: number;
  readonly plaintextEnd: number;
}

export interface SegmentRange {
  readonly plaintextOffset: number;
  readonly length: number;
  /** The segments covering the range, in order; empty for an empty range. */
  readonly segments: readonly SegmentLocation[];
  /** One contiguous blob range [start, end) holding every listed segment (0/0 for an empty range). */
  readonly ciphertextStart: number;
  readonly ciphertextEnd: number;
}

/** Where segment `index` of a ciphertext of `ciphertextSize` bytes lies. */
export function locateSegment(
  index: number,
  ciphertextSize: number,
  params: StreamingAeadParams,
): SegmentLocation {
  const count = segmentCount(ciphertextSize, params);
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`segment ${index} does not exist (the ciphertext has ${count})`);
  }
  const header = headerLength(params);
  const segmentSize = params.ciphertextSegmentSize;
  const ciphertextStart = index === 0 ? header : index * segmentSize;
  const ciphertextEnd = Math.min((index + 1) * segmentSize, ciphertextSize);
  const plaintextStart =
    index === 0 ? 0 : plaintextSegmentSize(0, params) + (index - 1) * (segmentSize - TAG_BYTES);
  return {
    index,
    isLast: index === count - 1,
    ciphertextStart,
    ciphertextEnd,
    plaintextStart,
    plaintextEnd: plaintextStart + ciphertextEnd - ciphertextStart - TAG_BYTES,
  };
}

/**
 * The ciphertext segments that cover plaintext bytes [plaintextOffset, plaintextOffset + length) of a ciphertext
 * of `ciphertextSize` bytes. A range of at most one plaintext segment's size spans at most two segments.
 */
export function segmentRange(
  plaintextOffset: number,
  length: number,
  ciphertextSize: number,
  params: StreamingAeadParams,
): SegmentRange {
  const total = plaintextSize(ciphertextSize, params);
  assertSize(plaintextOffset, 'plaintextOffset');
  assertSize(length, 'length');
  if (plaintextOffset + length > total) {
    throw new RangeError(`range ${plaintextOffset}+${length} exceeds the plaintext size ${total}`);
  }
  if (length === 0) return { plaintextOffset, length, segments: [], ciphertextStart: 0, ciphertextEnd: 0 };
  const first = segmentOfPlaintextOffset(plaintextOffset, params);
  const last = segmentOfPlaintextOffset(plaintextOffset + length - 1, params);
  const segments: SegmentLocation[] = [];
  for (let index = first; index <= last; index++) segments.push(locateSegment(index, ciphertextSize, params));
  return {
    plaintextOffset,
    length,
    segments,
    ciphertextStart: segments[0]!.ciphertextStart,
    ciphertextEnd: segments[segments.length - 1]!.ciphertextEnd,
  };
}

function segmentOfPlaintextOffset(offset: number, params: StreamingAeadParams): number {
  const first = plaintextSegmentSize(0, params);
  return offset < first ? 0 : 1 + Math.floor((offset - first) / plaintextSegmentSize(1, params));
}

function assertSize(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer`);
  }
}

/**
 * The per-stream key and nonce prefix of one ciphertext: encrypts or decrypts single segments. Made by
 * `SegmentCipher.create` (fresh salt and nonce prefix, for encryption) or by `readHeader` (from a ciphertext's
 * header, for decryption and random access).
 */
export class SegmentCipher {
  readonly params: StreamingAeadParams;
  /** The ciphertext header: length byte ‖ salt ‖ nonce prefix. */
  readonly header: Buffer;
  readonly #key: Buffer;
  readonly #noncePrefix: Buffer;
  readonly #algorithm: 'aes-128-gcm' | 'aes-256-gcm';

  private constructor(
    key: Uint8Array,
    associatedData: Uint8Array,
    header: Buffer,
    params: StreamingAeadParams,
  ) {
    assertParams(params);
    if (key.length !== params.keySize) throw new RangeError(`the key must be ${params.keySize} bytes`);
    const size = params.derivedKeySize;
    this.params = params;
    this.header = header;
    this.#noncePrefix = Buffer.from(header.subarray(1 + size)); // a copy: the header is handed out
    this.#key = hkdf(params.hkdfHash, key, header.subarray(1, 1 + size), associatedData, size);
    this.#algorithm = size === 16 ? 'aes-128-gcm' : 'aes-256-gcm';
  }

  /**
   * A cipher for a new ciphertext. `headerRandomness` (salt ‖ nonce prefix, derivedKeySize + 7 bytes) exists for
   * known-answer tests only; production code must leave it to the CSPRNG.
   */
  static create(
    key: Uint8Array,
    associatedData: Uint8Array,
    params: StreamingAeadParams,
    headerRandomness?: Uint8Array,
  ): SegmentCipher {
    assertParams(params);
    const length = headerLength(params);
    const random = headerRandomness ?? randomBytes(length - 1);
    if (random.length !== length - 1) throw new RangeError(`header randomness must be ${length - 1} bytes`);
    return new SegmentCipher(key, associatedData, Buffer.concat([Buffer.of(length), random]), params);
  }

  /** Reads a ciphertext header; IntegrityError if it is not a header for these parameters. */
  static fromHeader(
    key: Uint8Array,
    associatedData: Uint8Array,
    header: Uint8Array,
    params: StreamingAeadParams,
  ): SegmentCipher {
    assertParams(params);
    const length = headerLength(params);
    if (header.length !== length || header[0] !== length) {
      throw new IntegrityError('the streaming ciphertext header is malformed');
    }
    return new SegmentCipher(key, associatedData, Buffer.from(header), params);
  }

  /** Encrypts one segment given as one or more plaintext pieces; returns ciphertext pieces, the tag last. */
  encryptSegment(index: number, isLast: boolean, plaintext: readonly Uint8Array[]): Buffer[] {
    const cipher = createCipheriv(this.#algorithm, this.#key, this.#nonce(index, isLast), {
      authTagLength: TAG_BYTES,
    });
    const out: Buffer[] = [];
    for (const piece of plaintext) out.push(cipher.update(piece));
    out.push(cipher.final(), cipher.getAuthTag());
    return out;
  }

  /**
   * Decrypts one segment (GCM ciphertext ‖ tag). Returns the plaintext only after the tag verified; IntegrityError
   * otherwise (wrong key or associated data, modified bytes, wrong index or last flag).
   */
  decryptSegment(index: number, isLast: boolean, ciphertext: Uint8Array): Buffer {
    if (ciphertext.length < TAG_BYTES) throw new IntegrityError(`segment ${index} is shorter than a tag`);
    const bodyLength = ciphertext.length - TAG_BYTES;
    const out = this.decryptPieces(
      index,
      isLast,
      [ciphertext.subarray(0, bodyLength)],
      ciphertext.subarray(bodyLength),
    );
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  /**
   * decryptSegment for a segment whose GCM ciphertext arrived in pieces, with its tag apart; returns plaintext
   * pieces (all of them verified).
   */
  decryptPieces(index: number, isLast: boolean, body: readonly Uint8Array[], tag: Uint8Array): Buffer[] {
    const decipher = createDecipheriv(this.#algorithm, this.#key, this.#nonce(index, isLast), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(tag);
    try {
      const out = body.map((piece) => decipher.update(piece));
      const tail = decipher.final();
      if (tail.length > 0 || out.length === 0) out.push(tail);
      return out;
    } catch {
      throw new IntegrityError(`segment ${index} failed authentication`);
    }
  }

  #nonce(index: number, isLast: boolean): Buffer {
    if (!Number.isSafeInteger(index) || index < 0 || index >= MAX_SEGMENTS) {
      throw new RangeError('the segment index must be a uint32');
    }
    const nonce = Buffer.allocUnsafe(NONCE_BYTES);
    this.#noncePrefix.copy(nonce, 0);
    nonce.writeUInt32BE(index, NONCE_PREFIX_BYTES);
    nonce[NONCE_BYTES - 1] = isLast ? 1 : 0;
    return nonce;
  }
}

/**
 * RFC 5869 HKDF on HMAC. Written out rather than node's hkdfSync, which refuses `info` over 1024 bytes while Tink
 * accepts associated data of any length.
 */
function hkdf(hash: HkdfHash, ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Buffer {
  const digest = HKDF_DIGEST[hash];
  const prk = createHmac(digest, salt).update(ikm).digest();
  const blocks: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let counter = 1, produced = 0; produced < length; counter++) {
    previous = createHmac(digest, prk).update(previous).update(info).update(Buffer.of(counter)).digest();
    blocks.push(previous);
    produced += previous.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}
