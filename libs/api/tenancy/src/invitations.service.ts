import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Role } from '@arca/contracts';
import { Db, type InvitationModel, type TenantModel, type UserModel } from '@arca/api-db';
import {
  conflict,
  forbidden,
  notFound,
  unauthenticated,
  type RequestInfo,
  type TenantContext,
} from '@arca/api-core';
import {
  INVITATION_TOKEN_PREFIX,
  LoginThrottle,
  PasswordHasher,
  SessionIssuer,
  TokenHasher,
  UserRepository,
  assertPasswordPolicy,
  isOpaqueToken,
  newOpaqueToken,
  type IssuedSession,
} from '@arca/api-identity';
import { AuditLog } from '@arca/api-audit';
import { InvitationRepository } from './invitation.repository.js';
import { MembershipRepository } from './membership.repository.js';
import { TenantRepository } from './tenant.repository.js';

const INVITATION_DAYS = 7;

export interface AcceptedInvitation extends IssuedSession {
  user: UserModel;
  tenant: TenantModel;
  role: Role;
}

@Injectable()
export class InvitationsService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(InvitationRepository) private readonly invitations: InvitationRepository,
    @Inject(MembershipRepository) private readonly members: MembershipRepository,
    @Inject(TenantRepository) private readonly tenants: TenantRepository,
    @Inject(UserRepository) private readonly users: UserRepository,
    @Inject(PasswordHasher) private readonly passwords: PasswordHasher,
    @Inject(TokenHasher) private readonly tokens: TokenHasher,
    @Inject(SessionIssuer) private readonly sessions: SessionIssuer,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  list(ctx: TenantContext): Promise<InvitationModel[]> {
    return this.db.readTransaction(ctx.tenantId, () => this.invitations.list(ctx.tenantId));
  }

  /** One-time token, valid 7 days, shown once; a new invitation replaces pending ones for the same email. */
  async invite(
    ctx: TenantContext,
    email: string,
    role: Role,
  ): Promise<{ invitation: InvitationModel; token: string }> {
    if (role === Role.Owner && ctx.role !== Role.Owner) throw forbidden('only an owner can invite an owner');
    const token = newOpaqueToken(INVITATION_TOKEN_PREFIX);
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      await this.invitations.lockEmail(ctx.tenantId, email);
      if (await this.members.existsByEmail(ctx.tenantId, email)) {
        throw conflict('that person is already a member');
      }
      await this.invitations.revokePending(ctx.tenantId, email);
      const invitation = await this.invitations.create(ctx.tenantId, {
        email,
        role,
        tokenHash: this.tokens.hash(token),
        invitedById: ctx.userId,
        expiresAt: new Date(Date.now() + INVITATION_DAYS * 86_400_000),
      });
      await this.audit.record(ctx, {
        action: 'member.invite',
        resource: { type: 'invitation', id: invitation.id },
        details: { role, expiresAt: invitation.expiresAt.toISOString() },
        pii: { email },
      });
      return { invitation, token };
    });
  }

  async revoke(ctx: TenantContext, id: string): Promise<InvitationModel> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const inv = await this.invitations.find(ctx.tenantId, id);
      if (!inv) throw notFound('invitation');
      if (inv.acceptedAt) throw conflict('the invitation was already accepted');
      if (inv.revokedAt) return inv;
      const revoked = await this.invitations.revoke(ctx.tenantId, id);
      await this.audit.record(ctx, { action: 'member.invite_revoke', resource: { type: 'invitation', id } });
      return revoked;
    });
  }

  /**
   * Redeems a token: creates the account (or, for an existing account, checks its password), adds the
   * membership, consumes the invitation and opens a session — all in one transaction.
   */
  async accept(
    token: string,
    password: string,
    displayName: string | undefined,
    request: RequestInfo,
  ): Promise<AcceptedInvitation> {
    if (!isOpaqueToken(token, INVITATION_TOKEN_PREFIX)) throw unauthenticated('invalid invitation token');
    const tokenHash = this.tokens.hash(token);
    const invitation = await this.db.secretLookup(tokenHash, () =>
      this.invitations.findByTokenForAuth(tokenHash),
    );
    if (!invitation || invitation.revokedAt || invitation.acceptedAt || invitation.expiresAt <= new Date()) {
      throw unauthenticated('invitation is invalid, used or expired');
    }
    const subject = { account: invitation.email, ip: request.ip };
    await this.throttle.assertAllowed(subject);
    const existing = await this.db.scopedTransaction({ loginEmail: invitation.email }, () =>
      this.users.findByEmailForAuth(invitation.email),
    );
    if (existing && !(await this.passwords.verify(existing.passwordHash, password))) {
      await this.throttle.recordFailure(subject);
      await this.audit.recordDetached(
        { tenantId: invitation.tenantId, kind: 'user', userId: existing.id, request },
        {
          action: 'member.join',
          outcome: 'denied',
          resource: { type: 'invitation', id: invitation.id },
          reason: 'wrong password',
        },
      );
      throw unauthenticated('this email already has an account; enter its password to accept');
    }
    const newHash = existing ? null : await this.passwords.hash((assertPasswordPolicy(password), password));
    const userId = existing?.id ?? randomUUID();
    const tenantId = invitation.tenantId;
    return this.db.scopedTransaction({ tenantId, userId, loginEmail: invitation.email }, async () => {
      if (!(await this.invitations.markAccepted(tenantId, invitation.id))) {
        throw unauthenticated('invitation is invalid, used or expired');
      }
      const user =
        existing ??
        (await this.users.createForAuth({
          id: userId,
          email: invitation.email,
          displayName: displayName ?? invitation.email.split('@')[0] ?? invitation.email,
          passwordHash: newHash as string,
        }));
      if (await this.members.find(tenantId, userId)) throw conflict('already a member of this tenant');
      await this.members.create(tenantId, userId, invitation.role);
      const tenant = await this.tenants.get(tenantId);
      if (!tenant) throw notFound('tenant');
      const session = await this.sessions.issue(tenantId, userId, request);
      await this.audit.record(
        { tenantId, kind: 'user', userId, sessionId: session.sessionId, request },
        {
          action: 'member.join',
          resource: { type: 'invitation', id: invitation.id },
          details: { role: invitation.role, invitedBy: invitation.invitedById, newAccount: !existing },
        },
      );
      const role = invitation.role;
      return { ...session, user, tenant, role };
    });
  }
}
