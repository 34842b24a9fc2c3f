import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { Db, type ApiKeyModel, type TenantModel, type UserModel } from '@arca/api-db';
import { AuditLog } from '@arca/api-audit';
import { ApiKeyRepository } from './api-key.repository.js';
import { badInput, notFound, unauthenticated, type RequestInfo, type TenantContext } from '@arca/api-core';
import type { Role } from '@arca/contracts';
import { LoginThrottle } from './login-throttle.js';
import { PasswordHasher, assertPasswordPolicy } from './password-hasher.js';
import { SessionIssuer, type IssuedSession } from './session-issuer.service.js';
import { SessionRepository } from './session.repository.js';
import { UserRepository } from './user.repository.js';

const INVALID_LOGIN = 'invalid email or password';

export interface LoginOutcome extends IssuedSession {
  user: UserModel;
  tenant: TenantModel;
  role: Role;
}

@Injectable()
export class AuthService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(UserRepository) private readonly users: UserRepository,
    @Inject(SessionRepository) private readonly sessions: SessionRepository,
    @Inject(PasswordHasher) private readonly passwords: PasswordHasher,
    @Inject(LoginThrottle) private readonly throttle: LoginThrottle,
    @Inject(SessionIssuer) private readonly issuer: SessionIssuer,
    @Inject(ApiKeyRepository) private readonly apiKeys: ApiKeyRepository,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  /**
   * Email + password → session. Known and unknown emails take the same path (argon2 verify against a dummy
   * hash), failures are throttled per account+IP, IP and account, and the answer never says which part was wrong.
   */
  async login(
    email: string,
    password: string,
    tenantSlug: string | undefined,
    request: RequestInfo,
  ): Promise<LoginOutcome> {
    const subject = { account: email, ip: request.ip };
    await this.throttle.assertAllowed(subject);
    const user = await this.db.scopedTransaction({ loginEmail: email }, () =>
      this.users.findByEmailForAuth(email),
    );
    const valid = user
      ? await this.passwords.verify(user.passwordHash, password)
      : await this.passwords.verifyUnknownUser(password);
    if (!user || !valid) {
      await this.throttle.recordFailure(subject);
      if (user) this.auditFailedLogin(user.id, tenantSlug, request, 'wrong password');
      throw unauthenticated(INVALID_LOGIN);
    }
    const outcome = await this.db.scopedTransaction({ userId: user.id }, async () => {
      const memberships = await this.users.membershipsForAuth(user.id);
      const membership = tenantSlug ? memberships.find((m) => m.tenant.slug === tenantSlug) : memberships[0];
      if (!membership) return null;
      if (!tenantSlug && memberships.length > 1) {
        throw badInput('you belong to several tenants; pass tenantSlug', {
          field: 'tenantSlug',
          tenants: memberships.map((m) => m.tenant.slug),
        });
      }
      if (this.passwords.needsRehash(user.passwordHash)) {
        await this.users.updatePasswordHashForAuth(user.id, await this.passwords.hash(password), null);
      }
      await this.db.rescope({ tenantId: membership.tenantId });
      const session = await this.issuer.issue(membership.tenantId, user.id, request);
      await this.audit.record(
        {
          tenantId: membership.tenantId,
          kind: 'user',
          userId: user.id,
          sessionId: session.sessionId,
          request,
        },
        { action: 'auth.login', resource: { type: 'session', id: session.sessionId } },
      );
      return { ...session, user, tenant: membership.tenant, role: membership.role };
    });
    if (!outcome) {
      await this.throttle.recordFailure(subject);
      throw unauthenticated(INVALID_LOGIN);
    }
    await this.throttle.recordSuccess(subject);
    return outcome;
  }

  async logout(ctx: TenantContext): Promise<void> {
    if (!ctx.sessionId) return;
    const sessionId = ctx.sessionId;
    await this.db.tenantTransaction(ctx.tenantId, async () => {
      await this.sessions.revoke(ctx.tenantId, sessionId);
      await this.audit.record(ctx, { action: 'auth.logout', resource: { type: 'session', id: sessionId } });
    });
  }

  /**
   * Records a failed login of a known account in each of its tenants (the one named by `tenantSlug` only, when
   * given), in the background: the response must not take longer for existing accounts than for unknown ones.
   */
  private auditFailedLogin(
    userId: string,
    tenantSlug: string | undefined,
    request: RequestInfo,
    reason: string,
  ): void {
    this.audit.inBackground(async () => {
      const memberships = await this.db.outsideTransaction(() =>
        this.db.scopedTransaction({ userId }, () => this.users.membershipsForAuth(userId)),
      );
      for (const m of memberships) {
        if (tenantSlug && m.tenant.slug !== tenantSlug) continue;
        await this.audit.recordDetached(
          { tenantId: m.tenantId, kind: 'user', userId, request },
          { action: 'auth.login', outcome: 'denied', reason },
        );
      }
    });
  }

  /** Verifies the current password, stores the new hash and revokes every other session of the user. */
  async changePassword(ctx: TenantContext, currentPassword: string, newPassword: string): Promise<void> {
    const subject = { account: `user:${ctx.userId}`, ip: ctx.request.ip };
    await this.throttle.assertAllowed(subject);
    if (currentPassword === newPassword) {
      throw badInput('the new password must differ from the current one', { field: 'newPassword' });
    }
    assertPasswordPolicy(newPassword, 'newPassword');
    const user = await this.db.scopedTransaction({ userId: ctx.userId }, () =>
      this.users.findByIdForAuth(ctx.userId),
    );
    if (!user || !(await this.passwords.verify(user.passwordHash, currentPassword))) {
      await this.throttle.recordFailure(subject);
      await this.audit.recordDetached(ctx, {
        action: 'auth.password_change',
        outcome: 'denied',
        reason: 'current password is wrong',
      });
      throw unauthenticated('current password is wrong');
    }
    const newHash = await this.passwords.hash(newPassword);
    const keep = ctx.sessionId ?? randomUUID();
    await this.db.scopedTransaction({ userId: ctx.userId, tenantId: ctx.tenantId }, async () => {
      await this.users.updatePasswordHashForAuth(ctx.userId, newHash, new Date());
      await this.sessions.revokeOthersForAuth(ctx.userId, keep);
      await this.audit.record(ctx, {
        action: 'auth.password_change',
        details: { otherSessionsRevoked: true },
      });
    });
    await this.throttle.recordSuccess(subject);
  }

  async me(
    ctx: TenantContext,
  ): Promise<{ user: UserModel; tenant: TenantModel; apiKey: ApiKeyModel | null }> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const user = await this.users.findMember(ctx.tenantId, ctx.userId);
      const tenant = await this.users.findTenant(ctx.tenantId);
      const apiKey = ctx.apiKeyId ? await this.apiKeys.find(ctx.tenantId, ctx.apiKeyId) : null;
      if (!user || !tenant) throw notFound('principal');
      return { user, tenant, apiKey };
    });
  }
}
