import { Inject, Injectable } from '@nestjs/common';
import { Db } from '@arca/api-db';
import { LOGGER, type Logger } from '@arca/api-core';
import { AuditRepository, type SequencedEvent } from '../audit.repository.js';
import { ALERT_RULES, networkOf, type BurstRule } from './alert-rules.js';

/** A cap on the remembered key networks; past it the memory starts over (and is refilled from the database). */
const MAX_KNOWN_NETWORKS = 100_000;

const CHECKS_NETWORKS = ALERT_RULES.some((rule) => rule.kind === 'new_network');

/** What evaluating one batch did. */
export interface AlertOutcome {
  raised: number;
  /** To be called once the batch's transaction has committed: remembers the networks it recorded. */
  committed(): void;
}

/**
 * Runs the alert rules over each sequenced batch. Alerts are rows in audit_alerts, queryable now; webhook and
 * console delivery read the same table later.
 *
 * The networks each API key has acted from are remembered once they are known to be committed: read from
 * audit_key_networks, or written by a batch whose transaction committed (`AlertOutcome.committed`). That table only
 * ever grows, so a remembered network is never wrong; a network not remembered is looked up. A batch whose events
 * match no burst rule and only use remembered networks costs the database nothing here.
 */
@Injectable()
export class AlertEngine {
  private readonly knownNetworks = new Map<string, Set<string>>();

  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(AuditRepository) private readonly repo: AuditRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Evaluates the rules on a sequenced batch, in the caller's (sequencer's) open transaction. What the batch
   * recorded is remembered only through `committed()`: a batch that rolls back leaves no trace here.
   */
  async evaluate(batch: readonly SequencedEvent[]): Promise<AlertOutcome> {
    let raised = 0;
    const recorded: { key: string; network: string }[] = [];
    const byTenant = new Map<string, SequencedEvent[]>();
    for (const e of batch) byTenant.set(e.tenantId, [...(byTenant.get(e.tenantId) ?? []), e]);
    for (const [tenantId, events] of byTenant) {
      const bursts = ALERT_RULES.filter(
        (rule): rule is BurstRule => rule.kind === 'burst' && events.some((e) => rule.match(e) !== null),
      );
      const uses = CHECKS_NETWORKS
        ? networkUses(events).filter((u) => !this.knownNetworks.get(networkKey(tenantId, u))?.has(u.network))
        : [];
      if (bursts.length === 0 && uses.length === 0) continue;
      // Runs inside the sequencer's transaction, switching the RLS scope from tenant to tenant.
      await this.db.rescope({ tenantId });
      for (const rule of bursts) raised += await this.burst(tenantId, rule, events);
      raised += await this.newNetwork(tenantId, uses, recorded);
    }
    return {
      raised,
      committed: () => {
        if (this.knownNetworks.size > MAX_KNOWN_NETWORKS) this.knownNetworks.clear();
        for (const { key, network } of recorded) this.remember(key, network);
      },
    };
  }

  private remember(key: string, network: string): void {
    const networks = this.knownNetworks.get(key);
    if (networks) networks.add(network);
    else this.knownNetworks.set(key, new Set([network]));
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
        details: {
          description: rule.description,
          threshold: rule.threshold,
          windowSeconds: rule.windowMs / 1000,
        },
      });
      if (created) {
        raised++;
        this.logger.warn({ tenantId, rule: rule.name, subject, count }, 'audit alert raised');
      }
    }
    return raised;
  }

  /** At most one read and one write per batch and tenant, for the uses of networks not remembered yet. */
  private async newNetwork(
    tenantId: string,
    uses: NetworkUse[],
    recorded: { key: string; network: string }[],
  ): Promise<number> {
    if (uses.length === 0) return 0;
    const known = new Map<string, Set<string>>();
    for (const r of await this.repo.keyNetworks(tenantId, [...new Set(uses.map((u) => u.apiKeyId))])) {
      known.set(r.apiKeyId, (known.get(r.apiKeyId) ?? new Set()).add(r.network));
      this.remember(networkKey(tenantId, r), r.network); // committed by an earlier batch
    }
    const added: { apiKeyId: string; network: string; firstSeq: bigint }[] = [];
    const alerts: { apiKeyId: string; network: string; seq: bigint; previous: string[] }[] = [];
    for (const u of uses) {
      const seen = known.get(u.apiKeyId) ?? new Set<string>();
      if (seen.has(u.network)) continue;
      // A key's first use sets its baseline; only a later use from another network is news.
      if (seen.size > 0) alerts.push({ ...u, previous: [...seen] });
      seen.add(u.network);
      known.set(u.apiKeyId, seen);
      added.push({ apiKeyId: u.apiKeyId, network: u.network, firstSeq: u.seq });
      recorded.push({ key: networkKey(tenantId, u), network: u.network });
    }
    await this.repo.addKeyNetworks(tenantId, added);
    let raised = 0;
    for (const a of alerts) {
      const created = await this.repo.raiseAlert(tenantId, {
        rule: 'api_key_new_network',
        subject: `api_key:${a.apiKeyId}:${a.network}`,
        windowStart: new Date(0),
        eventCount: 1,
        firstSeq: a.seq,
        lastSeq: a.seq,
        details: { network: a.network, knownNetworks: a.previous.slice(0, 20) },
      });
      if (created) raised++;
    }
    return raised;
  }
}

interface NetworkUse {
  apiKeyId: string;
  network: string;
  seq: bigint;
}

const networkKey = (tenantId: string, use: { apiKeyId: string }): string => `${tenantId}:${use.apiKeyId}`;

function networkUses(events: readonly SequencedEvent[]): NetworkUse[] {
  return events.flatMap((e) => {
    const network = e.apiKeyId && e.ip ? networkOf(e.ip) : null;
    return network && e.apiKeyId ? [{ apiKeyId: e.apiKeyId, network, seq: e.seq }] : [];
  });
}
