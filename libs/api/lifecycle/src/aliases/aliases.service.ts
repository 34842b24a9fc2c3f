import { Inject, Injectable } from '@nestjs/common';
import { Permission, WebhookEvent } from '@arca/contracts';
import { Db } from '@arca/api-db';
import { forbidden, notFound, type TenantContext } from '@arca/api-core';
import { AuditLog } from '@arca/api-audit';
import { WebhookEvents } from '@arca/api-webhooks';
import { LifecycleAccess } from '../lifecycle-access.service.js';
import { LifecycleRepository } from '../lifecycle.repository.js';
import { modelArchived, notPromotable, protectedAlias } from '../lifecycle.errors.js';
import { checkAliasName } from '../rules.js';
import { VersionLifecycleRepository } from '../versions/version-lifecycle.repository.js';
import { AliasesRepository, type AliasRow } from './aliases.repository.js';

export interface AliasList {
  rows: AliasRow[];
  protectedAliases: string[];
}

/**
 * Aliases of a model. Unprotected aliases move by `set` (versions:manage); protected ones (tenant policy) only
 * through an approved promotion request (PromotionsService), and only owners/admins (tenant:update) delete them.
 */
@Injectable()
export class AliasesService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(AliasesRepository) private readonly aliases: AliasesRepository,
    @Inject(VersionLifecycleRepository) private readonly versions: VersionLifecycleRepository,
    @Inject(LifecycleRepository) private readonly lifecycle: LifecycleRepository,
    @Inject(LifecycleAccess) private readonly access: LifecycleAccess,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(WebhookEvents) private readonly webhooks: WebhookEvents,
  ) {}

  async list(ctx: TenantContext, modelId: string): Promise<AliasList> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      await this.access.model(ctx, modelId, Permission.ModelsRead);
      const rows = await this.aliases.list(ctx.tenantId, modelId);
      const { protectedAliases } = await this.lifecycle.policy(ctx.tenantId);
      return { rows, protectedAliases };
    });
  }

  async set(
    ctx: TenantContext,
    modelId: string,
    alias: string,
    versionId: string,
  ): Promise<{ row: AliasRow; protectedAliases: string[] }> {
    const name = checkAliasName(alias);
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const model = await this.access.model(ctx, modelId, Permission.VersionsManage);
      await this.lifecycle.lockModel(ctx.tenantId, modelId);
      const version = await this.versions.find(ctx.tenantId, versionId);
      if (!version || version.modelId !== modelId) throw notFound('model version');
      const { protectedAliases } = await this.lifecycle.policy(ctx.tenantId);
      if (protectedAliases.includes(name)) throw protectedAlias(name);
      if (model.archivedAt) throw modelArchived();
      if (version.state !== 'ready' || version.archivedAt) throw notPromotable(version);
      const previous = await this.aliases.find(ctx.tenantId, modelId, name);
      if (previous?.versionId === versionId) return { row: previous, protectedAliases };
      const row = await this.aliases.set(ctx.tenantId, {
        modelId,
        name,
        versionId,
        updatedById: ctx.userId,
      });
      await this.recordMove(ctx, row, previous?.versionId ?? null, {});
      return { row, protectedAliases };
    });
  }

  /** Deleting a protected alias needs tenant:update (whoever may change the policy could unprotect it anyway). */
  async delete(ctx: TenantContext, modelId: string, alias: string): Promise<boolean> {
    const name = checkAliasName(alias);
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const model = await this.access.model(ctx, modelId, Permission.VersionsManage);
      await this.lifecycle.lockModel(ctx.tenantId, modelId);
      const row = await this.aliases.find(ctx.tenantId, modelId, name);
      if (!row) throw notFound('alias');
      const { protectedAliases } = await this.lifecycle.policy(ctx.tenantId);
      const isProtected = protectedAliases.includes(name);
      if (isProtected && !ctx.permissions.has(Permission.TenantUpdate)) {
        throw forbidden(
          `"${name}" is a protected alias: only an owner or admin (${Permission.TenantUpdate}) can delete it`,
        );
      }
      if (model.archivedAt) throw modelArchived();
      await this.aliases.delete(ctx.tenantId, modelId, name);
      await this.recordDelete(ctx, row, isProtected, {});
      return true;
    });
  }

  /** Audit event and webhook of an alias that now points at `row.versionId` (in the open transaction). */
  async recordMove(
    ctx: TenantContext,
    row: AliasRow,
    previousVersionId: string | null,
    extra: Record<string, string>,
  ): Promise<void> {
    const details = {
      modelId: row.modelId,
      alias: row.name,
      versionId: row.versionId,
      versionNumber: row.version.number,
      previousVersionId,
      ...extra,
    };
    await this.audit.record(ctx, {
      action: 'alias.set',
      resource: { type: 'model_alias', id: row.modelId, name: row.name },
      details,
    });
    await this.webhooks.emit(ctx, { type: WebhookEvent.AliasUpdated, data: { ...details, deleted: false } });
  }

  /** Audit event and webhook of a removed alias (in the open transaction). */
  async recordDelete(
    ctx: TenantContext,
    row: AliasRow,
    isProtected: boolean,
    extra: Record<string, string>,
  ): Promise<void> {
    const details = {
      modelId: row.modelId,
      alias: row.name,
      previousVersionId: row.versionId,
      protected: isProtected,
      ...extra,
    };
    await this.audit.record(ctx, {
      action: 'alias.delete',
      resource: { type: 'model_alias', id: row.modelId, name: row.name },
      details,
    });
    await this.webhooks.emit(ctx, {
      type: WebhookEvent.AliasUpdated,
      data: { ...details, versionId: null, deleted: true },
    });
  }
}
