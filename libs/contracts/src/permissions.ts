// The one permission table. Roles map to permissions here; operations declare the permission they need
// in operations.ts; the API guard, the authorization-matrix tests and the console all read these tables.

export const Permission = {
  TenantRead: 'tenant:read',
  TenantUpdate: 'tenant:update',
  MembersRead: 'members:read',
  MembersManage: 'members:manage',
  ApiKeysOwn: 'apikeys:own',
  ApiKeysManage: 'apikeys:manage',
  ModelsRead: 'models:read',
  ModelsCreate: 'models:create',
  ModelsUpdate: 'models:update',
  ModelsArchive: 'models:archive',
  ModelGrantsManage: 'models:grants',
  AuditRead: 'audit:read',
  /** Manage the tenant's webhooks: endpoints, secrets, deliveries (owner and admin). */
  WebhooksManage: 'webhooks:manage',
  /** Upload new versions of a model. */
  VersionsUpload: 'versions:upload',
  /** Download the raw (not fingerprinted) bytes of a version. */
  VersionsDownloadRaw: 'versions:download-raw',
  /** Edit version metadata (model card, tags), archive versions, set unprotected aliases, request promotions. */
  VersionsManage: 'versions:manage',
  /** Approve or reject promotions to protected aliases (never of one's own upload). */
  PromotionsApprove: 'promotions:approve',
  /** Rotate the tenant's key-encryption key (owner only). */
  KeysRotate: 'keys:rotate',
  /** Delete the tenant and crypto-shred its data (owner only). */
  TenantDelete: 'tenant:delete',
} as const;

export type Permission = (typeof Permission)[keyof typeof Permission];

export const ALL_PERMISSIONS: readonly Permission[] = Object.values(Permission);

export function isPermission(value: string): value is Permission {
  return (ALL_PERMISSIONS as readonly string[]).includes(value);
}

export const Role = {
  Owner: 'owner',
  Admin: 'admin',
  Publisher: 'publisher',
  Approver: 'approver',
  Consumer: 'consumer',
  Viewer: 'viewer',
  Auditor: 'auditor',
} as const;

export type Role = (typeof Role)[keyof typeof Role];

export const ALL_ROLES: readonly Role[] = Object.values(Role);

export function isRole(value: string): value is Role {
  return (ALL_ROLES as readonly string[]).includes(value);
}

const P = Permission;
const READ_TENANT: Permission[] = [P.TenantRead, P.ApiKeysOwn];

/** Destructive tenant-wide powers only an owner holds (DESIGN.md: tenant deletion and key rotation). */
export const OWNER_ONLY_PERMISSIONS: readonly Permission[] = [P.KeysRotate, P.TenantDelete];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  owner: ALL_PERMISSIONS,
  admin: ALL_PERMISSIONS.filter((p) => !OWNER_ONLY_PERMISSIONS.includes(p)),
  publisher: [
    ...READ_TENANT,
    P.ModelsRead,
    P.ModelsCreate,
    P.ModelsUpdate,
    P.VersionsUpload,
    P.VersionsManage,
  ],
  approver: [...READ_TENANT, P.ModelsRead, P.PromotionsApprove],
  consumer: [...READ_TENANT, P.ModelsRead],
  viewer: [...READ_TENANT, P.ModelsRead],
  auditor: [...READ_TENANT, P.MembersRead, P.ModelsRead, P.AuditRead],
};

export function permissionsOf(role: Role): ReadonlySet<Permission> {
  return new Set(ROLE_PERMISSIONS[role]);
}

export function roleHas(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

/** Permissions a model-level grant can carry: the model-scoped subset of the grant role's permissions. */
export const MODEL_SCOPED_PERMISSIONS: readonly Permission[] = [
  P.ModelsRead,
  P.ModelsUpdate,
  P.ModelsArchive,
  P.VersionsUpload,
  P.VersionsDownloadRaw,
  P.VersionsManage,
  P.PromotionsApprove,
];
