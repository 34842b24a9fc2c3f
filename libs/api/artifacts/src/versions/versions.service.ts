import { Inject, Injectable } from '@nestjs/common';
import { Permission, WebhookEvent } from '@arca/contracts';
import { Db, type ModelVersionModel } from '@arca/api-db';
import {
  ARCA_CONFIG,
  badInput,
  failedPrecondition,
  notFound,
  pageSize,
  slicePage,
  type ArcaConfig,
  type TenantContext,
} from '@arca/api-core';
import { AuditLog } from '@arca/api-audit';
import { JobQueue } from '@arca/api-jobs';
import { WebhookEvents } from '@arca/api-webhooks';
import { ModelsService, normalizeTags } from '@arca/api-models';
import { BlobsRepository } from '../blobs/blobs.repository.js';
import { VALIDATE_QUEUE, type ValidateJob } from '../jobs/queues.js';
import { ValidationService } from './validation.service.js';
import { VersionsRepository, type VersionSearch } from './versions.repository.js';

/** Models up to this size are validated within finalizeUpload; larger ones by a background job. */
export const INLINE_VALIDATION_MAX_BYTES = 256 * 1024 * 1024;

export interface VersionListArgs extends Partial<VersionSearch> {
  first?: number | null;
  after?: string | null;
}

/** A version reference as users write it: `latest`, a number (`3`, `v3`) or an alias name. */
export type VersionRef =
  { kind: 'latest' } | { kind: 'number'; number: number } | { kind: 'alias'; alias: string };

export function parseVersionRef(ref: string | null | undefined): VersionRef {
  const r = (ref ?? 'latest').trim();
  if (r === '' || r === 'latest') return { kind: 'latest' };
  const n = /^v?(\d{1,9})$/i.exec(r);
  if (n) return { kind: 'number', number: Number(n[1]) };
  if (!/^[a-z][a-z0-9._-]{0,63}$/.test(r)) throw badInput('invalid version reference', { field: 'ref' });
  return { kind: 'alias', alias: r };
}

@Injectable()
export class VersionsService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(VersionsRepository) private readonly versions: VersionsRepository,
    @Inject(BlobsRepository) private readonly blobs: BlobsRepository,
    @Inject(ModelsService) private readonly models: ModelsService,
    @Inject(ValidationService) private readonly validation: ValidationService,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(WebhookEvents) private readonly webhooks: WebhookEvents,
    @Inject(JobQueue) private readonly jobs: JobQueue,
    @Inject(ARCA_CONFIG) private readonly config: ArcaConfig,
  ) {}

  /**
   * Turns a complete upload into the model's next version (numbered under a lock on the model) and validates it.
   * Finalizing an already finalized upload returns its version, so a client can retry after a lost response.
   */
  async finalize(
    ctx: TenantContext,
    uploadId: string,
    input: { description?: string; tags?: string[] },
  ): Promise<ModelVersionModel> {
    const tags = normalizeTags(input.tags ?? []);
    const result = await this.db.tenantTransaction(ctx.tenantId, async () => {
      const upload = await this.blobs.uploadForUpdate(ctx.tenantId, uploadId);
      if (!upload) throw notFound('upload');
      await this.models.authorize(ctx, upload.modelId, Permission.VersionsUpload);
      if (upload.state === 'finalized') {
        return { version: (await this.versions.find(ctx.tenantId, uploadId))!, created: false };
      }
      if (upload.state !== 'open') throw failedPrecondition(`the upload is ${upload.state}`);
      if (upload.expiresAt.getTime() <= Date.now()) throw failedPrecondition('the upload expired');
      if (upload.receivedSize !== upload.declaredSize || upload.segmentsWritten === 0) {
        throw failedPrecondition(
          `the upload is incomplete: ${upload.receivedSize} of ${upload.declaredSize} bytes received`,
        );
      }
      const number = await this.versions.nextNumber(ctx.tenantId, upload.modelId);
      const created = await this.versions.create(ctx.tenantId, {
        id: upload.id,
        modelId: upload.modelId,
        number,
        sizeBytes: upload.declaredSize,
        parentVersionId: upload.parentVersionId,
        description: input.description ?? '',
        tags,
        createdById: upload.createdById,
      });
      await this.blobs.setUploadState(ctx.tenantId, uploadId, 'finalized');
      await this.audit.record(ctx, {
        action: 'model_version.create',
        resource: { type: 'model_version', id: created.id },
        details: { modelId: created.modelId, number, sizeBytes: Number(created.sizeBytes) },
      });
      await this.webhooks.emit(ctx, {
        type: WebhookEvent.VersionCreated,
        data: {
          modelId: created.modelId,
          versionId: created.id,
          number,
          sizeBytes: Number(created.sizeBytes),
        },
      });
      // Committed with the version: validation survives a crash of this process. Small models are validated
      // right away below, and the job (delayed past that attempt) then finds nothing to do.
      const inline = created.sizeBytes <= BigInt(INLINE_VALIDATION_MAX_BYTES);
      await this.jobs.send<ValidateJob>(
        VALIDATE_QUEUE,
        { tenantId: ctx.tenantId, versionId: created.id },
        {
          singletonKey: created.id,
          ...(inline ? { startAfter: Math.ceil(this.config.artifacts.validationTimeoutMs / 1000) + 60 } : {}),
        },
      );
      return { version: created, created: true };
    });
    // A retried finalize returns the version as it is: the request that created it (or the job) validates it.
    if (!result.created || result.version.sizeBytes > BigInt(INLINE_VALIDATION_MAX_BYTES)) {
      return result.version;
    }
    return this.validation.validate(ctx.tenantId, result.version.id);
  }

  async get(ctx: TenantContext, id: string): Promise<ModelVersionModel> {
    return this.db.tenantTransaction(ctx.tenantId, () => this.require(ctx, id, Permission.ModelsRead));
  }

  /** A version of a model (by id or name) by reference: `latest` ready version, a number, or an alias. */
  async resolve(ctx: TenantContext, model: string, ref?: string | null): Promise<ModelVersionModel> {
    const parsed = parseVersionRef(ref);
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const m = await this.models.authorizeByRef(ctx, model, Permission.ModelsRead);
      const found =
        parsed.kind === 'latest'
          ? await this.versions.latestReady(ctx.tenantId, m.id)
          : parsed.kind === 'number'
            ? await this.versions.byNumber(ctx.tenantId, m.id, parsed.number)
            : await this.versions.byAlias(ctx.tenantId, m.id, parsed.alias);
      if (!found) throw notFound('model version');
      return found;
    });
  }

  async list(
    ctx: TenantContext,
    modelId: string,
    args: VersionListArgs,
  ): Promise<{ rows: { row: ModelVersionModel; cursor: string }[]; hasNextPage: boolean }> {
    const size = pageSize(args.first);
    const before = args.after === null || args.after === undefined ? undefined : decodeCursor(args.after);
    const rows = await this.db.tenantTransaction(ctx.tenantId, async () => {
      await this.models.authorize(ctx, modelId, Permission.ModelsRead);
      return this.versions.page(
        ctx.tenantId,
        modelId,
        {
          state: args.state,
          tags: args.tags ? normalizeTags(args.tags) : undefined,
          query: args.query?.trim() || undefined,
          includeArchived: args.includeArchived ?? false,
        },
        size + 1,
        before,
      );
    });
    const { page, hasNextPage } = slicePage(rows, size);
    return { rows: page.map((row) => ({ row, cursor: encodeCursor(row.number) })), hasNextPage };
  }

  /** The version if the principal holds `permission` on its model; NOT_FOUND if they cannot see it. */
  async require(ctx: TenantContext, id: string, permission: Permission): Promise<ModelVersionModel> {
    const version = await this.versions.find(ctx.tenantId, id);
    if (!version) throw notFound('model version');
    try {
      await this.models.authorize(ctx, version.modelId, permission);
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'NOT_FOUND') {
        throw notFound('model version');
      }
      throw error;
    }
    return version;
  }
}

const encodeCursor = (number: number): string => Buffer.from(`v:${number}`).toString('base64url');

function decodeCursor(cursor: string): number {
  const m = /^v:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw badInput('invalid cursor', { field: 'after' });
  return Number(m[1]);
}
