import { ALL_ROLES, type Role } from '@arca/contracts';
import { ArcaError } from './errors.js';
import type { GraphqlRole, RoleInput } from './types.js';

/** `admin` or `ADMIN` → `ADMIN`; anything else is rejected before a request is sent. */
export function toGraphqlRole(role: RoleInput): GraphqlRole {
  const lower = role.toLowerCase();
  if (!(ALL_ROLES as readonly string[]).includes(lower)) {
    throw new ArcaError('BAD_USER_INPUT', `unknown role "${role}"; expected one of ${ALL_ROLES.join(', ')}`);
  }
  return lower.toUpperCase() as GraphqlRole;
}

/** `ADMIN` → `admin`, the spelling ROLE_PERMISSIONS in @arca/contracts uses. */
export function fromGraphqlRole(role: GraphqlRole): Role {
  return role.toLowerCase() as Role;
}
