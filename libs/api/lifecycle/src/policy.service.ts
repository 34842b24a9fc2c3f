import { Inject, Injectable } from '@nestjs/common';
import { Db } from '@arca/api-db';
import type { TenantContext } from '@arca/api-core';
import { AuditLog } from '@arca/api-audit';
import { LifecycleRepository } from './lifecycle.repository.js';
import { normalizeOnnxDomains, normalizeProtectedAliases } from './rules.js';

export interface ArtifactPolicy {
  protectedAliases: string[];
  onnxAllowedDomains: string[];
}

/** The tenant's artifact policy: protected alias names and extra ONNX operator domains. */
@Injectable()
export class ArtifactPolicyService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(LifecycleRepository) private readonly lifecycle: LifecycleRepository,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  get(ctx: TenantContext): Promise<ArtifactPolicy> {
    return this.db.tenantTransaction(ctx.tenantId, () => this.lifecycle.policy(ctx.tenantId));
  }

  async update(ctx: TenantContext, input: Partial<ArtifactPolicy>): Promise<ArtifactPolicy> {
    const patch: Partial<ArtifactPolicy> = {};
    if (input.protectedAliases !== undefined) {
      patch.protectedAliases = normalizeProtectedAliases(input.protectedAliases);
    }
    if (input.onnxAllowedDomains !== undefined) {
      patch.onnxAllowedDomains = normalizeOnnxDomains(input.onnxAllowedDomains);
    }
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      await this.lifecycle.lockTenant(ctx.tenantId);
      const before = await this.lifecycle.policy(ctx.tenantId);
      const changed = (Object.keys(patch) as (keyof ArtifactPolicy)[]).filter(
        (k) => JSON.stringify(before[k]) !== JSON.stringify(patch[k]),
      );
      if (changed.length === 0) return before;
      const after = await this.lifecycle.updatePolicy(ctx.tenantId, patch);
      await this.audit.record(ctx, {
        action: 'tenant.artifact_policy_update',
        resource: { type: 'tenant', id: ctx.tenantId },
        details: Object.fromEntries(changed.map((k) => [k, { before: before[k], after: after[k] }])),
      });
      return after;
    });
  }
}
