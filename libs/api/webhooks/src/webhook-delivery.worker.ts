import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { WebhookHeader } from '@arca/contracts';
import { Db } from '@arca/api-db';
import { ARCA_CONFIG, LOGGER, type ArcaConfig, type Logger } from '@arca/api-core';
import { AuditLog } from '@arca/api-audit';
import { JobQueue, type Job } from '@arca/api-jobs';
import { retryDelayMs } from './backoff.js';
import { postWebhook, type PostResult } from './delivery-client.js';
import { signatureHeader } from './signing.js';
import { resolveWebhookTarget, WebhookUrlError } from './url-policy.js';
import { WEBHOOK_DELIVERY_QUEUE, type DeliveryJobData } from './webhook-events.service.js';
import { WebhookSecrets } from './webhook-secrets.js';
import { WebhooksRepository, type AttemptRecord, type WebhookDeliveryStatus } from './webhooks.repository.js';

const GONE_REASON = 'the endpoint answered 410 Gone';

/**
 * Makes delivery attempts (one job = one attempt). Reads the delivery and unseals the secrets in one tenant
 * transaction, POSTs outside any transaction (a slow endpoint never holds a database connection), then records the
 * attempt and, after a failure, enqueues the next one with backoff in a second transaction. Attempts are
 * at-least-once: receivers deduplicate on the body's `id` (event) or `x-arca-delivery`.
 */
@Injectable()
export class WebhookDeliveryWorker implements OnModuleInit {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(WebhooksRepository) private readonly repo: WebhooksRepository,
    @Inject(WebhookSecrets) private readonly secrets: WebhookSecrets,
    @Inject(JobQueue) private readonly jobs: JobQueue,
    @Inject(AuditLog) private readonly audit: AuditLog,
    @Inject(ARCA_CONFIG) private readonly config: ArcaConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.jobs.work<DeliveryJobData>(WEBHOOK_DELIVERY_QUEUE, {}, (job) => this.attempt(job));
  }

  async attempt(job: Job<DeliveryJobData>): Promise<void> {
    const { tenantId, deliveryId, attempt } = job.data;
    const maxAttempts = job.data.maxAttempts ?? this.config.webhooks.maxAttempts;
    const retryBaseMs = job.data.retryBaseMs ?? this.config.webhooks.retryBaseMs;
    const prepared = await this.db.tenantTransaction(tenantId, async () => {
      const delivery = await this.repo.findDelivery(tenantId, deliveryId);
      if (!delivery || !isOpen(delivery.status) || delivery.attempts !== attempt - 1) return null;
      const webhook = await this.repo.findWithSecrets(tenantId, delivery.webhookId);
      if (!webhook?.active) {
        await this.repo.abandon(tenantId, deliveryId, 'the endpoint was disabled or deleted');
        return null;
      }
      return { delivery, webhook, secrets: await this.secrets.signingSecrets(webhook) };
    });
    if (!prepared) return;
    const { delivery, webhook, secrets } = prepared;

    const settings = this.config.webhooks;
    const timestamp = Math.floor(Date.now() / 1000);
    const body = Buffer.from(delivery.payload);
    const headers = {
      'content-type': 'application/json',
      [WebhookHeader.Event]: delivery.eventType,
      [WebhookHeader.Delivery]: delivery.id,
      [WebhookHeader.Timestamp]: String(timestamp),
      [WebhookHeader.Signature]: signatureHeader(secrets, timestamp, body),
    };
    let result: PostResult;
    try {
      const target = await resolveWebhookTarget(webhook.url, settings);
      result = await postWebhook(target, headers, body, settings.timeoutMs);
    } catch (error) {
      const message = error instanceof WebhookUrlError ? error.message : 'could not send the request';
      result = { error: message, excerpt: '', durationMs: 0 };
    }

    const ok = result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 300;
    const gone = result.statusCode === 410;
    const status: WebhookDeliveryStatus = ok
      ? 'succeeded'
      : gone || attempt >= maxAttempts
        ? 'gave_up'
        : 'failed';
    const now = new Date();
    const nextAttemptAt =
      status === 'failed' ? new Date(now.getTime() + retryDelayMs(attempt, retryBaseMs)) : null;
    const record: AttemptRecord = {
      attempt,
      at: now.toISOString(),
      durationMs: result.durationMs,
      ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
      ...(result.error || !ok
        ? { error: (result.error ?? describeStatus(result.statusCode)).slice(0, 500) }
        : {}),
      ...(result.excerpt ? { responseExcerpt: result.excerpt } : {}),
    };

    await this.db.tenantTransaction(tenantId, async () => {
      const recorded = await this.repo.recordAttempt(tenantId, deliveryId, attempt, {
        status,
        record,
        nextAttemptAt,
        deliveredAt: ok ? now : null,
      });
      if (!recorded) return;
      if (status === 'failed') {
        await this.jobs.send<DeliveryJobData>(
          WEBHOOK_DELIVERY_QUEUE,
          { tenantId, deliveryId, attempt: attempt + 1, maxAttempts, retryBaseMs },
          { startAfter: nextAttemptAt! },
        );
      }
      if (gone) {
        await this.repo.update(tenantId, webhook.id, {
          active: false,
          disabledAt: now,
          disabledReason: GONE_REASON,
        });
        await this.audit.record(
          { tenantId, kind: 'system' },
          { action: 'webhook.disable', resource: { type: 'webhook', id: webhook.id }, reason: GONE_REASON },
        );
      }
    });
    this.logger.debug(
      { tenantId, deliveryId, webhookId: webhook.id, attempt, status, statusCode: result.statusCode },
      'webhook delivery attempt',
    );
  }
}

const isOpen = (s: WebhookDeliveryStatus): boolean => s === 'pending' || s === 'failed';

function describeStatus(statusCode: number | undefined): string {
  if (statusCode === undefined) return 'no response';
  if (statusCode >= 300 && statusCode < 400) return `HTTP ${statusCode} (redirects are not followed)`;
  return `HTTP ${statusCode}`;
}
