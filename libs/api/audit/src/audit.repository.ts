import { Inject, Injectable } from '@nestjs/common';
import { Db, Prisma, type Bytes } from '@arca/api-db';

export interface AuditEntryRow {
  seq: bigint;
  eventId: string;
  entry: Bytes;
  leafHash: Bytes;
  eventTime: Date;
  sequencedAt: Date;
  action: string;
  outcome: string;
  actorKind: string;
  actorId: string | null;
  apiKeyId: string | null;
  resourceType: string | null;
  resourceId: string | null;
  ip: string | null;
}

export interface AuditEventFilter {
  actorId?: string;
  apiKeyId?: string;
  action?: string;
  actionPrefix?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: string;
  from?: Date;
  to?: Date;
}

/** What the sequencer reports for each appended entry: its tenant and the derived columns. */
export type SequencedEvent = { tenantId: string } & Omit<
  AuditEntryRow,
  'eventId' | 'entry' | 'leafHash' | 'sequencedAt'
>;

const ENTRY_SELECT = {
  seq: true,
  eventId: true,
  entry: true,
  leafHash: true,
  eventTime: true,
  sequencedAt: true,
  action: true,
  outcome: true,
  actorKind: true,
  actorId: true,
  apiKeyId: true,
  resourceType: true,
  resourceId: true,
  ip: true,
} as const;

/** The only file of the audit feature that talks to Prisma. */
@Injectable()
export class AuditRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  /**
   * Queues the event (and its erasable personal data) for the commit of the open transaction of `tenantId`: the
   * event is written by the same message as COMMIT, so it costs the business transaction no round trip.
   */
  append(
    tenantId: string,
    eventId: string,
    entry: Uint8Array,
    pii?: { salt: Uint8Array; data: Uint8Array },
  ): Promise<void> {
    this.db.insertAtCommit(tenantId, 'audit_outbox', { tenant_id: tenantId, event_id: eventId, entry });
    if (pii) {
      this.db.insertAtCommit(tenantId, 'audit_pii', {
        event_id: eventId,
        tenant_id: tenantId,
        salt: pii.salt,
        data: pii.data,
      });
    }
    return Promise.resolve();
  }

  /** One sequencer batch, in the open transaction (the function's lock is held until it commits). */
  async sequence(limit: number): Promise<SequencedEvent[]> {
    const rows = await this.db.currentTx().$queryRaw<
      {
        tenant_id: string;
        seq: bigint;
        event_time: Date;
        action: string;
        outcome: string;
        actor_kind: string;
        actor_id: string | null;
        api_key_id: string | null;
        resource_type: string | null;
        resource_id: string | null;
        ip: string | null;
      }[]
    >`SELECT * FROM arca_audit_sequence(${limit}::int)`;
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      seq: BigInt(r.seq),
      eventTime: r.event_time,
      action: r.action,
      outcome: r.outcome,
      actorKind: r.actor_kind,
      actorId: r.actor_id,
      apiKeyId: r.api_key_id,
      resourceType: r.resource_type,
      resourceId: r.resource_id,
      ip: r.ip,
    }));
  }

  /** A savepoint before the alert rules: a failing rule is undone without losing the sequenced batch. */
  async savepointAlerts(): Promise<void> {
    await this.db.currentTx().$executeRaw`SAVEPOINT alerts`;
  }

  async rollbackToAlerts(): Promise<void> {
    await this.db.currentTx().$executeRaw`ROLLBACK TO SAVEPOINT alerts`;
  }

  async pendingCheckpoints(
    limit: number,
  ): Promise<{ tenantId: string; slug: string; size: bigint; root: Bytes }[]> {
    const rows = await this.db.client.$queryRaw<
      { tenant_id: string; tenant_slug: string; size: bigint; root: Bytes }[]
    >`SELECT * FROM arca_audit_pending_checkpoints(${limit}::int)`;
    return rows.map((r) => ({
      tenantId: r.tenant_id,
      slug: r.tenant_slug,
      size: BigInt(r.size),
      root: r.root,
    }));
  }

  async storeCheckpoint(tenantId: string, size: bigint, root: Uint8Array, note: string): Promise<boolean> {
    const rows = await this.db.client.$queryRaw<{ stored: boolean }[]>`SELECT arca_audit_store_checkpoint(
      ${tenantId}::uuid, ${size}::bigint, ${Buffer.from(root)}, ${note}) AS stored`;
    return rows[0]?.stored === true;
  }

  async resealLogKey(tenantId: string, sealedPrivateKey: Uint8Array): Promise<void> {
    await this.db.tx(tenantId).auditLogKey.update({
      where: { tenantId },
      data: { sealedPrivateKey: new Uint8Array(sealedPrivateKey) },
    });
  }

  findLogKey(tenantId: string) {
    return this.db.tx(tenantId).auditLogKey.findUnique({ where: { tenantId } });
  }

  /** Inserts the tenant's log key unless another replica won the race; returns the stored one either way. */
  async createLogKey(tenantId: string, origin: string, publicKey: Uint8Array, sealedPrivateKey: Uint8Array) {
    const tx = this.db.tx(tenantId);
    await tx.$executeRaw`INSERT INTO audit_log_keys (tenant_id, origin, public_key, sealed_private_key)
      VALUES (${tenantId}::uuid, ${origin}, ${Buffer.from(publicKey)}, ${Buffer.from(sealedPrivateKey)})
      ON CONFLICT (tenant_id) DO NOTHING`;
    return tx.auditLogKey.findUniqueOrThrow({ where: { tenantId } });
  }

  head(tenantId: string) {
    return this.db.tx(tenantId).auditHead.findUnique({ where: { tenantId } });
  }

  latestCheckpoint(tenantId: string) {
    return this.db.tx(tenantId).auditCheckpoint.findFirst({ where: { tenantId }, orderBy: { size: 'desc' } });
  }

  checkpointAt(tenantId: string, size: bigint) {
    return this.db.tx(tenantId).auditCheckpoint.findUnique({ where: { tenantId_size: { tenantId, size } } });
  }

  checkpoints(tenantId: string, afterSize: bigint, take: number) {
    return this.db.tx(tenantId).auditCheckpoint.findMany({
      where: { tenantId, size: { gt: afterSize } },
      orderBy: { size: 'asc' },
      take,
    });
  }

  events(
    tenantId: string,
    filter: AuditEventFilter,
    take: number,
    cursor: { afterSeq?: bigint; beforeSeq?: bigint },
    newestFirst: boolean,
  ): Promise<AuditEntryRow[]> {
    const seq: Prisma.BigIntFilter = {};
    if (cursor.afterSeq !== undefined) seq.gt = cursor.afterSeq;
    if (cursor.beforeSeq !== undefined) seq.lt = cursor.beforeSeq;
    return this.db.tx(tenantId).auditEntry.findMany({
      where: {
        tenantId,
        seq,
        actorId: filter.actorId,
        apiKeyId: filter.apiKeyId,
        action: filter.action ?? (filter.actionPrefix ? { startsWith: filter.actionPrefix } : undefined),
        resourceType: filter.resourceType,
        resourceId: filter.resourceId,
        outcome: filter.outcome,
        eventTime: filter.from || filter.to ? { gte: filter.from, lt: filter.to } : undefined,
      },
      orderBy: { seq: newestFirst ? 'desc' : 'asc' },
      take,
      select: ENTRY_SELECT,
    });
  }

  /** Entries [fromSeq, toSeq) in order, for exports and verification. */
  range(tenantId: string, fromSeq: bigint, toSeq: bigint, take: number): Promise<AuditEntryRow[]> {
    return this.db.tx(tenantId).auditEntry.findMany({
      where: { tenantId, seq: { gte: fromSeq, lt: toSeq } },
      orderBy: { seq: 'asc' },
      take,
      select: ENTRY_SELECT,
    });
  }

  /** Leaf hashes of [fromSeq, toSeq). */
  async leafHashes(tenantId: string, fromSeq: bigint, toSeq: bigint): Promise<Bytes[]> {
    const rows = await this.db.tx(tenantId).auditEntry.findMany({
      where: { tenantId, seq: { gte: fromSeq, lt: toSeq } },
      orderBy: { seq: 'asc' },
      select: { leafHash: true },
    });
    return rows.map((r) => r.leafHash);
  }

  /** Stored subtree hashes of `level` with index in [fromIdx, toIdx). */
  async nodes(tenantId: string, level: number, fromIdx: bigint, toIdx: bigint): Promise<Bytes[]> {
    const rows = await this.db.tx(tenantId).auditNode.findMany({
      where: { tenantId, level, idx: { gte: fromIdx, lt: toIdx } },
      orderBy: { idx: 'asc' },
      select: { hash: true },
    });
    return rows.map((r) => r.hash);
  }

  piiFor(tenantId: string, eventIds: string[]) {
    return this.db.tx(tenantId).auditPii.findMany({ where: { tenantId, eventId: { in: eventIds } } });
  }

  erasePii(tenantId: string, eventIds: string[]) {
    return this.db.tx(tenantId).auditPii.deleteMany({ where: { tenantId, eventId: { in: eventIds } } });
  }

  /** Number of `action` events matching `where` since `since` (alert rules). */
  async countSince(
    tenantId: string,
    where: {
      action?: string;
      actions?: string[];
      outcome?: string;
      actorId?: string;
      apiKeyId?: string;
      ip?: string;
    },
    since: Date,
  ): Promise<{ count: number; firstSeq: bigint | null; lastSeq: bigint | null }> {
    const agg = await this.db.tx(tenantId).auditEntry.aggregate({
      where: {
        tenantId,
        action: where.actions ? { in: where.actions } : where.action,
        outcome: where.outcome,
        actorId: where.actorId,
        apiKeyId: where.apiKeyId,
        ip: where.ip,
        eventTime: { gte: since },
      },
      _count: { _all: true },
      _min: { seq: true },
      _max: { seq: true },
    });
    return { count: agg._count._all, firstSeq: agg._min.seq, lastSeq: agg._max.seq };
  }

  /** Networks each of `apiKeyIds` has acted from (new-network rule). */
  async keyNetworks(tenantId: string, apiKeyIds: string[]): Promise<{ apiKeyId: string; network: string }[]> {
    return this.db.tx(tenantId).auditKeyNetwork.findMany({
      where: { tenantId, apiKeyId: { in: apiKeyIds } },
      select: { apiKeyId: true, network: true },
    });
  }

  async addKeyNetworks(
    tenantId: string,
    rows: { apiKeyId: string; network: string; firstSeq: bigint }[],
  ): Promise<void> {
    if (rows.length === 0) return;
    await this.db.tx(tenantId).auditKeyNetwork.createMany({
      data: rows.map((r) => ({ tenantId, ...r })),
      skipDuplicates: true,
    });
  }

  /** Creates the alert unless one exists for the same rule, subject and window; true when created. */
  async raiseAlert(
    tenantId: string,
    a: {
      rule: string;
      subject: string;
      windowStart: Date;
      eventCount: number;
      firstSeq: bigint;
      lastSeq: bigint;
      details: Prisma.InputJsonObject;
    },
  ): Promise<boolean> {
    const n = await this.db.tx(tenantId).$executeRaw`INSERT INTO audit_alerts
        (tenant_id, rule, subject, window_start, event_count, first_seq, last_seq, details)
      VALUES (${tenantId}::uuid, ${a.rule}, ${a.subject}, ${a.windowStart}, ${a.eventCount}, ${a.firstSeq},
              ${a.lastSeq}, ${JSON.stringify(a.details)}::jsonb)
      ON CONFLICT (tenant_id, rule, subject, window_start) DO NOTHING`;
    return n > 0;
  }

  alerts(tenantId: string, take: number, before?: { createdAt: Date; id: string }) {
    return this.db.tx(tenantId).auditAlert.findMany({
      where: {
        tenantId,
        ...(before
          ? {
              OR: [
                { createdAt: { lt: before.createdAt } },
                { createdAt: before.createdAt, id: { lt: before.id } },
              ],
            }
          : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take,
    });
  }
}
