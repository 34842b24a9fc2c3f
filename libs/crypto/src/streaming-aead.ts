import { Transform, type TransformCallback } from 'node:stream';
import { IntegrityError } from './aead.js';
import { ByteQueue } from './byte-queue.js';
import {
  SegmentCipher,
  TAG_BYTES,
  assertParams,
  headerLength,
  plaintextSegmentSize,
  segmentRange,
  type StreamingAeadParams,
} from './streaming-aead-format.js';

// Streaming encryption and decryption in the Tink AES-GCM-HKDF streaming format (see streaming-aead-format.ts).
// Both directions hold at most one segment plus the chunk being written: the last-segment flag is part of the
// nonce, so a segment can only be sealed (or opened) once it is known whether more bytes follow it.

type Emit = (chunk: Buffer) => void;

/** Plaintext in, ciphertext out: the header first, then each segment once the next byte (or the end) is seen. */
class Encrypter {
  readonly #cipher: SegmentCipher;
  readonly #pending = new ByteQueue();
  #index = 0;
  #headerSent = false;

  constructor(cipher: SegmentCipher) {
    this.#cipher = cipher;
  }

  write(chunk: Uint8Array, emit: Emit): void {
    this.#sendHeader(emit);
    this.#pending.push(chunk);
    const params = this.#cipher.params;
    // Strictly more than a segment's worth: the segment is known not to be the last one.
    while (this.#pending.length > plaintextSegmentSize(this.#index, params)) {
      this.#seal(this.#pending.take(plaintextSegmentSize(this.#index, params)), false, emit);
    }
  }

  end(emit: Emit): void {
    this.#sendHeader(emit);
    this.#seal(this.#pending.take(this.#pending.length), true, emit);
  }

  #sendHeader(emit: Emit): void {
    if (this.#headerSent) return;
    this.#headerSent = true;
    emit(Buffer.from(this.#cipher.header)); // downstream may reuse the chunk it is given
  }

  #seal(plaintext: Buffer[], isLast: boolean, emit: Emit): void {
    for (const piece of this.#cipher.encryptSegment(this.#index, isLast, plaintext)) {
      if (piece.length > 0) emit(piece);
    }
    this.#index++;
  }
}

/** Ciphertext in, verified plaintext out: a segment's plaintext is emitted only after its tag verified. */
class Decrypter {
  readonly #key: Uint8Array;
  readonly #associatedData: Uint8Array;
  readonly #params: StreamingAeadParams;
  readonly #pending = new ByteQueue();
  #cipher: SegmentCipher | undefined;
  #index = 0;

  constructor(key: Uint8Array, associatedData: Uint8Array, params: StreamingAeadParams) {
    assertParams(params);
    if (key.length !== params.keySize) throw new RangeError(`the key must be ${params.keySize} bytes`);
    this.#key = key;
    this.#associatedData = associatedData;
    this.#params = params;
  }

  write(chunk: Uint8Array, emit: Emit): void {
    this.#pending.push(chunk);
    const cipher = this.#readHeader();
    if (!cipher) return;
    while (this.#pending.length > this.#segmentLength()) {
      this.#open(cipher, this.#segmentLength(), false, emit);
    }
  }

  end(emit: Emit): void {
    const cipher = this.#readHeader();
    if (!cipher) throw new IntegrityError('the streaming ciphertext is shorter than its header');
    const rest = this.#pending.length;
    if (rest < TAG_BYTES) throw new IntegrityError('the streaming ciphertext is truncated');
    this.#open(cipher, rest, true, emit);
  }

  /** Ciphertext bytes (tag included) of the current segment when it is not the last one. */
  #segmentLength(): number {
    return plaintextSegmentSize(this.#index, this.#params) + TAG_BYTES;
  }

  #readHeader(): SegmentCipher | undefined {
    if (this.#cipher) return this.#cipher;
    const length = headerLength(this.#params);
    if (this.#pending.length < length) return undefined;
    const header = this.#pending.takeContiguous(length);
    this.#cipher = SegmentCipher.fromHeader(this.#key, this.#associatedData, header, this.#params);
    return this.#cipher;
  }

  #open(cipher: SegmentCipher, length: number, isLast: boolean, emit: Emit): void {
    const body = this.#pending.take(length - TAG_BYTES);
    const tag = this.#pending.takeContiguous(TAG_BYTES);
    for (const piece of cipher.decryptPieces(this.#index, isLast, body, tag)) {
      if (piece.length > 0) emit(piece);
    }
    this.#index++;
  }
}

/** Node Transform over an Encrypter/Decrypter; errors (IntegrityError included) destroy the stream. */
class SegmentTransform extends Transform {
  readonly #core: Encrypter | Decrypter;

  constructor(core: Encrypter | Decrypter) {
    super();
    this.#core = core;
  }

  override _transform(chunk: unknown, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      if (!(chunk instanceof Uint8Array)) {
        throw new TypeError('streaming AEAD streams take bytes, not strings');
      }
      this.#core.write(chunk, (out) => this.push(out));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#core.end((out) => this.push(out));
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }
}

/**
 * A Transform that encrypts the bytes written to it: it emits the header, then each segment. The stream key comes
 * from `key` (params.keySize bytes, e.g. a per-version DEK), a fresh random salt and `associatedData`, which
 * the decrypter must present again (it is not stored in the ciphertext). Throws RangeError at once for a key or
 * parameters Tink would refuse.
 */
export function encryptStream(
  key: Uint8Array,
  associatedData: Uint8Array,
  params: StreamingAeadParams,
): Transform {
  return new SegmentTransform(new Encrypter(SegmentCipher.create(key, associatedData, params)));
}

/**
 * A Transform that decrypts a streaming ciphertext. Each segment's plaintext is pushed only after the segment
 * authenticated; any failure (wrong key or associated data, modified, reordered, duplicated, missing or extra
 * bytes, truncation, empty input) destroys the stream with an IntegrityError. Plaintext pushed before the error
 * came from authentic segments, but the ciphertext as a whole was not: consumers must discard everything on error.
 */
export function decryptStream(
  key: Uint8Array,
  associatedData: Uint8Array,
  params: StreamingAeadParams,
): Transform {
  return new SegmentTransform(new Decrypter(key, associatedData, params));
}

/** Encrypts a whole buffer (small payloads, tests). */
export function encrypt(
  key: Uint8Array,
  plaintext: Uint8Array,
  associatedData: Uint8Array,
  params: StreamingAeadParams,
): Buffer {
  return encryptWith(SegmentCipher.create(key, associatedData, params), plaintext);
}

/** Encrypts with a given cipher (known-answer tests fix its salt and nonce prefix); not exported by the package. */
export function encryptWith(cipher: SegmentCipher, plaintext: Uint8Array): Buffer {
  const out: Buffer[] = [];
  const encrypter = new Encrypter(cipher);
  encrypter.write(plaintext, (chunk) => out.push(chunk));
  encrypter.end((chunk) => out.push(chunk));
  return Buffer.concat(out);
}

/** Decrypts a whole buffer; IntegrityError if any part of it fails authentication. */
export function decrypt(
  key: Uint8Array,
  ciphertext: Uint8Array,
  associatedData: Uint8Array,
  params: StreamingAeadParams,
): Buffer {
  const out: Buffer[] = [];
  const decrypter = new Decrypter(key, associatedData, params);
  decrypter.write(ciphertext, (chunk) => out.push(chunk));
  decrypter.end((chunk) => out.push(chunk));
  return Buffer.concat(out);
}

/**
 * Reads a ciphertext header (its first headerLength(params) bytes) for random access: the result decrypts single
 * segments with `decryptSegment`. IntegrityError if the header is malformed; a wrong key or associated data only
 * shows when a segment fails.
 */
export function readHeader(
  key: Uint8Array,
  associatedData: Uint8Array,
  header: Uint8Array,
  params: StreamingAeadParams,
): SegmentCipher {
  return SegmentCipher.fromHeader(key, associatedData, header, params);
}

/**
 * Decrypts segment `index` (its GCM ciphertext and tag, as located by segmentRange/locateSegment). `isLast` must be
 * true exactly for the ciphertext's final segment. IntegrityError unless the segment authenticates.
 */
export function decryptSegment(
  cipher: SegmentCipher,
  index: number,
  isLast: boolean,
  ciphertextSegment: Uint8Array,
): Buffer {
  return cipher.decryptSegment(index, isLast, ciphertextSegment);
}

/** Reads bytes [start, end) of a stored ciphertext. */
export type ReadCiphertextRange = (start: number, end: number) => Promise<Uint8Array>;

/**
 * Decrypts plaintext bytes [plaintextOffset, plaintextOffset + length) of a stored ciphertext of `ciphertextSize`
 * bytes, reading only the header and the segments that cover the range (two reads at most; one when the range
 * starts in segment 0).
 */
export async function decryptRange(
  key: Uint8Array,
  associatedData: Uint8Array,
  params: StreamingAeadParams,
  ciphertextSize: number,
  plaintextOffset: number,
  length: number,
  read: ReadCiphertextRange,
): Promise<Buffer> {
  const range = segmentRange(plaintextOffset, length, ciphertextSize, params);
  const header = headerLength(params);
  if (range.segments.length === 0) {
    readHeader(key, associatedData, await readExactly(read, 0, header), params);
    return Buffer.alloc(0);
  }
  // Segment 0 follows the header directly: one read covers both.
  const start = range.ciphertextStart === header ? 0 : range.ciphertextStart;
  const bytes = await readExactly(read, start, range.ciphertextEnd);
  const headerBytes = start === 0 ? bytes.subarray(0, header) : await readExactly(read, 0, header);
  const cipher = readHeader(key, associatedData, headerBytes, params);
  const plaintext = range.segments.map((segment) =>
    cipher.decryptSegment(
      segment.index,
      segment.isLast,
      bytes.subarray(segment.ciphertextStart - start, segment.ciphertextEnd - start),
    ),
  );
  const firstStart = range.segments[0]!.plaintextStart;
  const joined = plaintext.length === 1 ? plaintext[0]! : Buffer.concat(plaintext);
  return joined.subarray(plaintextOffset - firstStart, plaintextOffset - firstStart + length);
}

async function readExactly(read: ReadCiphertextRange, start: number, end: number): Promise<Buffer> {
  const bytes = await read(start, end);
  if (bytes.length !== end - start) {
    throw new IntegrityError('the stored ciphertext is shorter than expected');
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
