import { Inject, Injectable } from '@nestjs/common';
import { Db, type UploadModel } from '@arca/api-db';
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
    const { upload, cipher } = await this.db.tenantTransaction(tenantId, async () => {
      const upload = await this.blobs.upload(tenantId, blobId);
      if (!upload) throw new Error(`blob ${blobId} does not exist`);
      return { upload, cipher: await this.cipher(upload) }; // joins this transaction
    });
    const layout = new BlobLayout(Number(upload.declaredSize));
    const read = (from: number, to: number) =>
      this.db.tenantTransaction(tenantId, () => this.blobs.segments(tenantId, blobId, from, to));
    return {
      modelId: upload.modelId,
      layout,
      segments: (from = 0, to = layout.count) => decryptSegments(cipher, layout, read, from, to),
    };
  }

  /** The segment cipher of an upload's blob (its DEK unwrapped, used, and wiped from memory). */
  async cipher(upload: UploadModel): Promise<SegmentCipher> {
    const { tenantId, modelId, id } = upload;
    const dek = await this.db.tenantTransaction(tenantId, () => this.keys.blobKey(tenantId, modelId, id));
    try {
      return SegmentCipher.fromHeader(dek, blobContext(tenantId, modelId, id), upload.header, BLOB_PARAMS);
    } finally {
      dek.fill(0);
    }
  }
}
