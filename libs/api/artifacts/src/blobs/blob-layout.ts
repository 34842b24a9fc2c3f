import {
  AES256_GCM_HKDF_1MB,
  IntegrityError,
  ciphertextSize,
  locateSegment,
  plaintextSegmentSize,
  segmentCount,
  type SegmentCipher,
  type SegmentLocation,
} from '@arca/crypto';

/** Every blob uses Tink's AES256_GCM_HKDF_1MB: 1 MiB ciphertext segments, 32-byte derived keys, HKDF-SHA256. */
export const BLOB_PARAMS = AES256_GCM_HKDF_1MB;
export const BLOB_ALGORITHM = 'AES256_GCM_HKDF_1MB';

/** Where each segment of a blob of `size` plaintext bytes lies. */
export class BlobLayout {
  readonly ciphertextSize: number;
  readonly count: number;

  constructor(readonly size: number) {
    this.ciphertextSize = ciphertextSize(size, BLOB_PARAMS);
    this.count = segmentCount(this.ciphertextSize, BLOB_PARAMS);
  }

  segment(index: number): SegmentLocation {
    return locateSegment(index, this.ciphertextSize, BLOB_PARAMS);
  }

  /** Index of the segment holding plaintext byte `offset` (offset < size). */
  segmentAt(offset: number): number {
    const first = this.segment(0).plaintextEnd;
    if (offset < first) return 0;
    return 1 + Math.floor((offset - first) / plaintextSegmentSize(1, BLOB_PARAMS));
  }
}

/** Reads stored segments [from, to) of a blob. */
export type SegmentSource = (from: number, to: number) => Promise<{ idx: number; ciphertext: Buffer }[]>;

const READ_BATCH = 4;

/**
 * Decrypts segments [from, to) in order, yielding each segment's plaintext only after its tag verified. A missing,
 * reordered, resized, moved or altered segment raises IntegrityError before any of its bytes are released.
 */
export async function* decryptSegments(
  cipher: SegmentCipher,
  layout: BlobLayout,
  read: SegmentSource,
  from = 0,
  to = layout.count,
): AsyncGenerator<Buffer> {
  const batch = (start: number) => read(start, Math.min(start + READ_BATCH, to));
  // One batch read ahead: the next segments travel from Postgres while these are decrypted and sent.
  let next = from < to ? batch(from) : null;
  for (let start = from; start < to; start += READ_BATCH) {
    const rows = await next!;
    const end = Math.min(start + READ_BATCH, to);
    next = end < to ? batch(end) : null;
    next?.catch(() => undefined); // surfaced when awaited; never an unhandled rejection if we stop early
    for (let index = start; index < end; index++) {
      const row = rows[index - start];
      if (!row || row.idx !== index) throw new IntegrityError(`segment ${index} is missing`);
      const at = layout.segment(index);
      if (row.ciphertext.length !== at.ciphertextEnd - at.ciphertextStart) {
        throw new IntegrityError(`segment ${index} has the wrong length`);
      }
      yield cipher.decryptSegment(index, at.isLast, row.ciphertext);
    }
  }
}
