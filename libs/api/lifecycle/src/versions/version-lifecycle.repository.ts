import { Inject, Injectable } from '@nestjs/common';
import { Db, Prisma, type ModelVersionModel, type VersionState } from '@arca/api-db';
import type { ModelVisibilityFilter } from '@arca/api-access';

export interface VersionSearchFilter {
  query?: string;
  tags?: string[];
  state?: VersionState;
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

@Injectable()
export class VersionLifecycleRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  find(tenantId: string, id: string): Promise<ModelVersionModel | null> {
    return this.db.tx(tenantId).modelVersion.findFirst({ where: { tenantId, id } });
  }

  /** Metadata only: the immutability trigger refuses any change to content, digest or validation results. */
  update(
    tenantId: string,
    id: string,
    patch: { description?: string; tags?: string[]; card?: Prisma.InputJsonObject; archivedAt?: Date | null },
  ): Promise<ModelVersionModel> {
    return this.db.tx(tenantId).modelVersion.update({ where: { id, tenantId }, data: patch });
  }

  /**
   * Versions across the models the filter allows (archived versions and versions of archived models excluded),
   * newest first, keyset-paged on (created_at DESC, id). The query matches the version's description or its
   * model's name, case-insensitively and literally.
   */
  search(
    tenantId: string,
    visible: ModelVisibilityFilter,
    filter: VersionSearchFilter,
    take: number,
    after?: { createdAt: Date; id: string },
  ): Promise<ModelVersionModel[]> {
    const model: Prisma.ModelWhereInput[] = [{ archivedAt: null }];
    if (visible.restrictedGrantee) {
      model.push({
        OR: [{ visibility: 'internal' }, { grants: { some: { userId: visible.restrictedGrantee } } }],
      });
    }
    const and: Prisma.ModelVersionWhereInput[] = [{ tenantId, archivedAt: null, model: { AND: model } }];
    if (visible.onlyIds) and.push({ modelId: { in: [...visible.onlyIds] } });
    if (filter.state) and.push({ state: filter.state });
    if (filter.tags?.length) and.push({ tags: { hasEvery: filter.tags } });
    if (filter.query) {
      const q = escapeLike(filter.query);
      and.push({
        OR: [
          { description: { contains: q, mode: 'insensitive' } },
          { model: { name: { contains: q, mode: 'insensitive' } } },
        ],
      });
    }
    if (after) {
      and.push({
        OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }],
      });
    }
    return this.db.tx(tenantId).modelVersion.findMany({
      where: { AND: and },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take,
    });
  }
}
