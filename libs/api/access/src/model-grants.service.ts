import { Inject, Injectable } from '@nestjs/common';
import type { Role } from '@arca/contracts';
import { Db } from '@arca/api-db';
import { notFound, type TenantContext } from '@arca/api-core';
import { AuditLog } from '@arca/api-audit';
import { ModelGrantRepository, type GrantRow } from './model-grant.repository.js';

@Injectable()
export class ModelGrantsService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(ModelGrantRepository) private readonly grants: ModelGrantRepository,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  list(ctx: TenantContext, modelId: string): Promise<GrantRow[]> {
    return this.db.readTransaction(ctx.tenantId, async () => {
      await this.requireModel(ctx, modelId);
      return this.grants.list(ctx.tenantId, modelId);
    });
  }

  /** Creates or replaces the grant of `userId` (a member of the tenant) on a model. */
  grant(ctx: TenantContext, modelId: string, userId: string, role: Role): Promise<GrantRow> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      await this.requireModel(ctx, modelId);
      if (!(await this.grants.isMember(ctx.tenantId, userId))) throw notFound('member');
      const grant = await this.grants.upsert(ctx.tenantId, {
        modelId,
        userId,
        role,
        createdById: ctx.userId,
      });
      await this.audit.record(ctx, {
        action: 'model.grant',
        resource: { type: 'model', id: modelId },
        details: { userId, role },
      });
      return grant;
    });
  }

  revoke(ctx: TenantContext, modelId: string, userId: string): Promise<boolean> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      await this.requireModel(ctx, modelId);
      const removed = await this.grants.remove(ctx.tenantId, modelId, userId);
      if (removed) {
        await this.audit.record(ctx, {
          action: 'model.revoke_grant',
          resource: { type: 'model', id: modelId },
          details: { userId },
        });
      }
      return removed;
    });
  }

  private async requireModel(ctx: TenantContext, modelId: string): Promise<void> {
    const restricted = ctx.modelRestriction && !ctx.modelRestriction.includes(modelId);
    if (restricted || !(await this.grants.modelExists(ctx.tenantId, modelId))) throw notFound('model');
  }
}
