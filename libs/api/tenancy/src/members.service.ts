import { Inject, Injectable } from '@nestjs/common';
import { Role } from '@arca/contracts';
import { Db } from '@arca/api-db';
import {
  decodeTimeIdCursor,
  encodeTimeIdCursor,
  failedPrecondition,
  forbidden,
  notFound,
  pageSize,
  slicePage,
  type TenantContext,
} from '@arca/api-core';
import { AuditLog } from '@arca/api-audit';
import { MembershipRepository, type MemberRow } from './membership.repository.js';

export interface MemberPage {
  rows: { row: MemberRow; cursor: string }[];
  hasNextPage: boolean;
}

@Injectable()
export class MembersService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(MembershipRepository) private readonly members: MembershipRepository,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  async list(ctx: TenantContext, first?: number | null, after?: string | null): Promise<MemberPage> {
    const size = pageSize(first);
    const cursor = after ? decodeTimeIdCursor(after) : undefined;
    const afterKey = cursor ? { createdAt: cursor.createdAt, userId: cursor.id } : undefined;
    const rows = await this.db.readTransaction(ctx.tenantId, () =>
      this.members.page(ctx.tenantId, size + 1, afterKey),
    );
    const { page, hasNextPage } = slicePage(rows, size);
    return {
      rows: page.map((row) => ({
        row,
        cursor: encodeTimeIdCursor({ createdAt: row.createdAt, id: row.userId }),
      })),
      hasNextPage,
    };
  }

  /** Only owners grant or take the owner role; the last owner can be neither demoted nor removed. */
  async updateRole(ctx: TenantContext, userId: string, role: Role): Promise<MemberRow> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const owners = await this.members.lockOwners(ctx.tenantId);
      const target = await this.members.find(ctx.tenantId, userId);
      if (!target) throw notFound('member');
      if ((role === Role.Owner || target.role === Role.Owner) && ctx.role !== Role.Owner) {
        throw forbidden('only an owner can grant or revoke the owner role');
      }
      if (target.role === Role.Owner && role !== Role.Owner && owners.length <= 1) {
        throw failedPrecondition('the last owner cannot be demoted; make someone else an owner first');
      }
      if (target.role === role) return target;
      const updated = await this.members.updateRole(ctx.tenantId, userId, role);
      await this.audit.record(ctx, {
        action: 'member.role_change',
        resource: { type: 'member', id: userId },
        details: { from: target.role, to: role },
      });
      return updated;
    });
  }

  async remove(ctx: TenantContext, userId: string): Promise<void> {
    await this.db.tenantTransaction(ctx.tenantId, async () => {
      const owners = await this.members.lockOwners(ctx.tenantId);
      const target = await this.members.find(ctx.tenantId, userId);
      if (!target) throw notFound('member');
      if (target.role === Role.Owner && ctx.role !== Role.Owner) {
        throw forbidden('only an owner can remove an owner');
      }
      if (target.role === Role.Owner && owners.length <= 1) {
        throw failedPrecondition('the last owner cannot be removed; make someone else an owner first');
      }
      await this.members.remove(ctx.tenantId, userId);
      await this.audit.record(ctx, {
        action: 'member.remove',
        resource: { type: 'member', id: userId },
        details: { role: target.role },
      });
    });
  }
}
