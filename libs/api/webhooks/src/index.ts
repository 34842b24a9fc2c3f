export { WebhooksModule } from './webhooks.module.js';
export {
  WebhookEvents,
  WebhookEventError,
  WEBHOOK_DELIVERY_QUEUE,
  MAX_EVENT_DATA_BYTES,
  type WebhookEventInput,
} from './webhook-events.service.js';
export { WebhookDeliveryWorker } from './webhook-delivery.worker.js';
export { signWebhook, signatureHeader, generateWebhookSecret } from './signing.js';
export { retryDelayMs } from './backoff.js';
export { addressRefusal, resolveWebhookTarget, WebhookUrlError, type UrlPolicy } from './url-policy.js';
