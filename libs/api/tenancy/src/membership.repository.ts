import { Inject, Injectable } from '@nestjs/common';
import { Db, type MemberRole, type MembershipModel, type UserModel } from '@arca/api-db';

export type MemberRow = MembershipModel & { user: UserModel };

@Injectable()
export class MembershipRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  /** Keyset page ordered by (created_at, user_id). */
  page(tenantId: string, take: number, after?: { createdAt: Date; userId: string }): Promise<MemberRow[]> {
    return this.db.tx(tenantId).membership.findMany({
      where: {
        tenantId,
        ...(after
          ? {
              OR: [
                { createdAt: { gt: after.createdAt } },
                { createdAt: after.createdAt, userId: { gt: after.userId } },
              ],
            }
          : {}),
      },
      include: { user: true },
      orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }],
      take,
    });
  }

  find(tenantId: string, userId: string): Promise<MemberRow | null> {
    return this.db.tx(tenantId).membership.findUnique({
      where: { tenantId_userId: { tenantId, userId } },
      include: { user: true },
    });
  }

  async existsByEmail(tenantId: string, email: string): Promise<boolean> {
    return (await this.db.tx(tenantId).membership.count({ where: { tenantId, user: { email } } })) > 0;
  }

  /** Locks the tenant's owner rows so concurrent demotions cannot remove the last owner. Returns their ids. */
  async lockOwners(tenantId: string): Promise<string[]> {
    const rows = await this.db.tx(tenantId).$queryRaw<{ user_id: string }[]>`
      SELECT user_id FROM memberships WHERE tenant_id = ${tenantId}::uuid AND role = 'owner' FOR UPDATE`;
    return rows.map((r) => r.user_id);
  }

  create(tenantId: string, userId: string, role: MemberRole): Promise<MembershipModel> {
    return this.db.tx(tenantId).membership.create({ data: { tenantId, userId, role } });
  }

  updateRole(tenantId: string, userId: string, role: MemberRole): Promise<MemberRow> {
    return this.db.tx(tenantId).membership.update({
      where: { tenantId_userId: { tenantId, userId } },
      data: { role },
      include: { user: true },
    });
  }

  /**
   * Deletes the membership, revokes the user's sessions and API keys in this tenant and drops their model grants.
   * Key resolution also joins the membership, but revoking the keys keeps them dead if the user is re-invited.
   */
  async remove(tenantId: string, userId: string): Promise<void> {
    const tx = this.db.tx(tenantId);
    const now = new Date();
    await tx.membership.delete({ where: { tenantId_userId: { tenantId, userId } } });
    await tx.session.updateMany({ where: { tenantId, userId, revokedAt: null }, data: { revokedAt: now } });
    await tx.apiKey.updateMany({
      where: { tenantId, createdById: userId, revokedAt: null },
      data: { revokedAt: now },
    });
    await tx.modelGrant.deleteMany({ where: { tenantId, userId } });
  }
}
