import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Db, type ModelVersionModel, type Prisma } from '@arca/api-db';
import { ARCA_CONFIG, LOGGER, type ArcaConfig, type Logger } from '@arca/api-core';
import { WebhookEvent } from '@arca/contracts';
import { AuditLog, type AuditActor } from '@arca/api-audit';
import { WebhookEvents } from '@arca/api-webhooks';
import { OnnxValidationError, inspectInChildProcess, type OnnxSummary } from '@arca/onnx';
import { isIntegrityFailure } from '../artifacts.errors.js';
import { BlobStore } from '../blobs/blob-store.js';
import { BlobsRepository } from '../blobs/blobs.repository.js';
import { Semaphore } from './semaphore.js';
import { VersionsRepository } from './versions.repository.js';

/** Validation child processes per server process; more wait their turn (jobs retry on other replicas too). */
export const MAX_CONCURRENT_VALIDATIONS = 2;

/**
 * Validates a finalised version: streams the decrypted bytes (never to disk) through a SHA-256 and into a child
 * process that parses the ModelProto with the pinned onnx.proto3 and loads it into onnxruntime. The version becomes
 * `ready` with its digest and format summary, or `failed` with a reason. Idempotent: only a `validating` version
 * changes, so a crashed validation can simply run again.
 */
@Injectable()
export class ValidationService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(VersionsRepository) private readonly versions: VersionsRepository,
    @Inject(BlobStore) private readonly store: BlobStore,
    @Inject(BlobsRepository) private readonly blobs: BlobsRepository,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(WebhookEvents) private readonly webhooks: WebhookEvents,
    @Inject(ARCA_CONFIG) private readonly config: ArcaConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Validations running in this process, by version: a second caller waits for the first instead of racing it. */
  private readonly running = new Map<string, Promise<ModelVersionModel>>();
  /** At most this many validation child processes at once per server process (each holds a whole model). */
  private readonly slots = new Semaphore(MAX_CONCURRENT_VALIDATIONS);

  async validate(tenantId: string, versionId: string): Promise<ModelVersionModel> {
    const running = this.running.get(versionId);
    if (running) return running;
    const work = this.slots.run(() => this.run(tenantId, versionId));
    this.running.set(versionId, work);
    try {
      return await work;
    } finally {
      this.running.delete(versionId);
    }
  }

  private async run(tenantId: string, versionId: string): Promise<ModelVersionModel> {
    const { version, domains } = await this.db.tenantTransaction(tenantId, async () => ({
      version: await this.versions.find(tenantId, versionId),
      domains: await this.versions.allowedOnnxDomains(tenantId),
    }));
    if (!version) throw new Error(`version ${versionId} does not exist`);
    if (version.state !== 'validating') return version;
    const hash = createHash('sha256');
    let outcome: { ok: true; summary: OnnxSummary } | { ok: false; code: string; reason: string };
    try {
      const blob = await this.store.open(tenantId, versionId);
      const plaintext = async function* (): AsyncGenerator<Buffer> {
        for await (const segment of blob.segments()) {
          hash.update(segment);
          yield segment;
        }
      };
      const summary = await inspectInChildProcess(plaintext(), {
        policy: { allowedDomains: domains },
        maxBytes: this.config.artifacts.uploadMaxBytes,
        expectedBytes: Number(version.sizeBytes),
        timeoutMs: this.config.artifacts.validationTimeoutMs,
        memoryLimitMb: this.config.artifacts.validationMemoryMb,
      });
      outcome = { ok: true, summary };
    } catch (error) {
      if (error instanceof OnnxValidationError) {
        outcome = { ok: false, code: error.code, reason: error.message };
      } else if (isIntegrityFailure(error)) {
        this.logger.error(
          { tenantId, versionId },
          'stored ciphertext failed to authenticate during validation',
        );
        outcome = { ok: false, code: 'INTEGRITY_ERROR', reason: 'the stored bytes failed to authenticate' };
      } else throw error;
    }
    return this.db.tenantTransaction(tenantId, async () => {
      const system: AuditActor = { tenantId, kind: 'system' };
      const resource = { type: 'model_version', id: versionId };
      if (outcome.ok) {
        const { parameterCount, ...format } = outcome.summary;
        const sha256 = hash.digest();
        if (
          await this.versions.markReady(tenantId, versionId, {
            sha256,
            format: format as unknown as Prisma.InputJsonValue,
            parameterCount: BigInt(parameterCount),
          })
        ) {
          await this.audit.record(system, {
            action: 'model_version.ready',
            resource,
            details: { sha256: sha256.toString('hex'), irVersion: format.irVersion, parameterCount },
          });
          await this.webhooks.emit(system, {
            type: WebhookEvent.VersionReady,
            data: {
              modelId: version.modelId,
              versionId,
              number: version.number,
              sha256: sha256.toString('hex'),
            },
          });
        }
      } else if (await this.versions.markFailed(tenantId, versionId, outcome.code, outcome.reason)) {
        // A rejected model's bytes can never be served: free them. Ciphertext that failed to authenticate stays
        // for forensics.
        if (outcome.code !== 'INTEGRITY_ERROR') await this.blobs.deleteSegments(tenantId, versionId);
        await this.audit.record(system, {
          action: 'model_version.failed',
          outcome: 'error',
          resource,
          reason: outcome.code,
          details: { message: outcome.reason.slice(0, 500) },
        });
        await this.webhooks.emit(system, {
          type: WebhookEvent.VersionFailed,
          data: { modelId: version.modelId, versionId, number: version.number, failureCode: outcome.code },
        });
      }
      return (await this.versions.find(tenantId, versionId))!;
    });
  }
}
