import { Inject, Injectable } from '@nestjs/common';
import type { KeyProvider } from '@arca/crypto';
import { KEY_PROVIDER } from '@arca/api-core';
import type { WebhookModel } from '@arca/api-db';
import { generateWebhookSecret } from './signing.js';

/**
 * Webhook signing secrets, sealed with the server master key (AES-256-GCM through the KeyProvider) with associated
 * data binding tenant and endpoint: a sealed secret copied to another row or tenant does not open.
 */
@Injectable()
export class WebhookSecrets {
  constructor(@Inject(KEY_PROVIDER) private readonly keys: KeyProvider) {}

  /** A fresh secret and its sealed form. */
  async create(tenantId: string, webhookId: string): Promise<{ secret: string; sealed: Uint8Array }> {
    const secret = generateWebhookSecret();
    const sealed = await this.keys.wrap(Buffer.from(secret, 'utf8'), aadFor(tenantId, webhookId));
    return { secret, sealed };
  }

  /** The secrets a delivery is signed with now: the current one, then the previous one during its grace period. */
  async signingSecrets(w: WebhookModel, now = new Date()): Promise<string[]> {
    const aad = aadFor(w.tenantId, w.id);
    const secrets = [Buffer.from(await this.keys.unwrap(w.sealedSecret, aad)).toString('utf8')];
    if (w.previousSealedSecret && w.previousSecretExpiresAt && w.previousSecretExpiresAt > now) {
      secrets.push(Buffer.from(await this.keys.unwrap(w.previousSealedSecret, aad)).toString('utf8'));
    }
    return secrets;
  }
}

function aadFor(tenantId: string, webhookId: string): Uint8Array {
  return Buffer.from(`arca:webhook-secret:v1:${tenantId}:${webhookId}`);
}
