import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Permission } from '@arca/contracts';
import { Db, type UploadModel } from '@arca/api-db';
import {
  ARCA_CONFIG,
  badInput,
  failedPrecondition,
  type ArcaConfig,
  type TenantContext,
} from '@arca/api-core';
import { AuditLog } from '@arca/api-audit';
import { TokenHasher } from '@arca/api-identity';
import { JobQueue } from '@arca/api-jobs';
import { ModelsService } from '@arca/api-models';
import { ByteQueue, SegmentCipher } from '@arca/crypto';
import { BLOB_PARAMS, BlobLayout } from '../blobs/blob-layout.js';
import { BlobStore } from '../blobs/blob-store.js';
import { BlobsRepository } from '../blobs/blobs.repository.js';
import { EXPIRE_QUEUE, type ExpireJob } from '../jobs/queues.js';
import { blobContext } from '../keys/key-context.js';
import { KeyHierarchy } from '../keys/key-hierarchy.service.js';
import { VersionsService } from '../versions/versions.service.js';
import { linkGone, uploadTooLong, wrongOffset } from '../artifacts.errors.js';
import { UPLOAD_TOKEN_PREFIX, isLinkToken, newLinkToken } from './upload-tokens.js';

/** Unfinished uploads a tenant may have at once (each holds up to 2 GiB of ciphertext until it expires). */
export const MAX_OPEN_UPLOADS = 100;

export interface CreatedUpload {
  upload: UploadModel;
  token: string;
}

interface InFlightPut {
  superseded: boolean;
  done: Promise<void>;
  supersede(): void;
}

export interface UploadProgress {
  uploadId: string;
  receivedSize: number;
  declaredSize: number;
  complete: boolean;
}

/**
 * Staged uploads: createUpload fixes the size and the blob's key; PUTs stream the body, sealing and committing one
 * 1 MiB segment at a time (so a broken connection loses at most the segment in flight and the client resumes at
 * `receivedSize`); finalize turns a complete upload into a version.
 */
@Injectable()
export class UploadsService {
  /** PUTs streaming on this replica, by upload id (see receive). */
  private readonly inFlight = new Map<string, InFlightPut>();

  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(BlobsRepository) private readonly blobs: BlobsRepository,
    @Inject(BlobStore) private readonly store: BlobStore,
    @Inject(VersionsService) private readonly versionAccess: VersionsService,
    @Inject(KeyHierarchy) private readonly keys: KeyHierarchy,
    @Inject(ModelsService) private readonly models: ModelsService,
    @Inject(TokenHasher) private readonly hasher: TokenHasher,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(ARCA_CONFIG) private readonly config: ArcaConfig,
    @Inject(JobQueue) private readonly jobs: JobQueue,
  ) {}

  async create(
    ctx: TenantContext,
    input: { modelId: string; sizeBytes: number; parentVersionId?: string | null },
  ): Promise<CreatedUpload> {
    const max = this.config.artifacts.uploadMaxBytes;
    if (!Number.isSafeInteger(input.sizeBytes) || input.sizeBytes < 0 || input.sizeBytes > max) {
      throw badInput(`sizeBytes must be an integer from 0 to ${max}`, { field: 'sizeBytes', max });
    }
    const token = newLinkToken(UPLOAD_TOKEN_PREFIX);
    const id = randomUUID();
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const model = await this.models.authorize(ctx, input.modelId, Permission.VersionsUpload);
      if (model.archivedAt) throw failedPrecondition('the model is archived');
      if (input.parentVersionId) {
        // NOT_FOUND like any version the caller cannot see (grants and API-key model restrictions apply).
        await this.versionAccess.require(ctx, input.parentVersionId, Permission.ModelsRead);
      }
      if ((await this.blobs.openUploads(ctx.tenantId)) >= MAX_OPEN_UPLOADS) {
        throw failedPrecondition(
          `the tenant has ${MAX_OPEN_UPLOADS} unfinished uploads: finalize or abort some, or let them expire`,
        );
      }
      const dek = this.keys.newDek();
      try {
        const header = SegmentCipher.create(dek, blobContext(ctx.tenantId, model.id, id), BLOB_PARAMS).header;
        const upload = await this.blobs.createUpload(ctx.tenantId, {
          id,
          modelId: model.id,
          tokenHash: this.hasher.hash(token),
          declaredSize: input.sizeBytes,
          header,
          parentVersionId: input.parentVersionId ?? null,
          createdById: ctx.userId,
          apiKeyId: ctx.apiKeyId ?? null,
          expiresAt: new Date(Date.now() + this.config.artifacts.uploadTtlSeconds * 1000),
        });
        await this.keys.storeBlobKey(ctx.tenantId, model.id, id, dek); // references the upload row
        await this.jobs.send<ExpireJob>(
          EXPIRE_QUEUE,
          { tenantId: ctx.tenantId, uploadId: id },
          { startAfter: this.config.artifacts.uploadTtlSeconds + 60, singletonKey: id },
        );
        await this.audit.record(ctx, {
          action: 'upload.create',
          resource: { type: 'upload', id },
          details: { modelId: model.id, sizeBytes: input.sizeBytes },
        });
        return { upload, token };
      } finally {
        dek.fill(0);
      }
    });
  }

  /** Status of the upload a token unlocks (for a client deciding where to resume). */
  async status(uploadId: string, token: string): Promise<UploadProgress> {
    const upload = await this.open(uploadId, token);
    return progress(upload);
  }

  /**
   * Appends `body`, which starts at byte `start` of the file. Each full segment is sealed and committed on its own;
   * bytes that do not complete a segment are dropped if the body ends early. `start` may lie before the stored end
   * (bytes the server already has are skipped) but not after it (CONFLICT with the offset to resume at).
   *
   * A newer PUT for the same upload supersedes one still streaming on this replica — typically from a client whose
   * connection broke and who reconnected before the server noticed: the old one stops after the segment it is
   * committing. Across replicas the compare-and-set in appendSegment keeps writers from interleaving.
   */
  async receive(
    uploadId: string,
    token: string,
    start: number,
    body: AsyncIterable<Uint8Array>,
  ): Promise<UploadProgress> {
    // Only a holder of this upload's token may stop the PUT in flight.
    await this.open(uploadId, token);
    const previous = this.inFlight.get(uploadId);
    if (previous) {
      previous.supersede();
      await previous.done;
    }
    let finish!: () => void;
    const entry: InFlightPut = {
      superseded: false,
      done: new Promise<void>((resolve) => (finish = resolve)),
      supersede: () => {
        entry.superseded = true;
        (body as { destroy?: () => void }).destroy?.();
      },
    };
    this.inFlight.set(uploadId, entry);
    try {
      return await this.append(uploadId, token, start, body, entry);
    } finally {
      if (this.inFlight.get(uploadId) === entry) this.inFlight.delete(uploadId);
      finish();
    }
  }

  private async append(
    uploadId: string,
    token: string,
    start: number,
    body: AsyncIterable<Uint8Array>,
    entry: InFlightPut,
  ): Promise<UploadProgress> {
    const upload = await this.open(uploadId, token);
    if (upload.state !== 'open') throw failedPrecondition(`the upload is ${upload.state}`);
    const tenantId = upload.tenantId;
    let offset = Number(upload.receivedSize);
    if (start > offset) throw wrongOffset(offset);
    let skip = offset - start;
    const declared = Number(upload.declaredSize);
    const layout = new BlobLayout(declared);
    const cipher = await this.store.cipher(upload);
    let index = upload.segmentsWritten;
    const queue = new ByteQueue();
    // One segment's INSERT may be in flight while the next one arrives from the network (double buffering);
    // `offset` only advances once a segment is committed.
    const pending: { commit: Promise<void> | null } = { commit: null };
    let sealedEnd = offset; // end of the last sealed segment, committed or in flight
    const commit = async (idx: number, sealed: Buffer, end: number): Promise<void> => {
      const stored = await this.db.tenantTransaction(tenantId, () =>
        this.blobs.appendSegment(tenantId, upload.id, idx, sealed, end),
      );
      if (!stored) throw wrongOffset(await this.storedOffset(tenantId, upload.id));
      offset = end;
    };
    const sealReady = async (): Promise<void> => {
      while (index < layout.count && !entry.superseded) {
        const at = layout.segment(index);
        const size = at.plaintextEnd - at.plaintextStart;
        if (queue.length < size) return;
        const sealed = Buffer.concat(cipher.encryptSegment(index, at.isLast, queue.take(size)));
        sealedEnd = at.plaintextEnd;
        await pending.commit;
        pending.commit = commit(index, sealed, at.plaintextEnd);
        pending.commit.catch(() => undefined); // awaited below or by the next segment
        index++;
      }
    };
    await sealReady(); // a 0-byte upload has one empty segment
    try {
      for await (const raw of body) {
        if (entry.superseded) break;
        let chunk = raw;
        if (skip > 0) {
          const dropped = Math.min(skip, chunk.length);
          skip -= dropped;
          chunk = chunk.subarray(dropped);
        }
        if (sealedEnd + queue.length + chunk.length > declared) throw uploadTooLong(declared);
        queue.push(chunk);
        await sealReady();
      }
    } catch (error) {
      if (!entry.superseded) {
        await pending.commit?.catch(() => undefined);
        throw error; // a superseded request's stream is destroyed on purpose
      }
    }
    await pending.commit;
    return progress({ ...upload, receivedSize: BigInt(offset), segmentsWritten: index });
  }

  /** Job: an upload still open after its link expired is aborted and its segments deleted. Idempotent. */
  async expire(tenantId: string, uploadId: string): Promise<void> {
    await this.db.tenantTransaction(tenantId, async () => {
      const upload = await this.blobs.uploadForUpdate(tenantId, uploadId);
      if (!upload || upload.state !== 'open' || upload.expiresAt.getTime() > Date.now()) return;
      await this.blobs.setUploadState(tenantId, uploadId, 'aborted');
      await this.blobs.deleteSegments(tenantId, uploadId);
      await this.audit.record(
        { tenantId, kind: 'system' },
        {
          action: 'upload.expire',
          resource: { type: 'upload', id: uploadId },
          details: { receivedSize: Number(upload.receivedSize), declaredSize: Number(upload.declaredSize) },
        },
      );
    });
  }

  /** Abandons an unfinished upload and deletes its segments. */
  async abort(ctx: TenantContext, uploadId: string): Promise<void> {
    await this.db.tenantTransaction(ctx.tenantId, async () => {
      const upload = await this.blobs.uploadForUpdate(ctx.tenantId, uploadId);
      if (!upload) throw linkGone('upload');
      await this.models.authorize(ctx, upload.modelId, Permission.VersionsUpload);
      if (upload.state !== 'open') throw failedPrecondition(`the upload is ${upload.state}`);
      await this.blobs.setUploadState(ctx.tenantId, uploadId, 'aborted');
      await this.blobs.deleteSegments(ctx.tenantId, uploadId);
      await this.audit.record(ctx, { action: 'upload.abort', resource: { type: 'upload', id: uploadId } });
    });
  }

  private async storedOffset(tenantId: string, uploadId: string): Promise<number> {
    const row = await this.db.tenantTransaction(tenantId, () => this.blobs.upload(tenantId, uploadId));
    return Number(row?.receivedSize ?? 0);
  }

  /** The upload `token` unlocks, if it is `uploadId` and has not expired. */
  private async open(uploadId: string, token: string): Promise<UploadModel> {
    if (!isLinkToken(token, UPLOAD_TOKEN_PREFIX)) throw linkGone('upload');
    const hash = this.hasher.hash(token);
    const found = await this.db.secretLookup(hash, () => this.blobs.uploadByToken(hash));
    if (!found || found.id !== uploadId) throw linkGone('upload');
    const upload = await this.db.tenantTransaction(found.tenantId, () =>
      this.blobs.upload(found.tenantId, uploadId),
    );
    if (!upload || upload.expiresAt.getTime() <= Date.now()) throw linkGone('upload');
    return upload;
  }
}

function progress(upload: UploadModel): UploadProgress {
  return {
    uploadId: upload.id,
    receivedSize: Number(upload.receivedSize),
    declaredSize: Number(upload.declaredSize),
    complete: upload.receivedSize === upload.declaredSize && upload.segmentsWritten > 0,
  };
}
