import { Inject, Injectable } from '@nestjs/common';
import { Db } from '@arca/api-db';
import { LOGGER, type Logger } from '@arca/api-core';
import { AuditRepository, type SequencedEvent } from '../audit.repository.js';
import { ALERT_RULES, networkOf, type BurstRule } from './alert-rules.js';

/**
 * Runs the alert rules over each sequenced batch. Alerts are rows in audit_alerts, queryable now; webhook and
 * console delivery read the same table later.
 */
@Injectable()
export class AlertEngine {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(AuditRepository) private readonly repo: AuditRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async evaluate(batch: readonly SequencedEvent[]): Promise<number> {
    let raised = 0;
    const byTenant = new Map<string, SequencedEvent[]>();
    for (const e of batch) byTenant.set(e.tenantId, [...(byTenant.get(e.tenantId) ?? []), e]);
    for (const [tenantId, events] of byTenant) {
      raised += await this.db.tenantTransaction(tenantId, async () => {
        let n = 0;
        for (const rule of ALERT_RULES) {
          n += rule.kind === 'burst' ? await this.burst(tenantId, rule, events) : await this.newNetwork(tenantId, events);
        }
        return n;
      });
    }
    return raised;
  }

  private async burst(tenantId: string, rule: BurstRule, events: SequencedEvent[]): Promise<number> {
    // The latest matching event per subject decides; earlier ones in the batch are inside its window anyway.
    const latest = new Map<string, { e: SequencedEvent; where: ReturnType<BurstRule['match']> }>();
    for (const e of events) {
      const m = rule.match(e);
      if (m) latest.set(m.subject, { e, where: m });
    }
    let raised = 0;
    for (const [subject, { e, where }] of latest) {
      if (!where) continue;
      const since = new Date(e.eventTime.getTime() - rule.windowMs);
      const { count, firstSeq, lastSeq } = await this.repo.countSince(tenantId, where.where, since);
      if (count < rule.threshold || firstSeq === null || lastSeq === null) continue;
      const windowStart = new Date(Math.floor(e.eventTime.getTime() / rule.windowMs) * rule.windowMs);
      const created = await this.repo.raiseAlert(tenantId, {
        rule: rule.name,
        subject,
        windowStart,
        eventCount: count,
        firstSeq,
        lastSeq,
        details: { description: rule.description, threshold: rule.threshold, windowSeconds: rule.windowMs / 1000 },
      });
      if (created) {
        raised++;
        this.logger.warn({ tenantId, rule: rule.name, subject, count }, 'audit alert raised');
      }
    }
    return raised;
  }

  private async newNetwork(tenantId: string, events: SequencedEvent[]): Promise<number> {
    let raised = 0;
    const known = new Map<string, Set<string>>();
    for (const e of events) {
      if (!e.apiKeyId || !e.ip) continue;
      const network = networkOf(e.ip);
      if (!network) continue;
      let seen = known.get(e.apiKeyId);
      if (!seen) {
        const before = await this.repo.keyIps(tenantId, e.apiKeyId, e.seq);
        seen = new Set(before.map(networkOf).filter((n): n is string => n !== null));
        known.set(e.apiKeyId, seen);
      }
      // A key's first use sets its baseline; only a later use from another network is news.
      const isNew = seen.size > 0 && !seen.has(network);
      const previous = [...seen];
      seen.add(network);
      if (!isNew) continue;
      const created = await this.repo.raiseAlert(tenantId, {
        rule: 'api_key_new_network',
        subject: `api_key:${e.apiKeyId}:${network}`,
        windowStart: new Date(0),
        eventCount: 1,
        firstSeq: e.seq,
        lastSeq: e.seq,
        details: { network, knownNetworks: previous.slice(0, 20) },
      });
      if (created) raised++;
    }
    return raised;
  }
}
