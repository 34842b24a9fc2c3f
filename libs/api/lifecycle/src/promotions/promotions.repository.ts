import { Inject, Injectable } from '@nestjs/common';
import { Db, Prisma, type PromotionRequestModel, type PromotionState } from '@arca/api-db';
import type { ModelVisibilityFilter } from '@arca/api-access';

export type PromotionRow = PromotionRequestModel & { version: { number: number } };

const withNumber = { version: { select: { number: true } } } as const;

@Injectable()
export class PromotionsRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  find(tenantId: string, id: string): Promise<PromotionRow | null> {
    return this.db.tx(tenantId).promotionRequest.findFirst({ where: { tenantId, id }, include: withNumber });
  }

  create(
    tenantId: string,
    r: { modelId: string; alias: string; versionId: string; reason: string; requestedBy: string },
  ): Promise<PromotionRow> {
    return this.db.tx(tenantId).promotionRequest.create({ data: { tenantId, ...r }, include: withNumber });
  }

  async pendingExists(tenantId: string, modelId: string, alias: string, versionId: string): Promise<boolean> {
    const row = await this.db.tx(tenantId).promotionRequest.findFirst({
      where: { tenantId, modelId, alias, versionId, state: 'pending' },
      select: { id: true },
    });
    return row !== null;
  }

  /** pending → `state`; null if the request was no longer pending. */
  async decide(
    tenantId: string,
    id: string,
    d: { state: Exclude<PromotionState, 'pending'>; decidedBy: string; note: string | null },
  ): Promise<PromotionRow | null> {
    const tx = this.db.tx(tenantId);
    const { count } = await tx.promotionRequest.updateMany({
      where: { tenantId, id, state: 'pending' },
      data: { state: d.state, decidedBy: d.decidedBy, decisionNote: d.note, decidedAt: new Date() },
    });
    return count === 1
      ? tx.promotionRequest.findFirst({ where: { tenantId, id }, include: withNumber })
      : null;
  }

  /** Cancels every other pending request for the alias; returns their ids. */
  async supersede(
    tenantId: string,
    s: { modelId: string; alias: string; exceptId: string; decidedBy: string; note: string },
  ): Promise<string[]> {
    const tx = this.db.tx(tenantId);
    const where = {
      tenantId,
      modelId: s.modelId,
      alias: s.alias,
      state: 'pending' as const,
      id: { not: s.exceptId },
    };
    const rows = await tx.promotionRequest.findMany({ where, select: { id: true }, orderBy: { id: 'asc' } });
    if (rows.length === 0) return [];
    await tx.promotionRequest.updateMany({
      where: { ...where, id: { in: rows.map((r) => r.id) } },
      data: { state: 'cancelled', decidedBy: s.decidedBy, decisionNote: s.note, decidedAt: new Date() },
    });
    return rows.map((r) => r.id);
  }

  /** Cancels every pending request to promote a version; returns their ids. */
  async cancelPendingForVersion(
    tenantId: string,
    c: { versionId: string; decidedBy: string; note: string },
  ): Promise<string[]> {
    const tx = this.db.tx(tenantId);
    const where = { tenantId, versionId: c.versionId, state: 'pending' as const };
    const rows = await tx.promotionRequest.findMany({ where, select: { id: true }, orderBy: { id: 'asc' } });
    if (rows.length === 0) return [];
    await tx.promotionRequest.updateMany({
      where: { ...where, id: { in: rows.map((r) => r.id) } },
      data: { state: 'cancelled', decidedBy: c.decidedBy, decisionNote: c.note, decidedAt: new Date() },
    });
    return rows.map((r) => r.id);
  }

  /** Newest first, keyset-paged on (created_at DESC, id), over requests on models the filter allows. */
  page(
    tenantId: string,
    visible: ModelVisibilityFilter,
    filter: { modelId?: string; state?: PromotionState },
    take: number,
    after?: { createdAt: Date; id: string },
  ): Promise<PromotionRow[]> {
    const and: Prisma.PromotionRequestWhereInput[] = [{ tenantId }];
    if (filter.modelId) and.push({ modelId: filter.modelId });
    if (filter.state) and.push({ state: filter.state });
    if (visible.onlyIds) and.push({ modelId: { in: [...visible.onlyIds] } });
    if (visible.restrictedGrantee) {
      and.push({
        model: {
          OR: [{ visibility: 'internal' }, { grants: { some: { userId: visible.restrictedGrantee } } }],
        },
      });
    }
    if (after) {
      and.push({
        OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }],
      });
    }
    return this.db.tx(tenantId).promotionRequest.findMany({
      where: { AND: and },
      include: withNumber,
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take,
    });
  }
}
