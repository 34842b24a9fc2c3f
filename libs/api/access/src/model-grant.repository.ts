import { Inject, Injectable } from '@nestjs/common';
import { Db, type MemberRole, type ModelGrantModel, type UserModel } from '@arca/api-db';

export type GrantRow = ModelGrantModel & { user: UserModel };

@Injectable()
export class ModelGrantRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  list(tenantId: string, modelId: string): Promise<GrantRow[]> {
    return this.db.tx(tenantId).modelGrant.findMany({
      where: { tenantId, modelId },
      include: { user: true },
      orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }],
      take: 1000,
    });
  }

  upsert(
    tenantId: string,
    g: { modelId: string; userId: string; role: MemberRole; createdById: string },
  ): Promise<GrantRow> {
    return this.db.tx(tenantId).modelGrant.upsert({
      where: { modelId_userId: { modelId: g.modelId, userId: g.userId } },
      create: { tenantId, ...g },
      update: { role: g.role, createdById: g.createdById },
      include: { user: true },
    });
  }

  async remove(tenantId: string, modelId: string, userId: string): Promise<boolean> {
    const r = await this.db.tx(tenantId).modelGrant.deleteMany({ where: { tenantId, modelId, userId } });
    return r.count > 0;
  }

  async modelExists(tenantId: string, modelId: string): Promise<boolean> {
    return (await this.db.tx(tenantId).model.count({ where: { tenantId, id: modelId } })) > 0;
  }

  /** FK checks bypass RLS, so membership in this tenant is checked explicitly. */
  async isMember(tenantId: string, userId: string): Promise<boolean> {
    return (await this.db.tx(tenantId).membership.count({ where: { tenantId, userId } })) > 0;
  }
}
