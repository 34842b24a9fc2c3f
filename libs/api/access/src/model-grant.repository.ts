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

  /**
   * Creates or replaces a grant atomically. (Prisma's upsert is a read then a write: two concurrent grants to one
   * user would both insert and one would fail on the primary key, aborting its transaction.)
   */
  async upsert(
    tenantId: string,
    g: { modelId: string; userId: string; role: MemberRole; createdById: string },
  ): Promise<GrantRow> {
    const tx = this.db.tx(tenantId);
    await tx.$executeRaw`
      INSERT INTO model_grants (tenant_id, model_id, user_id, role, created_by)
      VALUES (${tenantId}::uuid, ${g.modelId}::uuid, ${g.userId}::uuid, ${g.role}::member_role, ${g.createdById}::uuid)
      ON CONFLICT (model_id, user_id) DO UPDATE SET role = EXCLUDED.role, created_by = EXCLUDED.created_by`;
    return tx.modelGrant.findUniqueOrThrow({
      where: { modelId_userId: { modelId: g.modelId, userId: g.userId } },
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
