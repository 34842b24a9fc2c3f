import { Inject, Injectable } from '@nestjs/common';
import { Db } from '@arca/api-db';
import { SegmentCipher } from '@arca/crypto';
import { blobContext } from '../keys/key-context.js';
import { KeyHierarchy } from '../keys/key-hierarchy.service.js';
import { BLOB_PARAMS, BlobLayout, decryptSegments } from './blob-layout.js';
import { BlobsRepository } from './blobs.repository.js';

/** A stored blob ready to decrypt: its layout and a verified, segment-by-segment plaintext reader. */
export interface OpenBlob {
  readonly modelId: string;
  readonly layout: BlobLayout;
  /** Plaintext of segments [from, to); each segment is released only after its tag verified. */
  segments(from?: number, to?: number): AsyncGenerator<Buffer>;
}

/**
 * Reads encrypted blobs back. The DEK is unwrapped once per open (INTEGRITY_ERROR if any key layer fails) and
 * lives only inside the segment cipher; segments are fetched a few at a time, each in its own short transaction,
 * so memory stays O(segment) whatever the blob's size.
 */
@Injectable()
export class BlobStore {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(BlobsRepository) private readonly blobs: BlobsRepository,
    @Inject(KeyHierarchy) private readonly keys: KeyHierarchy,
  ) {}

  async open(tenantId: string, blobId: string): Promise<OpenBlob> {
    const { upload, dek } = await this.db.tenantTransaction(tenantId, async () => {
      const upload = await this.blobs.upload(tenantId, blobId);
      if (!upload) throw new Error(`blob ${blobId} does not exist`);
      return { upload, dek: await this.keys.blobKey(tenantId, upload.modelId, blobId) };
    });
    const context = blobContext(tenantId, upload.modelId, blobId);
    const cipher = SegmentCipher.fromHeader(dek, context, upload.header, BLOB_PARAMS);
    dek.fill(0);
    const layout = new BlobLayout(Number(upload.declaredSize));
    const read = (from: number, to: number) =>
      this.db.tenantTransaction(tenantId, () => this.blobs.segments(tenantId, blobId, from, to));
    return {
      modelId: upload.modelId,
      layout,
      segments: (from = 0, to = layout.count) => decryptSegments(cipher, layout, read, from, to),
    };
  }
}
