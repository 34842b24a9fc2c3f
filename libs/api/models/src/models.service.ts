import { Inject, Injectable } from '@nestjs/common';
import { Limits, Permission, isUuid } from '@arca/contracts';
import { Db, isUniqueViolation, type ModelModel, type ModelVisibility } from '@arca/api-db';
import {
  badInput,
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
import { modelPermissions, modelVisibilityFilter } from '@arca/api-access';
import { AuditLog } from '@arca/api-audit';
import { ModelsRepository, type ModelRow, type ModelSearch } from './models.repository.js';

export interface ModelListArgs extends Partial<ModelSearch> {
  first?: number | null;
  after?: string | null;
}

export interface ModelPatch {
  name?: string;
  description?: string;
  tags?: string[];
  visibility?: ModelVisibility;
}

@Injectable()
export class ModelsService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(ModelsRepository) private readonly models: ModelsRepository,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  /** A model the principal can see, or NOT_FOUND (never FORBIDDEN: no existence oracle). */
  async get(ctx: TenantContext, id: string): Promise<ModelModel> {
    return this.db.readTransaction(ctx.tenantId, () => this.authorize(ctx, id, Permission.ModelsRead));
  }

  async list(
    ctx: TenantContext,
    args: ModelListArgs,
  ): Promise<{ rows: { row: ModelModel; cursor: string }[]; hasNextPage: boolean }> {
    const size = pageSize(args.first);
    const after = args.after ? decodeTimeIdCursor(args.after) : undefined;
    const search: ModelSearch = {
      query: args.query?.trim() || undefined,
      tags: args.tags ? normalizeTags(args.tags) : undefined,
      includeArchived: args.includeArchived ?? false,
    };
    const rows = await this.db.readTransaction(ctx.tenantId, () =>
      this.models.page(ctx.tenantId, modelVisibilityFilter(ctx), search, size + 1, after),
    );
    const { page, hasNextPage } = slicePage(rows, size);
    return {
      rows: page.map((row) => ({ row, cursor: encodeTimeIdCursor(row) })),
      hasNextPage,
    };
  }

  async create(
    ctx: TenantContext,
    input: { name: string; description?: string; tags?: string[]; visibility?: ModelVisibility },
  ): Promise<ModelModel> {
    const visibility = input.visibility ?? 'internal';
    return this.unique(input.name, () =>
      this.db.tenantTransaction(ctx.tenantId, async () => {
        const model = await this.models.create(ctx.tenantId, {
          name: input.name,
          description: input.description ?? '',
          tags: normalizeTags(input.tags ?? []),
          visibility,
          createdById: ctx.userId,
          // A restricted model would be invisible to a creator without models:grants; grant them their own role.
          creatorGrant:
            visibility === 'restricted' && !ctx.permissions.has(Permission.ModelGrantsManage)
              ? ctx.role
              : null,
        });
        await this.audit.record(ctx, {
          action: 'model.create',
          resource: { type: 'model', id: model.id, name: model.name },
          details: { visibility },
        });
        return model;
      }),
    );
  }

  /** Changing visibility is an access-control change and needs models:grants. Archived models are read-only. */
  async update(ctx: TenantContext, id: string, patch: ModelPatch): Promise<ModelModel> {
    return this.unique(patch.name, () =>
      this.db.tenantTransaction(ctx.tenantId, async () => {
        // Visibility first (NOT_FOUND for models the principal cannot see), then the access-control check.
        const model = await this.authorize(ctx, id, Permission.ModelsUpdate);
        if (patch.visibility !== undefined && !ctx.permissions.has(Permission.ModelGrantsManage)) {
          throw forbidden(`changing visibility needs ${Permission.ModelGrantsManage}`);
        }
        if (model.archivedAt) throw failedPrecondition('the model is archived; restore it first');
        const updated = await this.models.update(ctx.tenantId, id, {
          ...patch,
          tags: patch.tags ? normalizeTags(patch.tags) : undefined,
        });
        await this.audit.record(ctx, {
          action: 'model.update',
          resource: { type: 'model', id, name: updated.name },
          details: {
            fields: Object.keys(patch)
              .filter((k) => patch[k as keyof ModelPatch] !== undefined)
              .sort(),
          },
        });
        return updated;
      }),
    );
  }

  async setArchived(ctx: TenantContext, id: string, archived: boolean): Promise<ModelModel> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const model = await this.authorize(ctx, id, Permission.ModelsArchive);
      if (Boolean(model.archivedAt) === archived) return model;
      const updated = await this.models.update(ctx.tenantId, id, {
        archivedAt: archived ? new Date() : null,
      });
      await this.audit.record(ctx, {
        action: archived ? 'model.archive' : 'model.restore',
        resource: { type: 'model', id, name: model.name },
      });
      return updated;
    });
  }

  /** Like authorize, by name or id. */
  async authorizeByRef(ctx: TenantContext, ref: string, permission: Permission): Promise<ModelModel> {
    if (isUuid(ref)) return this.authorize(ctx, ref, permission);
    const id = await this.models.idByName(ctx.tenantId, ref);
    if (!id) throw notFound('model');
    return this.authorize(ctx, id, permission);
  }

  /**
   * The model if the principal holds `permission` on it (NOT_FOUND when they cannot even see it). Also for other
   * features' services; must run inside their tenant transaction.
   */
  async authorize(ctx: TenantContext, id: string, permission: Permission): Promise<ModelRow> {
    const model = await this.models.find(ctx.tenantId, id, ctx.userId);
    const perms = model ? modelPermissions(ctx, model, model.grants[0]?.role ?? null) : new Set();
    if (!model || !perms.has(Permission.ModelsRead)) throw notFound('model');
    if (!perms.has(permission)) throw forbidden(`missing permission ${permission} on this model`);
    return model;
  }

  private async unique<T>(name: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`a model named "${name}" already exists`);
      throw error;
    }
  }
}

export function normalizeTags(tags: string[]): string[] {
  const out = [...new Set(tags.map((t) => t.trim().toLowerCase()))];
  if (out.length > Limits.tagsMax) throw badInput(`at most ${Limits.tagsMax} tags`, { field: 'tags' });
  const bad = out.find((t) => !Limits.tagPattern.test(t));
  if (bad !== undefined) {
    throw badInput(`invalid tag "${bad.slice(0, 60)}": use lowercase letters, digits and :._-`, {
      field: 'tags',
    });
  }
  return out;
}
