import { describe, expect, it } from 'vitest';
import { ALL_ROLES, Permission, permissionsOf, type Role } from '@arca/contracts';
import type { TenantContext } from '@arca/api-core';
import { modelPermissions, modelVisibilityFilter, type Visibility } from './model-permissions.js';

// Table-driven over tenant role × visibility × grant role × API key model restriction. The expectations are
// written from the design (DESIGN.md roles table + "Access" rules), not derived from the implementation:
//   - INTERNAL: the tenant role's permissions.
//   - RESTRICTED: owner/admin (models:grants) keep their role; others need a grant, and then get role ∩ grant.
//   - a key restricted to other models gets nothing; a grant never widens the role.

const MODEL_ID = '00000000-0000-4000-8000-000000000001';
const OTHER_ID = '00000000-0000-4000-8000-000000000002';
const USER_ID = '00000000-0000-4000-8000-0000000000aa';

const R = Permission.ModelsRead;
const U = Permission.ModelsUpdate;
const A = Permission.ModelsArchive;
const MODEL_PERMS = [R, U, A] as const;

/** What each tenant role may do to a model it can see (DESIGN.md "Roles and permissions"). */
const ROLE_MODEL_ACTIONS: Record<Role, readonly Permission[]> = {
  owner: [R, U, A],
  admin: [R, U, A],
  publisher: [R, U],
  approver: [R],
  consumer: [R],
  viewer: [R],
  auditor: [R],
};
const MANAGES_GRANTS: ReadonlySet<Role> = new Set(['owner', 'admin']);

type Restriction = 'none' | 'this model' | 'other model';

function ctx(role: Role, restriction: Restriction, scopes?: readonly Permission[]): TenantContext {
  const rolePerms = permissionsOf(role);
  return {
    tenantId: '00000000-0000-4000-8000-0000000000f0',
    tenantSlug: 'acme',
    userId: USER_ID,
    kind: restriction === 'none' && !scopes ? 'session' : 'apiKey',
    role,
    permissions: scopes ? new Set(scopes.filter((p) => rolePerms.has(p))) : rolePerms,
    modelRestriction: restriction === 'none' ? null : restriction === 'this model' ? [MODEL_ID] : [OTHER_ID],
    request: { requestId: 'r', ip: '127.0.0.1' },
  };
}

function expected(
  role: Role,
  visibility: Visibility,
  grant: Role | null,
  restriction: Restriction,
): Permission[] {
  if (restriction === 'other model') return [];
  const own = ROLE_MODEL_ACTIONS[role];
  if (visibility === 'internal' || MANAGES_GRANTS.has(role)) return [...own];
  if (!grant) return [];
  return own.filter((p) => ROLE_MODEL_ACTIONS[grant].includes(p));
}

const GRANTS: (Role | null)[] = [null, ...ALL_ROLES];
const VISIBILITIES: Visibility[] = ['internal', 'restricted'];
const RESTRICTIONS: Restriction[] = ['none', 'this model', 'other model'];

const cases = ALL_ROLES.flatMap((role) =>
  VISIBILITIES.flatMap((visibility) =>
    GRANTS.flatMap((grant) => RESTRICTIONS.map((restriction) => ({ role, visibility, grant, restriction }))),
  ),
);

describe('modelPermissions', () => {
  it('covers the whole matrix', () => {
    expect(cases).toHaveLength(7 * 2 * 8 * 3);
  });

  it.each(cases)(
    '$role on a $visibility model, grant $grant, key restriction: $restriction',
    ({ role, visibility, grant, restriction }) => {
      const c = ctx(role, restriction);
      const perms = modelPermissions(c, { id: MODEL_ID, visibility }, grant);
      const modelScoped = MODEL_PERMS.filter((p) => perms.has(p));
      expect(modelScoped).toEqual(expected(role, visibility, grant, restriction));
      // Never wider than the principal's own permissions.
      for (const p of perms) expect(c.permissions.has(p)).toBe(true);
      // Visible ⇔ models:read; an invisible model yields nothing at all.
      if (!perms.has(R)) expect(perms.size).toBe(0);
    },
  );

  it('spot checks from the design', () => {
    const pub = ctx('publisher', 'none');
    // A publisher granted VIEWER on a restricted model can read but not update it.
    expect([...modelPermissions(pub, { id: MODEL_ID, visibility: 'restricted' }, 'viewer')]).toEqual(
      expect.arrayContaining([R]),
    );
    expect(modelPermissions(pub, { id: MODEL_ID, visibility: 'restricted' }, 'viewer').has(U)).toBe(false);
    // An OWNER grant does not make a viewer an owner.
    const viewerWithOwnerGrant = modelPermissions(
      ctx('viewer', 'none'),
      { id: MODEL_ID, visibility: 'restricted' },
      'owner',
    );
    expect(viewerWithOwnerGrant).toEqual(permissionsOf('viewer'));
    // Admins see restricted models without a grant.
    expect(modelPermissions(ctx('admin', 'none'), { id: MODEL_ID, visibility: 'restricted' }, null)).toEqual(
      permissionsOf('admin'),
    );
  });

  it('API key scopes narrow further: a key without models:grants sees restricted models only through a grant', () => {
    const readOnlyAdminKey = ctx('admin', 'none', [R]);
    expect(modelPermissions(readOnlyAdminKey, { id: MODEL_ID, visibility: 'internal' }, null)).toEqual(
      new Set([R]),
    );
    expect(modelPermissions(readOnlyAdminKey, { id: MODEL_ID, visibility: 'restricted' }, null).size).toBe(0);
    expect(modelPermissions(readOnlyAdminKey, { id: MODEL_ID, visibility: 'restricted' }, 'viewer')).toEqual(
      new Set([R]),
    );
    // A publisher key without models:update cannot update even with a PUBLISHER grant.
    const readOnlyPublisherKey = ctx('publisher', 'this model', [R, Permission.TenantRead]);
    const perms = modelPermissions(
      readOnlyPublisherKey,
      { id: MODEL_ID, visibility: 'restricted' },
      'publisher',
    );
    expect(perms.has(R)).toBe(true);
    expect(perms.has(U)).toBe(false);
  });
});

describe('modelVisibilityFilter', () => {
  it.each(ALL_ROLES)('%s session: restricted models only through grants unless it manages grants', (role) => {
    expect(modelVisibilityFilter(ctx(role, 'none'))).toEqual({
      restrictedGrantee: MANAGES_GRANTS.has(role) ? null : USER_ID,
      onlyIds: null,
    });
  });

  it('carries the key restriction', () => {
    expect(modelVisibilityFilter(ctx('admin', 'this model'))).toEqual({
      restrictedGrantee: null,
      onlyIds: [MODEL_ID],
    });
    expect(modelVisibilityFilter(ctx('viewer', 'other model'))).toEqual({
      restrictedGrantee: USER_ID,
      onlyIds: [OTHER_ID],
    });
  });

  it('agrees with modelPermissions on visibility for every case', () => {
    for (const { role, visibility, grant, restriction } of cases) {
      const c = ctx(role, restriction);
      const f = modelVisibilityFilter(c);
      const listed =
        (f.onlyIds === null || f.onlyIds.includes(MODEL_ID)) &&
        (visibility === 'internal' || f.restrictedGrantee === null || grant !== null);
      const readable = modelPermissions(c, { id: MODEL_ID, visibility }, grant).has(R);
      expect(listed, `${role}/${visibility}/${String(grant)}/${restriction}`).toBe(readable);
    }
  });
});
