import type { ApiKeyModel as ApiKeyRow, TenantModel as TenantRow, UserModel as UserRow } from '@arca/api-db';
import { permissionsOf, type Role } from '@arca/contracts';
import type { RoleEnum, UserModel } from '@arca/api-core';
import {
  PrincipalKindEnum,
  type ApiKeyModel,
  type LoginResultModel,
  type TenantModel,
} from './identity.models.js';

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

/** The answer of every flow that opens a session (login, invitation acceptance). `token` is null for cookie logins. */
export const toLoginResult = (
  out: { expiresAt: Date; user: UserRow; tenant: TenantRow; role: Role },
  token: string | null,
): LoginResultModel => ({
  token,
  expiresAt: out.expiresAt,
  me: {
    principalKind: PrincipalKindEnum.SESSION,
    user: toUser(out.user),
    tenant: toTenant(out.tenant),
    role: out.role as RoleEnum,
    permissions: [...permissionsOf(out.role)].sort(),
    apiKey: null,
  },
});
