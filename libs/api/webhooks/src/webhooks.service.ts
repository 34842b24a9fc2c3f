import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { SUBSCRIBABLE_WEBHOOK_EVENTS, WebhookEvent } from '@arca/contracts';
import { Db } from '@arca/api-db';
import {
  ARCA_CONFIG,
  badInput,
  decodeTimeIdCursor,
  encodeTimeIdCursor,
  failedPrecondition,
  notFound,
  pageSize,
  slicePage,
  type ArcaConfig,
  type TenantContext,
} from '@arca/api-core';
import { AuditLog } from '@arca/api-audit';
import { resolveWebhookTarget, WebhookUrlError } from './url-policy.js';
import { eventPayload, WebhookEvents } from './webhook-events.service.js';
import { WebhookSecrets } from './webhook-secrets.js';
import { WebhooksRepository, type DeliveryRow, type WebhookRow } from './webhooks.repository.js';

/** Endpoints per tenant. */
export const MAX_WEBHOOKS = 25;
/** Longest grace period of a rotated secret. */
export const MAX_GRACE_HOURS = 168;
export const DEFAULT_GRACE_HOURS = 24;

export interface WebhookPatch {
  url?: string;
  events?: string[];
  description?: string;
  active?: boolean;
}

@Injectable()
export class WebhooksService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(WebhooksRepository) private readonly repo: WebhooksRepository,
    @Inject(WebhookSecrets) private readonly secrets: WebhookSecrets,
    @Inject(WebhookEvents) private readonly events: WebhookEvents,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(ARCA_CONFIG) private readonly config: ArcaConfig,
  ) {}

  list(ctx: TenantContext): Promise<WebhookRow[]> {
    return this.db.tenantTransaction(ctx.tenantId, () => this.repo.list(ctx.tenantId));
  }

  get(ctx: TenantContext, id: string): Promise<WebhookRow> {
    return this.db.tenantTransaction(ctx.tenantId, () => this.require(ctx, id));
  }

  /** Creates an endpoint; its secret is returned here (and by rotateSecret) and never again. */
  async create(
    ctx: TenantContext,
    input: { url: string; events: string[]; description?: string },
  ): Promise<{ webhook: WebhookRow; secret: string }> {
    const url = await this.checkUrl(input.url);
    const eventTypes = normalizeEvents(input.events);
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      if ((await this.repo.count(ctx.tenantId)) >= MAX_WEBHOOKS) {
        throw failedPrecondition(`a tenant can have at most ${MAX_WEBHOOKS} webhooks`);
      }
      const id = randomUUID();
      const { secret, sealed } = await this.secrets.create(ctx.tenantId, id);
      const webhook = await this.repo.create(ctx.tenantId, {
        id,
        url,
        description: input.description ?? '',
        eventTypes,
        sealedSecret: sealed,
        createdById: ctx.userId,
      });
      await this.audit.record(ctx, {
        action: 'webhook.create',
        resource: { type: 'webhook', id },
        details: { host: new URL(url).host, events: eventTypes },
      });
      return { webhook, secret };
    });
  }

  async update(ctx: TenantContext, id: string, patch: WebhookPatch): Promise<WebhookRow> {
    const url = patch.url !== undefined ? await this.checkUrl(patch.url) : undefined;
    const eventTypes = patch.events !== undefined ? normalizeEvents(patch.events) : undefined;
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const current = await this.require(ctx, id);
      const reactivate = patch.active === true && !current.active;
      const deactivate = patch.active === false && current.active;
      const updated = await this.repo.update(ctx.tenantId, id, {
        url,
        eventTypes,
        description: patch.description,
        ...(reactivate ? { active: true, disabledAt: null, disabledReason: null } : {}),
        ...(deactivate
          ? { active: false, disabledAt: new Date(), disabledReason: 'disabled by an admin' }
          : {}),
      });
      await this.audit.record(ctx, {
        action: 'webhook.update',
        resource: { type: 'webhook', id },
        details: {
          fields: Object.keys(patch)
            .filter((k) => patch[k as keyof WebhookPatch] !== undefined)
            .sort(),
          ...(url ? { host: new URL(url).host } : {}),
        },
      });
      return updated;
    });
  }

  /** A new secret; the old one stays valid (deliveries carry both signatures) for `graceHours`. */
  async rotateSecret(
    ctx: TenantContext,
    id: string,
    graceHours = DEFAULT_GRACE_HOURS,
  ): Promise<{ webhook: WebhookRow; secret: string }> {
    if (!Number.isInteger(graceHours) || graceHours < 0 || graceHours > MAX_GRACE_HOURS) {
      throw badInput(`graceHours must be an integer from 0 to ${MAX_GRACE_HOURS}`, { field: 'graceHours' });
    }
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const current = await this.repo.findWithSecrets(ctx.tenantId, id);
      if (!current) throw notFound('webhook');
      const { secret, sealed } = await this.secrets.create(ctx.tenantId, id);
      const webhook = await this.repo.update(ctx.tenantId, id, {
        sealedSecret: sealed,
        previousSealedSecret: graceHours > 0 ? current.sealedSecret : null,
        previousSecretExpiresAt: graceHours > 0 ? new Date(Date.now() + graceHours * 3_600_000) : null,
      });
      await this.audit.record(ctx, {
        action: 'webhook.rotate_secret',
        resource: { type: 'webhook', id },
        details: { graceHours },
      });
      return { webhook, secret };
    });
  }

  /** Soft delete: the endpoint stops receiving (pending deliveries give up), its delivery log stays. */
  async delete(ctx: TenantContext, id: string): Promise<WebhookRow> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      await this.require(ctx, id);
      const now = new Date();
      const deleted = await this.repo.update(ctx.tenantId, id, {
        active: false,
        disabledAt: now,
        disabledReason: 'deleted',
        deletedAt: now,
      });
      await this.audit.record(ctx, { action: 'webhook.delete', resource: { type: 'webhook', id } });
      return deleted;
    });
  }

  async deliveries(
    ctx: TenantContext,
    webhookId: string,
    args: { first?: number | null; after?: string | null },
  ): Promise<{ rows: { row: DeliveryRow; cursor: string }[]; hasNextPage: boolean }> {
    const size = pageSize(args.first);
    const after = args.after ? decodeTimeIdCursor(args.after) : undefined;
    const rows = await this.db.tenantTransaction(ctx.tenantId, async () => {
      await this.require(ctx, webhookId);
      return this.repo.deliveries(ctx.tenantId, webhookId, size + 1, after);
    });
    const { page, hasNextPage } = slicePage(rows, size);
    return { rows: page.map((row) => ({ row, cursor: encodeTimeIdCursor(row) })), hasNextPage };
  }

  /** Sends the delivery's event again, as a new delivery (same event id and body, new delivery id). */
  async redeliver(ctx: TenantContext, deliveryId: string): Promise<DeliveryRow> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const original = await this.repo.findDelivery(ctx.tenantId, deliveryId);
      if (!original) throw notFound('webhook delivery');
      const webhook = await this.require(ctx, original.webhookId);
      if (!webhook.active) throw failedPrecondition('the webhook is disabled; enable it first');
      const id = await this.events.enqueue(
        ctx.tenantId,
        webhook.id,
        original.eventId,
        original.eventType,
        Buffer.from(original.payload),
        original.id,
      );
      await this.audit.record(ctx, {
        action: 'webhook.redeliver',
        resource: { type: 'webhook_delivery', id },
        details: { webhookId: webhook.id, redeliveryOf: original.id },
      });
      return (await this.repo.findDelivery(ctx.tenantId, id))!;
    });
  }

  /** A `webhook.test` event to this endpoint only. */
  async sendTest(ctx: TenantContext, id: string): Promise<DeliveryRow> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const webhook = await this.require(ctx, id);
      if (!webhook.active) throw failedPrecondition('the webhook is disabled; enable it first');
      const eventId = randomUUID();
      const payload = eventPayload(
        ctx.tenantId,
        eventId,
        WebhookEvent.WebhookTest,
        { webhookId: id },
        new Date(),
      );
      const deliveryId = await this.events.enqueue(
        ctx.tenantId,
        id,
        eventId,
        WebhookEvent.WebhookTest,
        payload,
      );
      await this.audit.record(ctx, {
        action: 'webhook.test',
        resource: { type: 'webhook', id },
        details: { deliveryId },
      });
      return (await this.repo.findDelivery(ctx.tenantId, deliveryId))!;
    });
  }

  private async require(ctx: TenantContext, id: string): Promise<WebhookRow> {
    const webhook = await this.repo.find(ctx.tenantId, id);
    if (!webhook) throw notFound('webhook');
    return webhook;
  }

  /** URL syntax, scheme and SSRF policy (DNS included), before any transaction opens. */
  private async checkUrl(raw: string): Promise<string> {
    try {
      const target = await resolveWebhookTarget(raw.trim(), this.config.webhooks);
      return target.url.toString();
    } catch (error) {
      if (error instanceof WebhookUrlError) throw badInput(error.message, { field: 'url' });
      throw error;
    }
  }
}

export function normalizeEvents(events: string[]): string[] {
  const out = [...new Set(events.map((e) => e.trim()))];
  if (out.length === 0) throw badInput('subscribe to at least one event', { field: 'events' });
  const unknown = out.find((e) => !(SUBSCRIBABLE_WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown !== undefined) {
    throw badInput(
      `unknown event "${unknown.slice(0, 60)}"; one of: ${SUBSCRIBABLE_WEBHOOK_EVENTS.join(', ')}`,
      { field: 'events' },
    );
  }
  return out;
}
