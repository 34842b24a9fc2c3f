import { Inject, Injectable } from '@nestjs/common';
import { Db, type UploadModel } from '@arca/api-db';

/** Staged uploads and their encrypted segments. */
@Injectable()
export class BlobsRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  async createUpload(
    tenantId: string,
    data: {
      id: string;
      modelId: string;
      tokenHash: Uint8Array;
      declaredSize: number;
      header: Uint8Array;
      parentVersionId: string | null;
      createdById: string;
      apiKeyId: string | null;
      expiresAt: Date;
    },
  ): Promise<UploadModel> {
    return this.db.tx(tenantId).upload.create({
      data: {
        ...data,
        tenantId,
        tokenHash: new Uint8Array(data.tokenHash),
        header: new Uint8Array(data.header),
        declaredSize: BigInt(data.declaredSize),
      },
    });
  }

  openUploads(tenantId: string): Promise<number> {
    return this.db
      .tx(tenantId)
      .upload.count({ where: { tenantId, state: 'open', expiresAt: { gt: new Date() } } });
  }

  upload(tenantId: string, id: string): Promise<UploadModel | null> {
    return this.db.tx(tenantId).upload.findFirst({ where: { tenantId, id } });
  }

  /** The upload row, locked until the transaction ends (finalize and abort serialise on it). */
  async uploadForUpdate(tenantId: string, id: string): Promise<UploadModel | null> {
    const rows = await this.db.sql<{ id: string }>(tenantId, {
      text: 'SELECT id FROM uploads WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
      values: [tenantId, id],
    });
    return rows[0] ? this.upload(tenantId, id) : null;
  }

  /** Tenant and id of the upload whose token hashes to `tokenHash` (inside a secret-lookup scope). */
  async uploadByToken(tokenHash: Uint8Array): Promise<{ id: string; tenantId: string } | null> {
    return this.db.currentTx().upload.findUnique({
      where: { tokenHash: new Uint8Array(tokenHash) },
      select: { id: true, tenantId: true },
    });
  }

  /**
   * Stores segment `idx` and advances the upload to `receivedSize`, only if nothing else advanced it meanwhile
   * (a concurrent PUT to the same upload loses instead of interleaving). Returns false when it lost.
   */
  async appendSegment(
    tenantId: string,
    uploadId: string,
    idx: number,
    ciphertext: Buffer,
    receivedSize: number,
  ): Promise<boolean> {
    const advanced = await this.db.sql(tenantId, {
      text: `UPDATE uploads SET received_size = $4, segments_written = $3 + 1
              WHERE tenant_id = $1 AND id = $2 AND state = 'open' AND segments_written = $3
                AND expires_at > now() RETURNING id`,
      values: [tenantId, uploadId, idx, receivedSize],
    });
    if (advanced.length !== 1) return false;
    await this.db.sql(tenantId, {
      name: 'arca_blob_segment_insert',
      text: 'INSERT INTO blob_segments (blob_id, idx, tenant_id, ciphertext) VALUES ($1, $2, $3, $4)',
      values: [uploadId, idx, tenantId, ciphertext],
    });
    return true;
  }

  /** Segments [from, to) of a blob, in order. */
  async segments(
    tenantId: string,
    blobId: string,
    from: number,
    to: number,
  ): Promise<{ idx: number; ciphertext: Buffer }[]> {
    return this.db.sql<{ idx: number; ciphertext: Buffer }>(tenantId, {
      name: 'arca_blob_segments_read',
      text: `SELECT idx, ciphertext FROM blob_segments
              WHERE tenant_id = $1 AND blob_id = $2 AND idx >= $3 AND idx < $4 ORDER BY idx`,
      values: [tenantId, blobId, from, to],
    });
  }

  async setUploadState(tenantId: string, id: string, state: 'finalized' | 'aborted'): Promise<void> {
    await this.db.tx(tenantId).upload.update({
      where: { id },
      data: { state, ...(state === 'finalized' ? { finalizedAt: new Date() } : {}) },
    });
  }

  async deleteSegments(tenantId: string, blobId: string): Promise<void> {
    await this.db.sql(tenantId, {
      text: 'DELETE FROM blob_segments WHERE tenant_id = $1 AND blob_id = $2',
      values: [tenantId, blobId],
    });
  }
}
