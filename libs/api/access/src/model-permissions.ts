import { Permission, permissionsOf, type Role } from '@arca/contracts';
import type { TenantContext } from '@arca/api-core';

export type Visibility = 'internal' | 'restricted';

/**
 * Effective permissions of a principal on one model. Grants only ever narrow, never widen, what the tenant role
 * allows: internal models follow the role; restricted models are visible to admins (models:grants) and to users
 * holding a grant, whose role caps the permissions. API keys restricted to models see nothing else.
 */
export function modelPermissions(
  ctx: TenantContext,
  model: { id: string; visibility: Visibility },
  grantRole: Role | null,
): ReadonlySet<Permission> {
  if (ctx.modelRestriction && !ctx.modelRestriction.includes(model.id)) return new Set();
  if (model.visibility === 'internal' || ctx.permissions.has(Permission.ModelGrantsManage)) {
    return ctx.permissions;
  }
  if (!grantRole) return new Set();
  const granted = permissionsOf(grantRole);
  return new Set([...ctx.permissions].filter((p) => granted.has(p)));
}

/** What a list query must filter on to return only models the principal may see. */
export interface ModelVisibilityFilter {
  /** Restricted models are included only with a grant to this user; `null` = all restricted models visible. */
  restrictedGrantee: string | null;
  /** API key model restriction; `null` = any model. */
  onlyIds: readonly string[] | null;
}

export function modelVisibilityFilter(ctx: TenantContext): ModelVisibilityFilter {
  return {
    restrictedGrantee: ctx.permissions.has(Permission.ModelGrantsManage) ? null : ctx.userId,
    onlyIds: ctx.modelRestriction,
  };
}
