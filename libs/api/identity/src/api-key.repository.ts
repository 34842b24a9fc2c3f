import { Inject, Injectable } from '@nestjs/common';
import { Db, type Bytes, type ApiKeyModel, type MemberRole } from '@arca/api-db';

export interface ResolvedApiKey {
  apiKeyId: string;
  tenantId: string;
  tenantSlug: string;
  userId: string;
  role: MemberRole | null;
  scopes: string[];
  modelIds: string[];
  expiresAt: Date | null;
  revokedAt: Date | null;
}

@Injectable()
export class ApiKeyRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  /**
   * The key row (also revoked/expired ones, so callers can tell why) and its creator's role. During a request this
   * travels with the BEGIN of the request's transaction, which it scopes to the key's tenant if the key is usable.
   */
  async resolve(keyHash: Bytes): Promise<ResolvedApiKey | null> {
    const rows = await this.db.lookupAndBegin<{
      api_key_id: string;
      tenant_id: string;
      tenant_slug: string;
      user_id: string;
      role: MemberRole | null;
      scopes: string[] | null;
      model_ids: string[] | null;
      expires_at: Date | null;
      revoked_at: Date | null;
    }>('arca_resolve_api_key_scoped', keyHash);
    const r = rows[0];
    if (!r) return null;
    return {
      apiKeyId: r.api_key_id,
      tenantId: r.tenant_id,
      tenantSlug: r.tenant_slug,
      userId: r.user_id,
      role: r.role,
      scopes: r.scopes ?? [],
      modelIds: r.model_ids ?? [],
      expiresAt: r.expires_at,
      revokedAt: r.revoked_at,
    };
  }

  create(
    tenantId: string,
    k: {
      createdById: string;
      name: string;
      keyHash: Bytes;
      displayPrefix: string;
      scopes: string[];
      modelIds: string[];
      expiresAt: Date;
    },
  ): Promise<ApiKeyModel> {
    return this.db.tx(tenantId).apiKey.create({ data: { tenantId, ...k } });
  }

  list(tenantId: string, createdById?: string): Promise<ApiKeyModel[]> {
    return this.db.tx(tenantId).apiKey.findMany({
      where: { tenantId, ...(createdById ? { createdById } : {}) },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take: 500,
    });
  }

  find(tenantId: string, id: string): Promise<ApiKeyModel | null> {
    return this.db.tx(tenantId).apiKey.findFirst({ where: { tenantId, id } });
  }

  revoke(tenantId: string, id: string): Promise<ApiKeyModel> {
    return this.db.tx(tenantId).apiKey.update({ where: { id, tenantId }, data: { revokedAt: new Date() } });
  }

  countModels(tenantId: string, modelIds: string[]): Promise<number> {
    return this.db.tx(tenantId).model.count({ where: { tenantId, id: { in: modelIds } } });
  }
}
