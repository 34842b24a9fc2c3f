import { Inject, Injectable } from '@nestjs/common';
import { Permission, WebhookEvent } from '@arca/contracts';
import type { ModelModel, PromotionState } from '@arca/api-db';
import {
  conflict,
  decodeTimeIdCursor,
  encodeTimeIdCursor,
  failedPrecondition,
  forbidden,
  notFound,
  pageSize,
  slicePage,
  type TenantContext,
} from '@arca/api-core';
import { Db } from '@arca/api-db';
import { modelVisibilityFilter } from '@arca/api-access';
import { AuditLog } from '@arca/api-audit';
import { WebhookEvents } from '@arca/api-webhooks';
import { AliasesRepository } from '../aliases/aliases.repository.js';
import { AliasesService } from '../aliases/aliases.service.js';
import { LifecycleAccess } from '../lifecycle-access.service.js';
import { LifecycleRepository } from '../lifecycle.repository.js';
import {
  modelArchived,
  notPending,
  notPromotable,
  ownRequest,
  ownUpload,
  promotionNotFound,
} from '../lifecycle.errors.js';
import { checkAliasName } from '../rules.js';
import { VersionLifecycleRepository } from '../versions/version-lifecycle.repository.js';
import { PromotionsRepository, type PromotionRow } from './promotions.repository.js';

export interface PromotionListArgs {
  modelId?: string | null;
  state?: PromotionState | null;
  first?: number | null;
  after?: string | null;
}

/**
 * Promotion requests: the only way a protected alias moves. Four eyes: the approver is neither the uploader of
 * the version nor the requester, whatever their role. Approving moves the alias in the same transaction and
 * cancels the alias's other pending requests (superseded), so a stale request cannot move it back later.
 */
@Injectable()
export class PromotionsService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(PromotionsRepository) private readonly promotions: PromotionsRepository,
    @Inject(AliasesRepository) private readonly aliases: AliasesRepository,
    @Inject(AliasesService) private readonly aliasEvents: AliasesService,
    @Inject(VersionLifecycleRepository) private readonly versions: VersionLifecycleRepository,
    @Inject(LifecycleRepository) private readonly lifecycle: LifecycleRepository,
    @Inject(LifecycleAccess) private readonly access: LifecycleAccess,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(WebhookEvents) private readonly webhooks: WebhookEvents,
  ) {}

  async request(
    ctx: TenantContext,
    input: { modelId: string; alias: string; versionId: string; reason?: string | null },
  ): Promise<PromotionRow> {
    const alias = checkAliasName(input.alias);
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const model = await this.access.model(ctx, input.modelId, Permission.VersionsManage);
      // Serialises requests for the model: the duplicate check below cannot race (no partial unique index).
      await this.lifecycle.lockModel(ctx.tenantId, input.modelId);
      const version = await this.versions.find(ctx.tenantId, input.versionId);
      if (!version || version.modelId !== input.modelId) throw notFound('model version');
      if (model.archivedAt) throw modelArchived();
      if (version.state !== 'ready' || version.archivedAt) throw notPromotable(version);
      const current = await this.aliases.find(ctx.tenantId, input.modelId, alias);
      if (current?.versionId === input.versionId) {
        throw failedPrecondition(`${alias} already points to version ${version.number}`);
      }
      if (await this.promotions.pendingExists(ctx.tenantId, input.modelId, alias, input.versionId)) {
        throw conflict(`a promotion of version ${version.number} to ${alias} is already pending`);
      }
      const row = await this.promotions.create(ctx.tenantId, {
        modelId: input.modelId,
        alias,
        versionId: input.versionId,
        reason: input.reason?.trim() ?? '',
        requestedBy: ctx.userId,
      });
      await this.audit.record(ctx, {
        action: 'promotion.request',
        resource: { type: 'promotion_request', id: row.id },
        details: { ...eventDetails(row), reason: row.reason },
      });
      await this.webhooks.emit(ctx, {
        type: WebhookEvent.PromotionRequested,
        data: {
          ...eventDetails(row),
          promotionId: row.id,
          requestedById: row.requestedBy,
          reason: row.reason,
        },
      });
      return row;
    });
  }

  async approve(ctx: TenantContext, id: string, note?: string | null): Promise<PromotionRow> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const { row: found, model } = await this.pendingForDecision(ctx, id, Permission.PromotionsApprove);
      const version = (await this.versions.find(ctx.tenantId, found.versionId))!;
      if (version.createdById === ctx.userId) throw ownUpload();
      if (found.requestedBy === ctx.userId) throw ownRequest();
      if (model.archivedAt) throw modelArchived();
      if (version.state !== 'ready' || version.archivedAt) throw notPromotable(version);
      const row = (await this.promotions.decide(ctx.tenantId, id, {
        state: 'approved',
        decidedBy: ctx.userId,
        note: note?.trim() || null,
      }))!;
      const previous = await this.aliases.find(ctx.tenantId, row.modelId, row.alias);
      const moved = await this.aliases.set(ctx.tenantId, {
        modelId: row.modelId,
        name: row.alias,
        versionId: row.versionId,
        updatedById: ctx.userId,
      });
      const superseded = await this.promotions.supersede(ctx.tenantId, {
        modelId: row.modelId,
        alias: row.alias,
        exceptId: row.id,
        decidedBy: ctx.userId,
        note: `superseded by promotion ${row.id}`,
      });
      await this.audit.record(ctx, {
        action: 'promotion.approve',
        resource: { type: 'promotion_request', id: row.id },
        details: {
          ...eventDetails(row),
          requestedById: row.requestedBy,
          previousVersionId: previous?.versionId ?? null,
          superseded,
        },
      });
      await this.webhooks.emit(ctx, {
        type: WebhookEvent.PromotionApproved,
        data: {
          ...eventDetails(row),
          promotionId: row.id,
          requestedById: row.requestedBy,
          decidedById: ctx.userId,
          note: row.decisionNote,
          superseded,
        },
      });
      if (previous?.versionId !== moved.versionId) {
        await this.aliasEvents.recordMove(ctx, moved, previous?.versionId ?? null, { promotionId: row.id });
      }
      return row;
    });
  }

  /** Any approver may reject (rejecting grants nothing), the uploader and the requester included. */
  async reject(ctx: TenantContext, id: string, note?: string | null): Promise<PromotionRow> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      await this.pendingForDecision(ctx, id, Permission.PromotionsApprove);
      const row = (await this.promotions.decide(ctx.tenantId, id, {
        state: 'rejected',
        decidedBy: ctx.userId,
        note: note?.trim() || null,
      }))!;
      await this.audit.record(ctx, {
        action: 'promotion.reject',
        resource: { type: 'promotion_request', id: row.id },
        details: { ...eventDetails(row), requestedById: row.requestedBy },
      });
      await this.webhooks.emit(ctx, {
        type: WebhookEvent.PromotionRejected,
        data: {
          ...eventDetails(row),
          promotionId: row.id,
          requestedById: row.requestedBy,
          decidedById: ctx.userId,
          note: row.decisionNote,
        },
      });
      return row;
    });
  }

  /** The requester withdraws their request; someone who may decide promotions on the model may cancel any. */
  async cancel(ctx: TenantContext, id: string): Promise<PromotionRow> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const { row: found } = await this.pendingForDecision(ctx, id, Permission.VersionsManage);
      const mayDecide = await this.access.holds(ctx, found.modelId, Permission.PromotionsApprove);
      if (found.requestedBy !== ctx.userId && !mayDecide) {
        throw forbidden('only the requester, or an owner or admin, can cancel this promotion request');
      }
      const row = (await this.promotions.decide(ctx.tenantId, id, {
        state: 'cancelled',
        decidedBy: ctx.userId,
        note: null,
      }))!;
      await this.audit.record(ctx, {
        action: 'promotion.cancel',
        resource: { type: 'promotion_request', id: row.id },
        details: { ...eventDetails(row), requestedById: row.requestedBy },
      });
      // No webhook event type exists for cancellations (libs/contracts/src/webhooks.ts).
      return row;
    });
  }

  async list(
    ctx: TenantContext,
    args: PromotionListArgs,
  ): Promise<{ rows: { row: PromotionRow; cursor: string }[]; hasNextPage: boolean }> {
    const size = pageSize(args.first);
    const after = args.after ? decodeTimeIdCursor(args.after) : undefined;
    const rows = await this.db.tenantTransaction(ctx.tenantId, async () => {
      if (args.modelId) await this.access.model(ctx, args.modelId, Permission.ModelsRead);
      return this.promotions.page(
        ctx.tenantId,
        modelVisibilityFilter(ctx),
        { modelId: args.modelId ?? undefined, state: args.state ?? undefined },
        size + 1,
        after,
      );
    });
    const { page, hasNextPage } = slicePage(rows, size);
    return { rows: page.map((row) => ({ row, cursor: encodeTimeIdCursor(row) })), hasNextPage };
  }

  /**
   * The request, if the principal holds `permission` on its model (NOT_FOUND when they cannot see it), re-read
   * under the model lock and still pending.
   */
  private async pendingForDecision(
    ctx: TenantContext,
    id: string,
    permission: Permission,
  ): Promise<{ row: PromotionRow; model: ModelModel }> {
    const first = await this.promotions.find(ctx.tenantId, id);
    if (!first) throw promotionNotFound();
    const model = await this.access.modelOf(ctx, first.modelId, permission, promotionNotFound);
    await this.lifecycle.lockModel(ctx.tenantId, first.modelId);
    const row = (await this.promotions.find(ctx.tenantId, id))!;
    if (row.state !== 'pending') throw notPending(row.state);
    return { row, model };
  }
}

function eventDetails(row: PromotionRow): {
  modelId: string;
  alias: string;
  versionId: string;
  versionNumber: number;
} {
  return {
    modelId: row.modelId,
    alias: row.alias,
    versionId: row.versionId,
    versionNumber: row.version.number,
  };
}
