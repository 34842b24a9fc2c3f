import type { ApiKeyModel as ApiKeyRow, TenantModel as TenantRow, UserModel as UserRow } from '@arca/api-db';
import type { UserModel } from '@arca/api-core';
import type { ApiKeyModel, TenantModel } from './identity.models.js';

export const toUser = (u: UserRow): UserModel => ({ id: u.id, email: u.email, displayName: u.displayName });

export const toTenant = (t: TenantRow): TenantModel => ({
  id: t.id,
  slug: t.slug,
  name: t.name,
  createdAt: t.createdAt,
});

export const toApiKey = (k: ApiKeyRow): ApiKeyModel => ({
  id: k.id,
  name: k.name,
  displayPrefix: k.displayPrefix,
  scopes: k.scopes,
  modelIds: k.modelIds,
  createdById: k.createdById,
  createdAt: k.createdAt,
  expiresAt: k.expiresAt,
  lastUsedAt: k.lastUsedAt,
  revokedAt: k.revokedAt,
});
