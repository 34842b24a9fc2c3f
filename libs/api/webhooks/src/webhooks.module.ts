import { Module } from '@nestjs/common';
import { WebhookDeliveryWorker } from './webhook-delivery.worker.js';
import { WebhookEvents } from './webhook-events.service.js';
import { WebhookSecrets } from './webhook-secrets.js';
import { WebhooksRepository } from './webhooks.repository.js';
import { WebhooksResolver } from './webhooks.resolver.js';
import { WebhooksService } from './webhooks.service.js';

/** Signed webhooks (ADR 0008): endpoints, `WebhookEvents.emit`, the delivery worker and the delivery log. */
@Module({
  providers: [
    WebhooksRepository,
    WebhookSecrets,
    WebhookEvents,
    WebhooksService,
    WebhookDeliveryWorker,
    WebhooksResolver,
  ],
  exports: [WebhookEvents],
})
export class WebhooksModule {}
