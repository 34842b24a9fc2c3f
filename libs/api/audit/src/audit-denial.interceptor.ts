import {
  Inject,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { catchError, from, mergeMap, throwError, type Observable } from 'rxjs';
import { ErrorCode } from '@arca/contracts';
import { AUTHZ_OBSERVER, DomainError, requestOf, type AuthorizationObserver } from '@arca/api-core';

/**
 * The guard reports the denials it makes itself; services refuse too (resource checks: "only an owner can …",
 * scopes beyond your permissions). This interceptor reports those FORBIDDEN answers to the same observer, so every
 * denied authorization reaches the audit log.
 */
@Injectable()
export class AuditDenialInterceptor implements NestInterceptor {
  constructor(@Inject(AUTHZ_OBSERVER) private readonly observer: AuthorizationObserver) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: unknown) => {
        const ctx = requestOf(context).arcaContext;
        if (!(error instanceof DomainError) || error.code !== ErrorCode.Forbidden || !ctx) {
          return throwError(() => error);
        }
        return from(this.observer.denied(ctx, operationOf(context), error.message)).pipe(
          mergeMap(() => throwError(() => error)),
        );
      }),
    );
  }
}

function operationOf(context: ExecutionContext): string {
  if (context.getType<string>() === 'graphql') {
    return GqlExecutionContext.create(context).getInfo<GraphQLResolveInfo>().fieldName;
  }
  return `${context.getClass().name}.${context.getHandler().name}`;
}
