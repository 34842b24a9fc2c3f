import { Inject, Injectable } from '@nestjs/common';
import { LOGGER, type AuthorizationObserver, type Logger, type TenantContext } from '@arca/api-core';
import { AuditLog } from './audit-log.service.js';

/** Every refused authorization becomes an `authz.denied` event (in its own transaction) and a log line. */
@Injectable()
export class AuditAuthorizationObserver implements AuthorizationObserver {
  constructor(
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async denied(ctx: TenantContext, operation: string, reason: string): Promise<void> {
    this.logger.warn(
      { operation, reason, tenantId: ctx.tenantId, principalId: ctx.apiKeyId ?? ctx.userId },
      'authorization denied',
    );
    await this.audit.recordDetached(ctx, {
      action: 'authz.denied',
      outcome: 'denied',
      resource: { type: 'operation', id: operation },
      reason,
    });
  }
}
