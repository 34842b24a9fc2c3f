import { Inject, Injectable } from '@nestjs/common';
import { Db } from '@arca/api-db';
import { LOGGER, badInput, type Logger, type TenantContext } from '@arca/api-core';
import { isIntegrityFailure } from '../artifacts.errors.js';
import { AuditLog, LogKeys } from '@arca/api-audit';
import { JobQueue } from '@arca/api-jobs';
import { REWRAP_QUEUE, type RewrapJob } from '../jobs/queues.js';
import { KeyHierarchy } from './key-hierarchy.service.js';
import { KeysRepository } from './keys.repository.js';

const REWRAP_BATCH = 500;
/** The request re-wraps inline; the job is the fallback after a crash. */
const REWRAP_JOB_DELAY_S = 120;

export interface RotationResult {
  fromVersion: number | null;
  toVersion: number;
  rewrapped: number;
  resumed: boolean;
}

/**
 * Tenant-level key operations: KEK rotation (re-wraps DEKs only, in committed batches, so a crash loses nothing
 * and rerunning resumes), crypto-shredding on tenant deletion, and master-key rotation across tenants.
 */
@Injectable()
export class TenantKeysService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(KeyHierarchy) private readonly hierarchy: KeyHierarchy,
    @Inject(KeysRepository) private readonly keys: KeysRepository,
    @Inject(LogKeys) private readonly logKeys: LogKeys,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(JobQueue) private readonly jobs: JobQueue,
  ) {}

  /** Rotates the tenant KEK, or resumes a rotation a crash interrupted; returns when every DEK is re-wrapped. */
  async rotate(ctx: TenantContext): Promise<RotationResult> {
    const started = await this.db.tenantTransaction(ctx.tenantId, async () => {
      await this.keys.lockTenant(ctx.tenantId);
      const active = await this.keys.activeKekForUpdate(ctx.tenantId);
      const stale = active ? await this.keys.countStaleBlobKeys(ctx.tenantId, active.version) : 0;
      if (active && stale > 0) return { fromVersion: null, toVersion: active.version, resumed: true };
      const { from, to } = await this.hierarchy.rotate(ctx.tenantId);
      // Committed with the new KEK: if this process dies mid-way, any replica finishes the re-wrap.
      await this.jobs.send<RewrapJob>(
        REWRAP_QUEUE,
        { tenantId: ctx.tenantId },
        { startAfter: REWRAP_JOB_DELAY_S },
      );
      await this.audit.record(ctx, {
        action: 'keys.kek_rotate',
        resource: { type: 'tenant_key', id: String(to) },
        details: { fromVersion: from, toVersion: to },
      });
      return { fromVersion: from, toVersion: to, resumed: false };
    });
    const rewrapped = await this.rewrapAll(ctx.tenantId);
    await this.db.tenantTransaction(ctx.tenantId, () =>
      this.audit.record(ctx, {
        action: 'keys.kek_rewrap_complete',
        resource: { type: 'tenant_key', id: String(started.toVersion) },
        details: { rewrapped, resumed: started.resumed },
      }),
    );
    return { ...started, rewrapped };
  }

  /** Re-wraps, batch by batch, every DEK not under the active KEK; then destroys the retired KEKs. */
  async rewrapAll(tenantId: string): Promise<number> {
    let total = 0;
    for (;;) {
      const { rewrapped, remaining } = await this.db.tenantTransaction(tenantId, () =>
        this.hierarchy.rewrapBatch(tenantId, REWRAP_BATCH),
      );
      total += rewrapped;
      if (remaining === 0) return total;
      if (rewrapped === 0) {
        // Another worker holds the remaining rows (SKIP LOCKED); let it finish them.
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }

  /**
   * Deletes the tenant by crypto-shredding: every KEK is erased, so no version can be decrypted again even with
   * the database and the master key. The audit log keeps the record (its signing key is not under the KEK).
   */
  async shredTenant(
    ctx: TenantContext,
    confirmSlug: string,
  ): Promise<{ keysDestroyed: number; versions: number }> {
    if (confirmSlug !== ctx.tenantSlug) {
      throw badInput('confirmSlug must equal the tenant slug', { field: 'confirmSlug' });
    }
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      // Serialised with rotations and re-wraps (which take the same lock first): no KEK can appear after this.
      await this.keys.lockTenant(ctx.tenantId);
      const scope = await this.keys.shredScope(ctx.tenantId);
      const keysDestroyed = await this.hierarchy.shred(ctx.tenantId);
      await this.keys.markTenantDeleted(ctx.tenantId);
      await this.audit.record(ctx, {
        action: 'tenant.shred',
        resource: { type: 'tenant', id: ctx.tenantId, name: ctx.tenantSlug },
        details: { keysDestroyed, blobs: scope.blobs, versions: scope.versions },
      });
      return { keysDestroyed, versions: scope.versions };
    });
  }

  /**
   * Re-wraps every tenant's KEKs and audit log key under the current master key (the previous one must still be
   * configured). Idempotent: run it again after a crash and it finishes what is left. `only` limits it to some
   * tenants (tests share one database).
   */
  async rotateMasterKey(
    only?: readonly string[],
  ): Promise<{ tenants: number; keks: number; logKeys: number; failed: string[] }> {
    let keks = 0;
    let logKeys = 0;
    const failed: string[] = [];
    const tenants = only ? [...only] : await this.keys.allTenantIds();
    for (const tenantId of tenants) {
      try {
        const changed = await this.db.tenantTransaction(tenantId, async () => {
          const k = await this.hierarchy.rewrapUnderMasterKey(tenantId);
          const l = (await this.logKeys.resealUnderCurrentKey(tenantId)) ? 1 : 0;
          if (k + l > 0) {
            await this.audit.record(
              { tenantId, kind: 'system' },
              { action: 'keys.master_rewrap', details: { keks: k, logKeys: l } },
            );
          }
          return { k, l };
        });
        keks += changed.k;
        logKeys += changed.l;
      } catch (error) {
        // Keys under neither the current nor a previous master key: report them, finish the others.
        if (!isIntegrityFailure(error)) throw error;
        this.logger.error(
          { tenantId },
          'master key rotation: this tenant has keys under an unknown master key',
        );
        failed.push(tenantId);
      }
    }
    this.logger.info(
      { tenants: tenants.length, keks, logKeys, failed: failed.length },
      'master key rotation done',
    );
    return { tenants: tenants.length, keks, logKeys, failed };
  }
}
