import type { Permission, Role } from '@arca/contracts';

export type PrincipalKind = 'session' | 'apiKey';

/** Who is acting, in which tenant, with which effective permissions. Resolved once per request by the auth guard. */
export interface TenantContext {
  readonly tenantId: string;
  readonly tenantSlug: string;
  readonly userId: string;
  readonly kind: PrincipalKind;
  readonly sessionId?: string;
  readonly apiKeyId?: string;
  readonly role: Role;
  /** Role permissions, intersected with the API key's scopes for key principals. */
  readonly permissions: ReadonlySet<Permission>;
  /** Models an API key is restricted to; `null` means no restriction. */
  readonly modelRestriction: readonly string[] | null;
  readonly request: RequestInfo;
}

export interface RequestInfo {
  readonly requestId: string;
  readonly ip: string;
  readonly userAgent?: string;
  /** The server's replay of a request whose cached API key was refused (its dead-key use is already recorded). */
  readonly replay?: boolean;
}

export function can(ctx: TenantContext, permission: Permission): boolean {
  return ctx.permissions.has(permission);
}

/** Resolves presented credentials into a context; implemented by the identity feature. */
export interface CredentialResolver {
  resolveBearer(token: string, request: RequestInfo): Promise<TenantContext>;
  resolveSessionCookie(token: string, request: RequestInfo): Promise<TenantContext>;
}

export const CREDENTIAL_RESOLVER = Symbol('CREDENTIAL_RESOLVER');
