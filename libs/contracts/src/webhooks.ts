// Webhook event types and the signature scheme's wire names, shared by the server, the SDK and the CLI (ADR 0008).

export const WebhookEvent = {
  VersionCreated: 'version.created',
  VersionReady: 'version.ready',
  VersionFailed: 'version.failed',
  VersionArchived: 'version.archived',
  AliasUpdated: 'alias.updated',
  PromotionRequested: 'promotion.requested',
  PromotionApproved: 'promotion.approved',
  PromotionRejected: 'promotion.rejected',
  /** Sent by `sendTestWebhook` to one endpoint, whatever it subscribes to; not subscribable. */
  WebhookTest: 'webhook.test',
} as const;

export type WebhookEventType = (typeof WebhookEvent)[keyof typeof WebhookEvent];

export const ALL_WEBHOOK_EVENTS: readonly WebhookEventType[] = Object.values(WebhookEvent);

/** What an endpoint may subscribe to. */
export const SUBSCRIBABLE_WEBHOOK_EVENTS: readonly WebhookEventType[] = ALL_WEBHOOK_EVENTS.filter(
  (e) => e !== WebhookEvent.WebhookTest,
);

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (ALL_WEBHOOK_EVENTS as readonly string[]).includes(value);
}

/** Request headers of a delivery. */
export const WebhookHeader = {
  Event: 'x-arca-event',
  Delivery: 'x-arca-delivery',
  Timestamp: 'x-arca-timestamp',
  Signature: 'x-arca-signature',
} as const;

/** Prefix of webhook signing secrets (`whsec_` + 32 random bytes, base64url). */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** Default replay window of signature verification: a delivery older (or newer) than this is refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
