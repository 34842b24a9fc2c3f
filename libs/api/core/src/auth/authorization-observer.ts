import type { TenantContext } from '../context/tenant-context.js';

/** Notified of every refused authorization; the audit feature records these. */
export interface AuthorizationObserver {
  denied(ctx: TenantContext, operation: string, reason: string): Promise<void>;
}

export const AUTHZ_OBSERVER = Symbol('AUTHZ_OBSERVER');

/** Default until the audit log lands: a structured log line per denial. */
export class LoggingAuthorizationObserver implements AuthorizationObserver {
  constructor(private readonly log: (entry: Record<string, unknown>, msg: string) => void) {}
  denied(ctx: TenantContext, operation: string, reason: string): Promise<void> {
    this.log(
      { operation, reason, tenantId: ctx.tenantId, principalId: ctx.apiKeyId ?? ctx.userId },
      'authorization denied',
    );
    return Promise.resolve();
  }
}
