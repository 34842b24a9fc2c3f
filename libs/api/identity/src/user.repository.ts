import { Inject, Injectable } from '@nestjs/common';
import { Db, type MemberRole, type TenantModel, type UserModel } from '@arca/api-db';

export interface MembershipWithTenant {
  tenantId: string;
  role: MemberRole;
  tenant: TenantModel;
}

/**
 * Users are global identities. Methods named `…ForAuth` run inside an authentication transaction
 * (Db.scopedTransaction with loginEmail/userId); the others are tenant-scoped like every repository.
 */
@Injectable()
export class UserRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  findByEmailForAuth(email: string): Promise<UserModel | null> {
    return this.db.currentTx().user.findUnique({ where: { email } });
  }

  findByIdForAuth(userId: string): Promise<UserModel | null> {
    return this.db.currentTx().user.findUnique({ where: { id: userId } });
  }

  membershipsForAuth(userId: string): Promise<MembershipWithTenant[]> {
    return this.db.currentTx().membership.findMany({
      where: { userId, tenant: { deletedAt: null } },
      select: { tenantId: true, role: true, tenant: true },
      orderBy: { createdAt: 'asc' },
    });
  }

  async createForAuth(user: {
    id: string;
    email: string;
    displayName: string;
    passwordHash: string;
  }): Promise<UserModel> {
    return this.db.currentTx().user.create({ data: user });
  }

  async updatePasswordHashForAuth(
    userId: string,
    passwordHash: string,
    changedAt: Date | null,
  ): Promise<void> {
    await this.db.currentTx().user.update({
      where: { id: userId },
      data: { passwordHash, ...(changedAt ? { passwordChangedAt: changedAt } : {}) },
    });
  }

  findMember(tenantId: string, userId: string): Promise<UserModel | null> {
    return this.db
      .tx(tenantId)
      .user.findFirst({ where: { id: userId, memberships: { some: { tenantId } } } });
  }

  findTenant(tenantId: string): Promise<TenantModel | null> {
    return this.db.tx(tenantId).tenant.findFirst({ where: { id: tenantId, deletedAt: null } });
  }
}
