import { Inject, Injectable } from '@nestjs/common';
import { Db, type Bytes, type InvitationModel, type MemberRole } from '@arca/api-db';

@Injectable()
export class InvitationRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  list(tenantId: string): Promise<InvitationModel[]> {
    return this.db.tx(tenantId).invitation.findMany({
      where: { tenantId },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take: 200,
    });
  }

  find(tenantId: string, id: string): Promise<InvitationModel | null> {
    return this.db.tx(tenantId).invitation.findFirst({ where: { tenantId, id } });
  }

  /** Inside Db.secretLookup(tokenHash): finds the invitation by its secret. */
  findByTokenForAuth(tokenHash: Bytes): Promise<InvitationModel | null> {
    return this.db.currentTx().invitation.findUnique({ where: { tokenHash } });
  }

  /**
   * Serializes invitations to one email in one tenant until the transaction ends, so that concurrent re-invites
   * cannot both see "nothing pending" and leave two live invitations.
   */
  async lockEmail(tenantId: string, email: string): Promise<void> {
    const key = `invitation:${tenantId}:${email}`;
    await this.db.tx(tenantId).$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`;
  }

  async revokePending(tenantId: string, email: string): Promise<void> {
    await this.db.tx(tenantId).invitation.updateMany({
      where: { tenantId, email, acceptedAt: null, revokedAt: null },
      data: { revokedAt: new Date() },
    });
  }

  create(
    tenantId: string,
    i: { email: string; role: MemberRole; tokenHash: Bytes; invitedById: string; expiresAt: Date },
  ): Promise<InvitationModel> {
    return this.db.tx(tenantId).invitation.create({ data: { tenantId, ...i } });
  }

  revoke(tenantId: string, id: string): Promise<InvitationModel> {
    return this.db
      .tx(tenantId)
      .invitation.update({ where: { id, tenantId }, data: { revokedAt: new Date() } });
  }

  /** Marks accepted only if still pending; returns false when a concurrent accept won. */
  async markAccepted(tenantId: string, id: string): Promise<boolean> {
    const r = await this.db.tx(tenantId).invitation.updateMany({
      where: { tenantId, id, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
      data: { acceptedAt: new Date() },
    });
    return r.count === 1;
  }
}
