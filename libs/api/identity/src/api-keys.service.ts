import { Inject, Injectable } from '@nestjs/common';
import { Limits, Permission, apiKeyDisplayPrefix, isPermission } from '@arca/contracts';
import { Db, type ApiKeyModel } from '@arca/api-db';
import { badInput, forbidden, notFound, type TenantContext } from '@arca/api-core';
import { AuditLog } from '@arca/api-audit';
import { ApiKeyRepository } from './api-key.repository.js';
import { TokenHasher, newApiKey } from './token-hasher.js';

export interface CreateApiKeyCommand {
  name: string;
  scopes: string[];
  modelIds?: string[];
  expiresInDays?: number;
}

@Injectable()
export class ApiKeysService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(ApiKeyRepository) private readonly keys: ApiKeyRepository,
    @Inject(TokenHasher) private readonly hasher: TokenHasher,
    @Inject(AuditLog) private readonly audit: AuditLog,
  ) {}

  /** Creates a key whose scopes are a subset of the creator's permissions. The secret is returned once. */
  async create(
    ctx: TenantContext,
    cmd: CreateApiKeyCommand,
  ): Promise<{ apiKey: ApiKeyModel; secret: string }> {
    const scopes = [...new Set(cmd.scopes)];
    const unknown = scopes.filter((s) => !isPermission(s));
    if (unknown.length) throw badInput(`unknown scopes: ${unknown.join(', ')}`, { field: 'scopes' });
    const excess = scopes.filter((s) => isPermission(s) && !ctx.permissions.has(s));
    if (excess.length) throw forbidden(`scopes exceed your permissions: ${excess.join(', ')}`);
    if (scopes.length === 0) throw badInput('at least one scope is required', { field: 'scopes' });
    const modelIds = [...new Set(cmd.modelIds ?? [])];
    const days = cmd.expiresInDays ?? Limits.apiKeyDefaultDays;
    const secret = newApiKey();
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      if (modelIds.length && (await this.keys.countModels(ctx.tenantId, modelIds)) !== modelIds.length) {
        throw notFound('model');
      }
      const apiKey = await this.keys.create(ctx.tenantId, {
        createdById: ctx.userId,
        name: cmd.name,
        keyHash: this.hasher.hash(secret),
        displayPrefix: apiKeyDisplayPrefix(secret),
        scopes,
        modelIds,
        expiresAt: new Date(Date.now() + days * 86_400_000),
      });
      await this.audit.record(ctx, {
        action: 'api_key.create',
        resource: { type: 'api_key', id: apiKey.id, name: apiKey.name },
        details: { scopes, modelIds, expiresAt: apiKey.expiresAt?.toISOString() ?? null },
      });
      return { apiKey, secret };
    });
  }

  /** Own keys; every key of the tenant with `all` (needs apikeys:manage). */
  async list(ctx: TenantContext, all: boolean): Promise<ApiKeyModel[]> {
    if (all && !ctx.permissions.has(Permission.ApiKeysManage)) {
      throw forbidden(`missing permission ${Permission.ApiKeysManage}`);
    }
    return this.db.readTransaction(ctx.tenantId, () =>
      this.keys.list(ctx.tenantId, all ? undefined : ctx.userId),
    );
  }

  /** Revokes one's own key, or anyone's with apikeys:manage. Revoking twice is a no-op. */
  async revoke(ctx: TenantContext, id: string): Promise<ApiKeyModel> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const key = await this.keys.find(ctx.tenantId, id);
      if (!key) throw notFound('API key');
      if (key.createdById !== ctx.userId && !ctx.permissions.has(Permission.ApiKeysManage)) {
        throw forbidden(`missing permission ${Permission.ApiKeysManage}`);
      }
      if (key.revokedAt) return key;
      const revoked = await this.keys.revoke(ctx.tenantId, id);
      await this.audit.record(ctx, {
        action: 'api_key.revoke',
        resource: { type: 'api_key', id, name: key.name },
        details: { createdBy: key.createdById },
      });
      return revoked;
    });
  }
}
