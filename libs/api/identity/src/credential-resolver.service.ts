import { Inject, Injectable } from '@nestjs/common';
import { ALL_ROLES, checkApiKey, isPermission, permissionsOf, API_KEY_PREFIX } from '@arca/contracts';
import {
  ARCA_CONFIG,
  unauthenticated,
  type ArcaConfig,
  type CredentialResolver,
  type RequestInfo,
  type TenantContext,
} from '@arca/api-core';
import { AuditLog } from '@arca/api-audit';
import { ApiKeyRepository, deadKey, type ResolvedApiKey } from './api-key.repository.js';
import { SessionRepository } from './session.repository.js';
import { SESSION_TOKEN_PREFIX, TokenHasher, isOpaqueToken } from './token-hasher.js';

/** Turns a bearer token or session cookie into a TenantContext, or answers UNAUTHENTICATED. */
@Injectable()
export class IdentityCredentialResolver implements CredentialResolver {
  constructor(
    @Inject(ApiKeyRepository) private readonly apiKeys: ApiKeyRepository,
    @Inject(SessionRepository) private readonly sessions: SessionRepository,
    @Inject(TokenHasher) private readonly hasher: TokenHasher,
    @Inject(ARCA_CONFIG) private readonly config: ArcaConfig,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  resolveBearer(token: string, request: RequestInfo): Promise<TenantContext> {
    if (token.startsWith(API_KEY_PREFIX)) return this.resolveApiKey(token, request);
    return this.resolveSessionCookie(token, request);
  }

  async resolveSessionCookie(token: string, request: RequestInfo): Promise<TenantContext> {
    if (!isOpaqueToken(token, SESSION_TOKEN_PREFIX)) throw unauthenticated('invalid session token');
    const s = await this.sessions.resolve(this.hasher.hash(token), this.config.session.idleSeconds);
    if (!s) throw unauthenticated('session expired or revoked; log in again');
    return {
      tenantId: s.tenantId,
      tenantSlug: s.tenantSlug,
      userId: s.userId,
      kind: 'session',
      sessionId: s.sessionId,
      role: s.role,
      permissions: permissionsOf(s.role),
      modelRestriction: null,
      request,
    };
  }

  private async resolveApiKey(key: string, request: RequestInfo): Promise<TenantContext> {
    const check = checkApiKey(key);
    if (check !== 'ok') {
      throw unauthenticated(check === 'malformed' ? 'malformed API key' : 'invalid API key checksum');
    }
    const hash = this.hasher.hash(key);
    // A cached key that fails its re-check fails the request; if it was revoked or has expired, that use is
    // recorded like any other use of a dead key (once: not again by the server's replay of the request).
    const k = await this.apiKeys.resolve(hash, () =>
      this.audit.inBackground(async () => {
        const now = await this.apiKeys.resolve(hash);
        if (now && deadKey(now)) await this.recordDeadKeyUse(now, request);
      }),
    );
    if (!k) throw unauthenticated('invalid API key');
    const refused = deadKey(k);
    if (refused) {
      if (!request.replay) await this.recordDeadKeyUse(k, request);
      throw unauthenticated(`API key ${refused}`);
    }
    if (!k.role || !(ALL_ROLES as readonly string[]).includes(k.role)) {
      throw unauthenticated("the API key's creator is no longer a member of this tenant");
    }
    const role = k.role;
    const rolePermissions = permissionsOf(role);
    const permissions = new Set(k.scopes.filter(isPermission).filter((p) => rolePermissions.has(p)));
    return {
      tenantId: k.tenantId,
      tenantSlug: k.tenantSlug,
      userId: k.userId,
      kind: 'apiKey',
      apiKeyId: k.apiKeyId,
      role,
      permissions,
      modelRestriction: k.modelIds.length > 0 ? k.modelIds : null,
      request,
    };
  }

  /** Someone holds a dead key: worth a record in the key's tenant log. */
  private recordDeadKeyUse(k: ResolvedApiKey, request: RequestInfo): Promise<void> {
    return this.audit.recordDetached(
      { tenantId: k.tenantId, kind: 'user', userId: k.userId, apiKeyId: k.apiKeyId, request },
      {
        action: `api_key.use_${deadKey(k)}`,
        outcome: 'denied',
        resource: { type: 'api_key', id: k.apiKeyId },
      },
    );
  }
}
