import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { isWebhookEventType, type WebhookEventType } from '@arca/contracts';
import { Db } from '@arca/api-db';
import { JobQueue } from '@arca/api-jobs';
import { ARCA_CONFIG, type ArcaConfig, type TenantContext } from '@arca/api-core';
import { WebhooksRepository } from './webhooks.repository.js';

/** The pg-boss queue of delivery attempts (created by migration 20261127060000_jobs_and_webhooks). */
export const WEBHOOK_DELIVERY_QUEUE = 'webhook-delivery';

/** Largest `data` an event may carry, as JSON. */
export const MAX_EVENT_DATA_BYTES = 64 * 1024;

export interface WebhookEventInput {
  /** One of `WebhookEvent` (@arca/contracts). */
  type: WebhookEventType | (string & {});
  data: Record<string, unknown>;
}

export interface DeliveryJobData {
  tenantId: string;
  deliveryId: string;
  /** The attempt this job makes (1-based); a job whose attempt is no longer the next one does nothing. */
  attempt: number;
  /** The retry schedule, fixed when the delivery is enqueued: a replica with other settings or a config change
   * does not alter deliveries already in flight. */
  maxAttempts: number;
  retryBaseMs: number;
  [key: string]: unknown;
}

export class WebhookEventError extends Error {
  override readonly name = 'WebhookEventError';
}

/**
 * Emits webhook events. Call `emit` inside the business transaction (it joins the caller's open
 * `db.tenantTransaction`): the delivery rows and their jobs commit with the change, or not at all.
 */
@Injectable()
export class WebhookEvents {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(WebhooksRepository) private readonly repo: WebhooksRepository,
    @Inject(JobQueue) private readonly jobs: JobQueue,
    @Inject(ARCA_CONFIG) private readonly config: ArcaConfig,
  ) {}

  /**
   * For every active endpoint of the tenant subscribed to `event.type`: one delivery row and one delivery job.
   * Returns the event id (shared by all deliveries and sent as the body's `id`) and the number of deliveries.
   */
  async emit(
    ctx: Pick<TenantContext, 'tenantId'>,
    event: WebhookEventInput,
  ): Promise<{ eventId: string; deliveries: number }> {
    if (!isWebhookEventType(event.type)) {
      throw new WebhookEventError(`unknown webhook event type "${event.type}"`);
    }
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const eventId = randomUUID();
      const subscribers = await this.repo.subscribers(ctx.tenantId, event.type);
      if (subscribers.length === 0) return { eventId, deliveries: 0 };
      const payload = eventPayload(ctx.tenantId, eventId, event.type, event.data, new Date());
      for (const w of subscribers) await this.enqueue(ctx.tenantId, w.id, eventId, event.type, payload);
      return { eventId, deliveries: subscribers.length };
    });
  }

  /** One delivery to one endpoint (tests, redeliveries), in the open transaction. Returns the delivery id. */
  async enqueue(
    tenantId: string,
    webhookId: string,
    eventId: string,
    eventType: string,
    payload: Buffer,
    redeliveryOf?: string,
  ): Promise<string> {
    const id = randomUUID();
    await this.repo.createDelivery(tenantId, { id, webhookId, eventId, eventType, payload, redeliveryOf });
    const { maxAttempts, retryBaseMs } = this.config.webhooks;
    await this.jobs.send<DeliveryJobData>(WEBHOOK_DELIVERY_QUEUE, {
      tenantId,
      deliveryId: id,
      attempt: 1,
      maxAttempts,
      retryBaseMs,
    });
    return id;
  }
}

/** The delivery body, serialised once: every attempt (and every redelivery) sends these exact bytes. */
export function eventPayload(
  tenantId: string,
  eventId: string,
  type: string,
  data: Record<string, unknown>,
  createdAt: Date,
): Buffer {
  const body = Buffer.from(
    JSON.stringify({ id: eventId, type, tenantId, createdAt: createdAt.toISOString(), data }),
  );
  if (body.length > MAX_EVENT_DATA_BYTES) {
    throw new WebhookEventError(
      `webhook event ${type} is ${body.length} bytes; the limit is ${MAX_EVENT_DATA_BYTES}`,
    );
  }
  return body;
}
