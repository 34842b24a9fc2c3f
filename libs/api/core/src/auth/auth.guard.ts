import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { operationAccess, type OperationAccess } from '@arca/contracts';
import {
  CREDENTIAL_RESOLVER,
  type CredentialResolver,
  type TenantContext,
} from '../context/tenant-context.js';
import { requestLogContext } from '../context/request-context.js';
import { forbidden, unauthenticated } from '../errors/domain-error.js';
import { ACCESS_METADATA, requestOf, type AccessRule, type ArcaRequest } from './access.decorators.js';
import { checkBrowserOrigin } from './csrf.js';
import { SESSION_COOKIE, header, readCookie, requestInfo } from './request-info.js';
import { AUTHZ_OBSERVER, type AuthorizationObserver } from './authorization-observer.js';

/**
 * Global, default-deny. Root GraphQL fields must declare access with @Public/@Authenticated/@Can, and the
 * declaration must equal the contracts table; anything else is refused. Field resolvers inherit the root's check.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(CREDENTIAL_RESOLVER) private readonly credentials: CredentialResolver,
    @Inject(AUTHZ_OBSERVER) private readonly observer: AuthorizationObserver,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const declared = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    let operation: string | undefined;
    let table: OperationAccess | undefined;
    if (context.getType<string>() === 'graphql') {
      const info = GqlExecutionContext.create(context).getInfo<GraphQLResolveInfo>();
      if (!isRootField(info)) return true;
      operation = info.fieldName;
      table = operationAccess(operation);
      if (!table || table.access !== declared) {
        this.logger.error(`operation ${operation} has no matching access declaration; refusing it`);
        throw forbidden();
      }
    } else if (declared === undefined) {
      throw forbidden();
    }
    if (declared === 'public') return true;

    const req = requestOf(context);
    const ctx = await this.authenticate(req);
    const sessionOnly = table && 'sessionOnly' in table && table.sessionOnly === true;
    if (sessionOnly && ctx.kind !== 'session') {
      await this.observer.denied(ctx, operation ?? 'http', 'requires an interactive session');
      throw forbidden('this operation requires an interactive session, not an API key');
    }
    if (declared !== 'authenticated' && !ctx.permissions.has(declared)) {
      await this.observer.denied(ctx, operation ?? 'http', `missing permission ${declared}`);
      throw forbidden(`missing permission ${declared}`);
    }
    return true;
  }

  private authenticate(req: ArcaRequest): Promise<TenantContext> {
    req.arcaAuthentication ??= this.resolveCredential(req);
    return req.arcaAuthentication;
  }

  private async resolveCredential(req: ArcaRequest): Promise<TenantContext> {
    const info = requestInfo(req);
    const authorization = header(req, 'authorization');
    let ctx: TenantContext;
    if (authorization !== undefined) {
      const match = /^Bearer ([\x21-\x7e]{1,512})$/.exec(authorization);
      if (!match?.[1]) throw unauthenticated('malformed Authorization header; expected "Bearer <token>"');
      ctx = await this.credentials.resolveBearer(match[1], info);
    } else {
      const cookie = readCookie(req, SESSION_COOKIE);
      if (!cookie) throw unauthenticated();
      checkBrowserOrigin(req);
      ctx = await this.credentials.resolveSessionCookie(cookie, info);
    }
    req.arcaContext = ctx;
    const log = requestLogContext.getStore();
    if (log) {
      log.tenantId = ctx.tenantId;
      log.principalId = ctx.apiKeyId ?? ctx.userId;
    }
    return ctx;
  }
}

function isRootField(info: GraphQLResolveInfo): boolean {
  const root = [info.schema.getQueryType(), info.schema.getMutationType(), info.schema.getSubscriptionType()];
  return root.some((t) => t?.name === info.parentType.name);
}
