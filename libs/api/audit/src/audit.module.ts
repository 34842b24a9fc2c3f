import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AUTHZ_OBSERVER } from '@arca/api-core';
import { AuditDenialInterceptor } from './audit-denial.interceptor.js';
import { AlertEngine } from './alerts/alert-engine.service.js';
import { AuditAuthorizationObserver } from './audit-authorization.observer.js';
import { AuditExportController } from './audit-export.controller.js';
import { AuditLog } from './audit-log.service.js';
import { AuditRepository } from './audit.repository.js';
import { AuditResolver } from './audit.resolver.js';
import { AuditSequencer } from './audit-sequencer.service.js';
import { AuditService } from './audit.service.js';
import { LogKeys } from './log-keys.service.js';

/** The tenant audit log: writing events (AuditLog, global), sequencing and signing, proofs, export, alerts. */
@Global()
@Module({
  providers: [
    AuditRepository,
    AuditLog,
    LogKeys,
    AlertEngine,
    AuditSequencer,
    AuditService,
    AuditResolver,
    { provide: AUTHZ_OBSERVER, useClass: AuditAuthorizationObserver },
    { provide: APP_INTERCEPTOR, useClass: AuditDenialInterceptor },
  ],
  controllers: [AuditExportController],
  exports: [AuditLog, AuditSequencer, LogKeys, AUTHZ_OBSERVER],
})
export class AuditModule {}
