import { Inject, Injectable } from '@nestjs/common';
import { Permission, WebhookEvent } from '@arca/contracts';
import { Db, type ModelVersionModel, type VersionState } from '@arca/api-db';
import {
  badInput,
  decodeTimeIdCursor,
  encodeTimeIdCursor,
  failedPrecondition,
  pageSize,
  slicePage,
  type TenantContext,
} from '@arca/api-core';
import { modelVisibilityFilter } from '@arca/api-access';
import { AuditLog } from '@arca/api-audit';
import { VersionsService } from '@arca/api-artifacts';
import { normalizeTags } from '@arca/api-models';
import { WebhookEvents } from '@arca/api-webhooks';
import { AliasesRepository } from '../aliases/aliases.repository.js';
import { AliasesService } from '../aliases/aliases.service.js';
import { LifecycleAccess } from '../lifecycle-access.service.js';
import { LifecycleRepository } from '../lifecycle.repository.js';
import { modelArchived } from '../lifecycle.errors.js';
import { PromotionsRepository } from '../promotions/promotions.repository.js';
import { parseMetrics, type Metrics } from '../rules.js';
import { VersionLifecycleRepository } from './version-lifecycle.repository.js';

export interface VersionMetadataInput {
  description?: string;
  tags?: string[];
  card?: { intendedUse?: string; limitations?: string; metrics?: string };
}

export interface VersionSearchArgs {
  query?: string | null;
  tags?: string[] | null;
  state?: VersionState | null;
  first?: number | null;
  after?: string | null;
}

export const LINEAGE_DEPTH_DEFAULT = 10;
export const LINEAGE_DEPTH_MAX = 50;

type Card = { intendedUse?: string; limitations?: string; metrics?: Metrics };

/** Version metadata (description, tags, model card), archiving, lineage and search across models. */
@Injectable()
export class VersionLifecycleService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(VersionLifecycleRepository) private readonly versions: VersionLifecycleRepository,
    @Inject(VersionsService) private readonly artifacts: VersionsService,
    @Inject(AliasesRepository) private readonly aliases: AliasesRepository,
    @Inject(AliasesService) private readonly aliasEvents: AliasesService,
    @Inject(PromotionsRepository) private readonly promotions: PromotionsRepository,
    @Inject(LifecycleRepository) private readonly lifecycle: LifecycleRepository,
    @Inject(LifecycleAccess) private readonly access: LifecycleAccess,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(WebhookEvents) private readonly webhooks: WebhookEvents,
  ) {}

  /** Metadata only; archived versions (and versions of archived models) are read-only until restored. */
  async update(ctx: TenantContext, id: string, input: VersionMetadataInput): Promise<ModelVersionModel> {
    const tags = input.tags === undefined ? undefined : normalizeTags(input.tags);
    const metrics =
      input.card?.metrics === undefined || input.card.metrics === ''
        ? input.card?.metrics
        : parseMetrics(input.card.metrics);
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const { version, model } = await this.access.version(ctx, id, Permission.VersionsManage);
      await this.lifecycle.lockModel(ctx.tenantId, model.id);
      if (model.archivedAt) throw modelArchived();
      if (version.archivedAt) {
        throw failedPrecondition(`version ${version.number} is archived; restore it first`);
      }
      const fields: string[] = [];
      const patch: { description?: string; tags?: string[]; card?: Card } = {};
      if (input.description !== undefined) {
        patch.description = input.description;
        fields.push('description');
      }
      if (tags !== undefined) {
        patch.tags = tags;
        fields.push('tags');
      }
      if (input.card) {
        const card = { ...(version.card as Card) };
        for (const key of ['intendedUse', 'limitations'] as const) {
          const value = input.card[key];
          if (value === undefined) continue;
          if (value.trim() === '') delete card[key];
          else card[key] = value;
          fields.push(`card.${key}`);
        }
        if (metrics !== undefined) {
          if (metrics === '') delete card.metrics;
          else card.metrics = metrics;
          fields.push('card.metrics');
        }
        patch.card = card;
      }
      if (fields.length === 0) return version;
      const updated = await this.versions.update(ctx.tenantId, id, patch);
      await this.audit.record(ctx, {
        action: 'model_version.update',
        resource: { type: 'model_version', id },
        details: { modelId: model.id, number: version.number, fields },
      });
      return updated;
    });
  }

  /**
   * Archives a version. Refused while a protected alias points at it (promote another version first); unprotected
   * aliases pointing at it are removed and its pending promotion requests cancelled, all in this transaction.
   */
  async archive(ctx: TenantContext, id: string): Promise<ModelVersionModel> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const { model } = await this.access.version(ctx, id, Permission.VersionsManage);
      await this.lifecycle.lockModel(ctx.tenantId, model.id);
      const version = (await this.versions.find(ctx.tenantId, id))!;
      if (version.archivedAt) return version;
      if (model.archivedAt) throw modelArchived();
      const names = await this.aliases.namesOf(ctx.tenantId, id);
      const { protectedAliases } = await this.lifecycle.policy(ctx.tenantId);
      const guarded = names.filter((n) => protectedAliases.includes(n));
      if (guarded.length) {
        throw failedPrecondition(
          `version ${version.number} is the target of the protected alias ${guarded.join(', ')}: promote another version first`,
        );
      }
      for (const name of names) {
        const row = (await this.aliases.find(ctx.tenantId, model.id, name))!;
        await this.aliases.delete(ctx.tenantId, model.id, name);
        await this.aliasEvents.recordDelete(ctx, row, false, { reason: 'version archived' });
      }
      const cancelled = await this.promotions.cancelPendingForVersion(ctx.tenantId, {
        versionId: id,
        decidedBy: ctx.userId,
        note: 'the version was archived',
      });
      const archived = await this.versions.update(ctx.tenantId, id, { archivedAt: new Date() });
      await this.audit.record(ctx, {
        action: 'model_version.archive',
        resource: { type: 'model_version', id },
        details: {
          modelId: model.id,
          number: version.number,
          removedAliases: names,
          cancelledPromotions: cancelled,
        },
      });
      await this.webhooks.emit(ctx, {
        type: WebhookEvent.VersionArchived,
        data: { modelId: model.id, versionId: id, versionNumber: version.number },
      });
      return archived;
    });
  }

  async restore(ctx: TenantContext, id: string): Promise<ModelVersionModel> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const { model } = await this.access.version(ctx, id, Permission.VersionsManage);
      await this.lifecycle.lockModel(ctx.tenantId, model.id);
      const version = (await this.versions.find(ctx.tenantId, id))!;
      if (!version.archivedAt) return version;
      if (model.archivedAt) throw modelArchived();
      const restored = await this.versions.update(ctx.tenantId, id, { archivedAt: null });
      await this.audit.record(ctx, {
        action: 'model_version.restore',
        resource: { type: 'model_version', id },
        details: { modelId: model.id, number: version.number },
      });
      return restored;
    });
  }

  /**
   * Ancestors of a version, nearest first (parent, grandparent, …), at most `depth`. The walk stops at an ancestor
   * on a model the principal cannot see: lineage never reveals what the model list would not.
   */
  async lineage(ctx: TenantContext, versionId: string, depth?: number | null): Promise<ModelVersionModel[]> {
    const max = depth ?? LINEAGE_DEPTH_DEFAULT;
    if (!Number.isInteger(max) || max < 1 || max > LINEAGE_DEPTH_MAX) {
      throw badInput(`depth must be between 1 and ${LINEAGE_DEPTH_MAX}`, { field: 'depth' });
    }
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const start = await this.artifacts.require(ctx, versionId, Permission.ModelsRead);
      const visible = new Map<string, boolean>([[start.modelId, true]]);
      const seen = new Set([start.id]);
      const out: ModelVersionModel[] = [];
      let next = start.parentVersionId;
      while (next && out.length < max && !seen.has(next)) {
        const parent = await this.versions.find(ctx.tenantId, next);
        if (!parent) break;
        let ok = visible.get(parent.modelId);
        if (ok === undefined) {
          ok = await this.access.holds(ctx, parent.modelId, Permission.ModelsRead);
          visible.set(parent.modelId, ok);
        }
        if (!ok) break;
        out.push(parent);
        seen.add(parent.id);
        next = parent.parentVersionId;
      }
      return out;
    });
  }

  /** Versions across every model the principal can see, newest first. */
  async search(
    ctx: TenantContext,
    args: VersionSearchArgs,
  ): Promise<{ rows: { row: ModelVersionModel; cursor: string }[]; hasNextPage: boolean }> {
    const size = pageSize(args.first);
    const after = args.after ? decodeTimeIdCursor(args.after) : undefined;
    const filter = {
      query: args.query?.trim() || undefined,
      tags: args.tags ? normalizeTags(args.tags) : undefined,
      state: args.state ?? undefined,
    };
    const rows = await this.db.tenantTransaction(ctx.tenantId, () =>
      this.versions.search(ctx.tenantId, modelVisibilityFilter(ctx), filter, size + 1, after),
    );
    const { page, hasNextPage } = slicePage(rows, size);
    return { rows: page.map((row) => ({ row, cursor: encodeTimeIdCursor(row) })), hasNextPage };
  }
}
