import { Inject, Injectable } from '@nestjs/common';
import { Db, type Bytes, type WebhookDeliveryModel, type WebhookModel } from '@arca/api-db';

const bytes = (b: Uint8Array): Bytes => new Uint8Array(b);

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed' | 'gave_up';

/** One attempt as kept in `webhook_deliveries.attempt_log`. */
export interface AttemptRecord {
  attempt: number;
  at: string;
  durationMs: number;
  statusCode?: number;
  error?: string;
  responseExcerpt?: string;
}

/** Webhook rows without the sealed secrets: what every read except signing and rotation gets. */
export type WebhookRow = Omit<WebhookModel, 'sealedSecret' | 'previousSealedSecret'>;
export type DeliveryRow = WebhookDeliveryModel;

const PUBLIC_COLUMNS = {
  id: true,
  tenantId: true,
  url: true,
  description: true,
  eventTypes: true,
  previousSecretExpiresAt: true,
  active: true,
  disabledReason: true,
  createdById: true,
  createdAt: true,
  updatedAt: true,
  disabledAt: true,
  deletedAt: true,
} as const;

@Injectable()
export class WebhooksRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  find(tenantId: string, id: string): Promise<WebhookRow | null> {
    return this.db
      .tx(tenantId)
      .webhook.findFirst({ where: { tenantId, id, deletedAt: null }, select: PUBLIC_COLUMNS });
  }

  /** The row with its sealed secrets (signing and rotation only). */
  findWithSecrets(tenantId: string, id: string): Promise<WebhookModel | null> {
    return this.db.tx(tenantId).webhook.findFirst({ where: { tenantId, id, deletedAt: null } });
  }

  list(tenantId: string): Promise<WebhookRow[]> {
    return this.db.tx(tenantId).webhook.findMany({
      where: { tenantId, deletedAt: null },
      select: PUBLIC_COLUMNS,
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  count(tenantId: string): Promise<number> {
    return this.db.tx(tenantId).webhook.count({ where: { tenantId, deletedAt: null } });
  }

  /** Active endpoints subscribed to `eventType`. */
  subscribers(tenantId: string, eventType: string): Promise<{ id: string }[]> {
    return this.db.tx(tenantId).webhook.findMany({
      where: { tenantId, deletedAt: null, active: true, eventTypes: { has: eventType } },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
  }

  create(
    tenantId: string,
    w: {
      id: string;
      url: string;
      description: string;
      eventTypes: string[];
      sealedSecret: Uint8Array;
      createdById: string;
    },
  ): Promise<WebhookRow> {
    return this.db.tx(tenantId).webhook.create({
      data: { tenantId, ...w, sealedSecret: bytes(w.sealedSecret) },
      select: PUBLIC_COLUMNS,
    });
  }

  update(
    tenantId: string,
    id: string,
    patch: {
      url?: string;
      description?: string;
      eventTypes?: string[];
      active?: boolean;
      disabledAt?: Date | null;
      disabledReason?: string | null;
      deletedAt?: Date;
      sealedSecret?: Uint8Array;
      previousSealedSecret?: Uint8Array | null;
      previousSecretExpiresAt?: Date | null;
    },
  ): Promise<WebhookRow> {
    const { sealedSecret, previousSealedSecret, ...rest } = patch;
    return this.db.tx(tenantId).webhook.update({
      where: { id, tenantId },
      data: {
        ...rest,
        ...(sealedSecret ? { sealedSecret: bytes(sealedSecret) } : {}),
        ...(previousSealedSecret !== undefined
          ? { previousSealedSecret: previousSealedSecret ? bytes(previousSealedSecret) : null }
          : {}),
      },
      select: PUBLIC_COLUMNS,
    });
  }

  createDelivery(
    tenantId: string,
    d: {
      id: string;
      webhookId: string;
      eventId: string;
      eventType: string;
      payload: Buffer;
      redeliveryOf?: string;
    },
  ): Promise<DeliveryRow> {
    return this.db.tx(tenantId).webhookDelivery.create({
      data: { tenantId, ...d, payload: bytes(d.payload), status: 'pending', nextAttemptAt: new Date() },
    });
  }

  findDelivery(tenantId: string, id: string): Promise<DeliveryRow | null> {
    return this.db.tx(tenantId).webhookDelivery.findFirst({ where: { tenantId, id } });
  }

  /** Keyset page ordered by (created_at DESC, id). */
  deliveries(
    tenantId: string,
    webhookId: string,
    take: number,
    after?: { createdAt: Date; id: string },
  ): Promise<DeliveryRow[]> {
    return this.db.tx(tenantId).webhookDelivery.findMany({
      where: {
        tenantId,
        webhookId,
        ...(after
          ? {
              OR: [
                { createdAt: { lt: after.createdAt } },
                { createdAt: after.createdAt, id: { gt: after.id } },
              ],
            }
          : {}),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      take,
    });
  }

  /**
   * Records attempt `attempt` of a delivery, only if it is still the next one (a stale or duplicate job changes
   * nothing). Returns whether it was recorded.
   */
  async recordAttempt(
    tenantId: string,
    id: string,
    attempt: number,
    outcome: {
      status: WebhookDeliveryStatus;
      record: AttemptRecord;
      nextAttemptAt: Date | null;
      deliveredAt: Date | null;
    },
  ): Promise<boolean> {
    const { record } = outcome;
    const n = await this.db.tx(tenantId).$executeRaw`
      UPDATE webhook_deliveries
         SET attempts = ${attempt},
             status = ${outcome.status}::webhook_delivery_status,
             attempt_log = attempt_log || ${JSON.stringify([record])}::jsonb,
             next_attempt_at = ${outcome.nextAttemptAt},
             last_status_code = ${record.statusCode ?? null},
             last_error = ${record.error ?? null},
             delivered_at = ${outcome.deliveredAt},
             updated_at = now()
       WHERE tenant_id = ${tenantId}::uuid AND id = ${id}::uuid AND attempts = ${attempt - 1}
         AND status IN ('pending', 'failed')`;
    return n === 1;
  }

  /** Gives a delivery up without an attempt (its endpoint was disabled or deleted meanwhile). */
  async abandon(tenantId: string, id: string, reason: string): Promise<void> {
    await this.db.tx(tenantId).webhookDelivery.updateMany({
      where: { tenantId, id, status: { in: ['pending', 'failed'] } },
      data: { status: 'gave_up', lastError: reason, nextAttemptAt: null },
    });
  }
}
