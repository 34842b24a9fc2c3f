import { Inject, Injectable } from '@nestjs/common';
import { ARCA_CONFIG, type ArcaConfig } from '@arca/api-core';
import { Db, type Bytes, type ApiKeyModel, type MemberRole } from '@arca/api-db';
import { ApiKeyCache } from './api-key-cache.js';

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

interface LookupRow {
  api_key_id: string;
  tenant_id: string;
  tenant_slug: string;
  user_id: string;
  role: MemberRole | null;
  scopes: string[] | null;
  model_ids: string[] | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  fingerprint?: string;
}

@Injectable()
export class ApiKeyRepository {
  private readonly cache: ApiKeyCache;

  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(ARCA_CONFIG) config: ArcaConfig,
  ) {
    this.cache = new ApiKeyCache(config.apiKeyCacheSeconds * 1000);
  }

  /**
   * The key row (also revoked/expired ones, so callers can tell why) and its creator's role. During a request this
   * travels with the BEGIN of the request's transaction, which it scopes to the key's tenant if the key is usable.
   *
   * A usable key seen recently is answered from memory, and its lookup re-runs as the opening of the request's
   * transaction, sent with that transaction's first statement (ADR 0011). If the key changed meanwhile (revoked,
   * role, scopes…), that transaction fails with CredentialRejectedError, the entry is dropped and `changed` runs.
   */
  async resolve(keyHash: Bytes, changed: () => void = () => undefined): Promise<ResolvedApiKey | null> {
    const hex = Buffer.from(keyHash).toString('hex');
    const cached = this.cache.get(hex);
    // Expired by the clock: the lookup below answers why (and the caller records the use of a dead key).
    const hit = cached && !deadKey(cached.key) ? cached : undefined;
    const rejected = (): void => {
      this.cache.delete(hex);
      changed();
    };
    if (
      hit &&
      this.db.deferCheck(hit.key.tenantId, 'arca_recheck_api_key', keyHash, hit.fingerprint, rejected)
    ) {
      return hit.key;
    }
    const rows = await this.db.lookupAndBegin<LookupRow>('arca_resolve_api_key_scoped', keyHash);
    const r = rows[0];
    if (!r) {
      this.cache.delete(hex);
      return null;
    }
    const key = toResolved(r);
    const usable = key.role !== null && !deadKey(key);
    // A row without a well-formed fingerprint (a server ahead of its migrations) is simply not cached.
    const fingerprint = r.fingerprint && /^[0-9a-f]{64}$/.test(r.fingerprint) ? r.fingerprint : null;
    if (usable && fingerprint) this.cache.set(hex, { key, fingerprint });
    else this.cache.delete(hex);
    return key;
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

function toResolved(r: LookupRow): ResolvedApiKey {
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

/** Why a key can no longer be used, by its own row and the clock (its creator's membership aside). */
export function deadKey(k: ResolvedApiKey): 'revoked' | 'expired' | null {
  if (k.revokedAt) return 'revoked';
  return k.expiresAt && k.expiresAt.getTime() <= Date.now() ? 'expired' : null;
}
