import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, Permission } from '@arca/contracts';
import { Db, type DownloadGrantModel, type ModelVersionModel } from '@arca/api-db';
import {
  ARCA_CONFIG,
  DomainError,
  LOGGER,
  failedPrecondition,
  type ArcaConfig,
  type Logger,
  type TenantContext,
} from '@arca/api-core';
import { AuditLog } from '@arca/api-audit';
import { TokenHasher } from '@arca/api-identity';
import type { BlobLayout } from '../blobs/blob-layout.js';
import { BlobStore, type OpenBlob } from '../blobs/blob-store.js';
import { isIntegrityFailure, linkGone } from '../artifacts.errors.js';
import { DOWNLOAD_TOKEN_PREFIX, isLinkToken, newLinkToken } from '../uploads/upload-tokens.js';
import { VersionsService } from '../versions/versions.service.js';
import { VersionsRepository } from '../versions/versions.repository.js';
import { parseRange, type ByteRange } from './byte-range.js';
import { DownloadsRepository } from './downloads.repository.js';

export interface DownloadResponse {
  status: 200 | 206 | 416;
  headers: Record<string, string>;
  body: AsyncIterable<Buffer> | null;
}

/** Requests one grant may serve (the first and its resumptions); a replayed link cannot be used for ever. */
export const MAX_REQUESTS_PER_GRANT = 16;
/** How long a request holds its grant if the process dies before releasing it. */
const LEASE_SECONDS = 900;

export type GrantState = 'active' | 'completed' | 'expired' | 'failed';

/**
 * Raw downloads: a one-time, short-lived grant (audited when issued) unlocks `GET /v1/downloads/:token`, which
 * decrypts segment by segment and releases a segment's bytes only after its tag verified. One request at a time
 * holds a grant (a lease), at most MAX_REQUESTS_PER_GRANT in all. A failure before the
 * first byte answers INTEGRITY_ERROR; one mid-stream cuts the connection and marks the grant failed, which the
 * client reads from the grant's status.
 */
@Injectable()
export class DownloadsService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(DownloadsRepository) private readonly grants: DownloadsRepository,
    @Inject(VersionsService) private readonly versionsService: VersionsService,
    @Inject(VersionsRepository) private readonly versions: VersionsRepository,
    @Inject(BlobStore) private readonly store: BlobStore,
    @Inject(TokenHasher) private readonly hasher: TokenHasher,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(ARCA_CONFIG) private readonly config: ArcaConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async createGrant(
    ctx: TenantContext,
    versionId: string,
  ): Promise<{ grant: DownloadGrantModel; token: string; version: ModelVersionModel }> {
    const token = newLinkToken(DOWNLOAD_TOKEN_PREFIX);
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const version = await this.versionsService.require(ctx, versionId, Permission.VersionsDownloadRaw);
      if (version.state !== 'ready') throw failedPrecondition(`the version is ${version.state}`);
      if (version.archivedAt) throw failedPrecondition('the version is archived');
      const grant = await this.grants.create(ctx.tenantId, {
        versionId,
        tokenHash: this.hasher.hash(token),
        createdById: ctx.userId,
        apiKeyId: ctx.apiKeyId ?? null,
        expiresAt: new Date(Date.now() + this.config.artifacts.downloadTtlSeconds * 1000),
      });
      await this.audit.record(ctx, {
        action: 'model_version.download',
        resource: { type: 'model_version', id: versionId },
        details: {
          grantId: grant.id,
          modelId: version.modelId,
          number: version.number,
          sizeBytes: Number(version.sizeBytes),
          fingerprinted: false,
        },
      });
      return { grant, token, version };
    });
  }

  async status(token: string): Promise<{ state: GrantState; failureCode: string | null }> {
    const { tenantId, id } = await this.lookup(token);
    const grant = await this.db.tenantTransaction(tenantId, () => this.grants.find(tenantId, id));
    if (!grant) throw linkGone('download');
    const state: GrantState = grant.failureCode
      ? 'failed'
      : grant.completedAt
        ? 'completed'
        : grant.expiresAt.getTime() <= Date.now()
          ? 'expired'
          : 'active';
    return { state, failureCode: grant.failureCode };
  }

  async open(token: string, rangeHeader: string | undefined): Promise<DownloadResponse> {
    const { tenantId, id } = await this.lookup(token);
    const { grant, version } = await this.db.tenantTransaction(tenantId, async () => {
      const grant = await this.grants.claim(tenantId, id, MAX_REQUESTS_PER_GRANT, LEASE_SECONDS);
      if (!grant) throw linkGone('download');
      return { grant, version: (await this.versions.find(tenantId, grant.versionId))! };
    });
    try {
      return await this.respond(grant, version, rangeHeader);
    } catch (error) {
      await this.release(grant);
      throw error;
    }
  }

  private async respond(
    grant: DownloadGrantModel,
    version: ModelVersionModel,
    rangeHeader: string | undefined,
  ): Promise<DownloadResponse> {
    const tenantId = grant.tenantId;
    const size = Number(version.sizeBytes);
    const sha256 = Buffer.from(version.sha256!).toString('hex');
    const headers: Record<string, string> = {
      'content-type': 'application/octet-stream',
      'accept-ranges': 'bytes',
      'content-disposition': `attachment; filename="model-v${version.number}.onnx"`,
      'x-arca-sha256': sha256,
      etag: `"${sha256}"`,
    };
    const range = parseRange(rangeHeader, size);
    if (range.kind === 'unsatisfiable') {
      await this.release(grant);
      return { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` }, body: null };
    }
    const span: ByteRange = range.kind === 'partial' ? range.range : { start: 0, end: size };
    // Open the blob and verify the first segment before any header goes out: most failures answer
    // INTEGRITY_ERROR cleanly; a later one cuts the stream (see body()).
    let blob: OpenBlob;
    let segments: AsyncGenerator<Buffer>;
    let first: IteratorResult<Buffer>;
    let second: IteratorResult<Buffer>;
    let from: number;
    try {
      blob = await this.store.open(tenantId, version.id);
      from = size === 0 ? 0 : blob.layout.segmentAt(span.start);
      const to = size === 0 ? 1 : blob.layout.segmentAt(span.end - 1) + 1;
      segments = blob.segments(from, to);
      first = await segments.next();
      second = await segments.next(); // the body sends a segment only once the next one verified
    } catch (error) {
      if (!isIntegrityFailure(error)) throw error;
      await this.recordFailure(grant, version);
      throw new DomainError(ErrorCode.IntegrityError, 'the stored model failed to authenticate');
    }
    headers['content-length'] = String(span.end - span.start);
    if (range.kind === 'partial') headers['content-range'] = `bytes ${span.start}-${span.end - 1}/${size}`;
    return {
      status: range.kind === 'partial' ? 206 : 200,
      headers,
      body: this.body([first, second], segments, blob.layout, from, span, grant, version),
    };
  }

  private async *body(
    [first, second]: [IteratorResult<Buffer>, IteratorResult<Buffer>],
    rest: AsyncGenerator<Buffer>,
    layout: BlobLayout,
    from: number,
    span: ByteRange,
    grant: DownloadGrantModel,
    version: ModelVersionModel,
  ): AsyncGenerator<Buffer> {
    let index = from;
    let current = first;
    let next = second;
    let released = false;
    try {
      while (!current.done) {
        const at = layout.segment(index);
        const lo = Math.max(span.start, at.plaintextStart) - at.plaintextStart;
        const hi = Math.min(span.end, at.plaintextEnd) - at.plaintextStart;
        if (next.done) {
          // The request's last bytes: settle the grant first, so the client's next request finds it free (a client
          // may send it as soon as content-length bytes arrived, before this generator returns).
          if (span.end === layout.size) {
            await this.db.tenantTransaction(grant.tenantId, () =>
              this.grants.complete(grant.tenantId, grant.id),
            );
          }
          await this.release(grant);
          released = true;
        }
        if (hi > lo) yield current.value.subarray(lo, hi);
        index++;
        current = next;
        if (!current.done) next = await rest.next(); // verified before the current segment's bytes go out
      }
    } catch (error) {
      if (isIntegrityFailure(error)) await this.recordFailure(grant, version);
      throw error;
    } finally {
      // Also when the client goes away (the stream is destroyed and the generator returns early).
      if (!released) await this.release(grant);
    }
  }

  private async release(grant: DownloadGrantModel): Promise<void> {
    await this.db
      .tenantTransaction(grant.tenantId, () => this.grants.release(grant.tenantId, grant.id))
      .catch((error: unknown) =>
        this.logger.warn({ err: error, grantId: grant.id }, 'download lease not released'),
      );
  }

  private async recordFailure(grant: DownloadGrantModel, version: ModelVersionModel): Promise<void> {
    this.logger.error(
      { tenantId: grant.tenantId, versionId: version.id },
      'stored model failed to authenticate',
    );
    await this.db.tenantTransaction(grant.tenantId, async () => {
      await this.grants.fail(grant.tenantId, grant.id, ErrorCode.IntegrityError);
      await this.audit.record(
        { tenantId: grant.tenantId, kind: 'system' },
        {
          action: 'model_version.integrity_failure',
          outcome: 'error',
          resource: { type: 'model_version', id: version.id },
          details: { grantId: grant.id, modelId: version.modelId, number: version.number },
        },
      );
    });
  }

  private async lookup(token: string): Promise<{ tenantId: string; id: string }> {
    if (!isLinkToken(token, DOWNLOAD_TOKEN_PREFIX)) throw linkGone('download');
    const hash = this.hasher.hash(token);
    const found = await this.db.secretLookup(hash, () => this.grants.byToken(hash));
    if (!found) throw linkGone('download');
    return found;
  }
}
