import { Inject, Injectable } from '@nestjs/common';
import { Db } from '@arca/api-db';
import { LOGGER, type Logger, type TenantContext } from '@arca/api-core';
import { buildAuditEvent, type AuditActor, type AuditEventInput } from './audit-event.js';
import { AuditRepository } from './audit.repository.js';

/** The actor of a request: the principal behind a TenantContext. */
export function actorOf(ctx: TenantContext): AuditActor {
  return {
    tenantId: ctx.tenantId,
    kind: 'user',
    userId: ctx.userId,
    apiKeyId: ctx.apiKeyId,
    sessionId: ctx.sessionId,
    request: ctx.request,
  };
}

/**
 * Writes audit events. `record` appends inside the caller's open tenant transaction, so the event commits with
 * the change or not at all; `recordDetached` appends in a transaction of its own, for outcomes whose request is
 * about to fail (denials, failed logins) and would otherwise roll the event back with it.
 */
@Injectable()
export class AuditLog {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(AuditRepository) private readonly repo: AuditRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Appends to the actor's tenant log in the open transaction (which must be that tenant's). */
  async record(actor: AuditActor | TenantContext, event: AuditEventInput): Promise<void> {
    const a = 'permissions' in actor ? actorOf(actor) : actor;
    const built = buildAuditEvent(a, event);
    await this.repo.append(a.tenantId, built.eventId, built.entry, built.pii);
  }

  /**
   * Like recordDetached, but the caller does not wait: for paths whose response time must not depend on the write
   * (failed logins must cost the same whether the account exists). `settled()` awaits what is still in flight.
   */
  recordInBackground(actor: AuditActor | TenantContext, event: AuditEventInput): void {
    this.track(this.recordDetached(actor, event));
  }

  /** Runs `work` (which records events) in the background, tracked like recordInBackground. */
  inBackground(work: () => Promise<void>): void {
    this.track(
      work().catch((error: unknown) => this.logger.error({ err: error }, 'background audit work failed')),
    );
  }

  /** Resolves once every background write started so far has finished. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private track(p: Promise<void>): void {
    const tracked = p.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  /** Appends in its own transaction, outside any the caller has open. Failures are logged, never thrown. */
  async recordDetached(actor: AuditActor | TenantContext, event: AuditEventInput): Promise<void> {
    const a = 'permissions' in actor ? actorOf(actor) : actor;
    try {
      await this.db.outsideTransaction(() =>
        this.db.tenantTransaction(a.tenantId, () => this.record(a, event)),
      );
    } catch (error) {
      this.logger.error(
        { err: error, tenantId: a.tenantId, action: event.action },
        'could not write a detached audit event',
      );
    }
  }
}
