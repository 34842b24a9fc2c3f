import { Inject, Injectable } from '@nestjs/common';
import { Db, type Bytes, type MemberRole } from '@arca/api-db';

export interface ResolvedSession {
  sessionId: string;
  tenantId: string;
  tenantSlug: string;
  userId: string;
  role: MemberRole;
}

@Injectable()
export class SessionRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  /** One round trip: finds a live session by token hash, slides its idle expiry, returns its tenant and role. */
  async resolve(tokenHash: Bytes, idleSeconds: number): Promise<ResolvedSession | null> {
    const rows = await this.db.lookup<{
      session_id: string;
      tenant_id: string;
      tenant_slug: string;
      user_id: string;
      role: MemberRole;
    }>('SELECT * FROM arca_resolve_session($1::bytea, $2::int)', [tokenHash, idleSeconds]);
    const r = rows[0];
    return r
      ? {
          sessionId: r.session_id,
          tenantId: r.tenant_id,
          tenantSlug: r.tenant_slug,
          userId: r.user_id,
          role: r.role,
        }
      : null;
  }

  async create(
    tenantId: string,
    s: {
      userId: string;
      tokenHash: Bytes;
      idleExpiresAt: Date;
      expiresAt: Date;
      ip: string;
      userAgent?: string;
    },
  ): Promise<{ id: string }> {
    return this.db.tx(tenantId).session.create({
      data: {
        tenantId,
        userId: s.userId,
        tokenHash: s.tokenHash,
        idleExpiresAt: s.idleExpiresAt,
        expiresAt: s.expiresAt,
        ip: s.ip,
        userAgent: s.userAgent,
      },
      select: { id: true },
    });
  }

  async revoke(tenantId: string, sessionId: string): Promise<void> {
    await this.db.tx(tenantId).session.updateMany({
      where: { tenantId, id: sessionId, revokedAt: null },
      data: { revokedAt: new Date() },
    });
  }

  /** Inside an authentication transaction scoped to the user: revokes their sessions in every tenant but one. */
  async revokeOthersForAuth(userId: string, keepSessionId: string): Promise<number> {
    const result = await this.db.currentTx().session.updateMany({
      where: { userId, id: { not: keepSessionId }, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    return result.count;
  }
}
