import { createHmac, randomBytes } from 'node:crypto';
import { WEBHOOK_SECRET_PREFIX } from '@arca/contracts';

// Signature scheme v1 (ADR 0008): HMAC-SHA256 keyed with the secret's UTF-8 bytes (the whole `whsec_…` string)
// over `<unix seconds>.<raw body>`, hex-encoded, sent as `x-arca-signature: v1=<hex>`. During a secret rotation's
// grace period the header carries one `v1=` per valid secret, newest first, separated by commas.

/** A new signing secret: `whsec_` + 32 random bytes, base64url (no padding). */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function signWebhook(secret: string, timestamp: number, body: string | Uint8Array): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${timestamp}.`).update(body).digest('hex');
}

/** The `x-arca-signature` header value for every secret currently valid (current first). */
export function signatureHeader(
  secrets: readonly string[],
  timestamp: number,
  body: string | Uint8Array,
): string {
  return secrets.map((s) => `v1=${signWebhook(s, timestamp, body)}`).join(',');
}
