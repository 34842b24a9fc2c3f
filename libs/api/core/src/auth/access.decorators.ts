import {
  SetMetadata,
  createParamDecorator,
  type ExecutionContext,
  InternalServerErrorException,
} from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Permission } from '@arca/contracts';
import type { TenantContext } from '../context/tenant-context.js';

export const ACCESS_METADATA = 'arca:access';
export type AccessRule = 'public' | 'authenticated' | Permission;

/** No credentials needed (login, invitation acceptance, health). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_METADATA, 'public');
/** Any authenticated principal of the tenant. */
export const Authenticated = (): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_METADATA, 'authenticated');
/** The principal must hold `permission` (role permissions ∩ API key scopes). */
export const Can = (permission: Permission): MethodDecorator & ClassDecorator =>
  SetMetadata(ACCESS_METADATA, permission);

/** Request object shared by the HTTP routes and the GraphQL context. */
export interface ArcaRequest {
  id: string;
  ip: string;
  headers: Record<string, string | string[] | undefined>;
  arcaContext?: TenantContext;
  /** The authentication in progress: parallel root fields of one request share it (one lookup, one audit). */
  arcaAuthentication?: Promise<TenantContext>;
}

export function requestOf(context: ExecutionContext): ArcaRequest {
  if (context.getType<string>() === 'graphql') {
    return GqlExecutionContext.create(context).getContext<{ req: ArcaRequest }>().req;
  }
  return context.switchToHttp().getRequest<ArcaRequest>();
}

/** The authenticated context. Fails loudly if the guard did not run: that is a wiring bug, never a user error. */
export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): TenantContext => {
  const ctx = requestOf(context).arcaContext;
  if (!ctx) throw new InternalServerErrorException('tenant context missing: the operation is not guarded');
  return ctx;
});
