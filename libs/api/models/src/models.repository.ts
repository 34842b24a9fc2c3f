import { Inject, Injectable } from '@nestjs/common';
import { Db, Prisma, type MemberRole, type ModelModel, type ModelVisibility } from '@arca/api-db';
import type { ModelVisibilityFilter } from '@arca/api-access';

export type ModelRow = ModelModel & { grants: { role: MemberRole }[] };

export interface ModelSearch {
  query?: string;
  tags?: string[];
  includeArchived: boolean;
}

// Prisma's `contains` wraps the value in `%…%` but does not escape LIKE metacharacters: escape them here so a
// query is always matched literally (backslash is Postgres' default LIKE escape character).
const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

@Injectable()
export class ModelsRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  /** The model and, only for restricted models (the only ones grants affect), the viewer's grant. */
  async find(tenantId: string, id: string, viewerId: string): Promise<ModelRow | null> {
    const tx = this.db.tx(tenantId);
    const model = await tx.model.findFirst({ where: { tenantId, id } });
    if (!model) return null;
    if (model.visibility !== 'restricted') return { ...model, grants: [] };
    const grants = await tx.modelGrant.findMany({
      where: { tenantId, modelId: id, userId: viewerId },
      select: { role: true },
    });
    return { ...model, grants };
  }

  async idByName(tenantId: string, name: string): Promise<string | null> {
    const row = await this.db
      .tx(tenantId)
      .model.findFirst({ where: { tenantId, name }, select: { id: true } });
    return row?.id ?? null;
  }

  /** Keyset page ordered by (created_at DESC, id) over the models the filter allows. */
  page(
    tenantId: string,
    visible: ModelVisibilityFilter,
    search: ModelSearch,
    take: number,
    after?: { createdAt: Date; id: string },
  ): Promise<ModelModel[]> {
    const and: Prisma.ModelWhereInput[] = [{ tenantId }];
    if (visible.onlyIds) and.push({ id: { in: [...visible.onlyIds] } });
    if (visible.restrictedGrantee) {
      and.push({
        OR: [{ visibility: 'internal' }, { grants: { some: { userId: visible.restrictedGrantee } } }],
      });
    }
    if (!search.includeArchived) and.push({ archivedAt: null });
    if (search.tags?.length) and.push({ tags: { hasEvery: search.tags } });
    if (search.query) {
      const q = escapeLike(search.query);
      and.push({
        OR: [
          { name: { contains: q, mode: 'insensitive' } },
          { description: { contains: q, mode: 'insensitive' } },
        ],
      });
    }
    if (after) {
      and.push({
        OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }],
      });
    }
    return this.db
      .tx(tenantId)
      .model.findMany({ where: { AND: and }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], take });
  }

  async create(
    tenantId: string,
    m: {
      name: string;
      description: string;
      tags: string[];
      visibility: ModelVisibility;
      createdById: string;
      creatorGrant: MemberRole | null;
    },
  ): Promise<ModelModel> {
    const { creatorGrant, ...data } = m;
    const tx = this.db.tx(tenantId);
    const model = await tx.model.create({ data: { tenantId, ...data } });
    if (creatorGrant) {
      await tx.modelGrant.create({
        data: {
          tenantId,
          modelId: model.id,
          userId: m.createdById,
          role: creatorGrant,
          createdById: m.createdById,
        },
      });
    }
    return model;
  }

  update(
    tenantId: string,
    id: string,
    patch: {
      name?: string;
      description?: string;
      tags?: string[];
      visibility?: ModelVisibility;
      archivedAt?: Date | null;
    },
  ): Promise<ModelModel> {
    return this.db.tx(tenantId).model.update({ where: { id, tenantId }, data: patch });
  }
}
