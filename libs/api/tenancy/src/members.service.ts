import { Inject, Injectable } from '@nestjs/common';
import { Role } from '@arca/contracts';
import { Db } from '@arca/api-db';
import {
  badInput,
  decodeCursor,
  encodeCursor,
  failedPrecondition,
  forbidden,
  notFound,
  pageSize,
  slicePage,
  type TenantContext,
} from '@arca/api-core';
import { MembershipRepository, type MemberRow } from './membership.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The (created_at, user_id) key of a cursor. Cursors come back from clients: a forged one is BAD_USER_INPUT and never
 * reaches Postgres, where a non-UUID id or a date outside the timestamptz range would be an internal error.
 */
function cursorKey(cursor: string): { createdAt: Date; userId: string } {
  const key = decodeCursor(cursor, 2);
  const createdAt = new Date(String(key[0]));
  const userId = String(key[1]);
  const year = createdAt.getUTCFullYear();
  if (Number.isNaN(year) || year < 1 || year > 9999 || !UUID.test(userId)) {
    throw badInput('invalid cursor', { field: 'after' });
  }
  return { createdAt, userId };
}

export interface MemberPage {
  rows: { row: MemberRow; cursor: string }[];
  hasNextPage: boolean;
}

@Injectable()
export class MembersService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(MembershipRepository) private readonly members: MembershipRepository,
  ) {}

  async list(ctx: TenantContext, first?: number | null, after?: string | null): Promise<MemberPage> {
    const size = pageSize(first);
    const afterKey = after ? cursorKey(after) : undefined;
    const rows = await this.db.tenantTransaction(ctx.tenantId, () =>
      this.members.page(ctx.tenantId, size + 1, afterKey),
    );
    const { page, hasNextPage } = slicePage(rows, size);
    return {
      rows: page.map((row) => ({ row, cursor: encodeCursor([row.createdAt.toISOString(), row.userId]) })),
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
      return this.members.updateRole(ctx.tenantId, userId, role);
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
    });
  }
}
