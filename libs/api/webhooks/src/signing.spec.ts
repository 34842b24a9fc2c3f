import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signatureHeader, signWebhook } from './signing.js';
import { retryDelayMs, MAX_DELAY_MS } from './backoff.js';

describe('webhook signatures (v1)', () => {
  const secret = 'whsec_dGVzdC1zZWNyZXQtZm9yLWFyY2Etd2ViaG9va3MtMDE';
  const body =
    '{"id":"e1","type":"version.created","tenantId":"t","createdAt":"2026-11-27T00:00:00.000Z","data":{}}';

  it('is hex HMAC-SHA256 keyed by the whole secret string over "<timestamp>.<body>"', () => {
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signWebhook(secret, 1_700_000_000, body)).toBe(expected);
    expect(signWebhook(secret, 1_700_000_000, Buffer.from(body))).toBe(expected);
    // A fixed vector, so a change of scheme cannot pass unnoticed.
    expect(signWebhook('whsec_test', 0, '')).toBe(
      createHmac('sha256', 'whsec_test').update('0.').digest('hex'),
    );
  });

  it('lists one v1= per secret, current first', () => {
    const header = signatureHeader([secret, 'whsec_old'], 1_700_000_000, body);
    expect(header).toBe(
      `v1=${signWebhook(secret, 1_700_000_000, body)},v1=${signWebhook('whsec_old', 1_700_000_000, body)}`,
    );
  });

  it('generates whsec_ + 32 random bytes (base64url)', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(6), 'base64url')).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});

describe('retryDelayMs', () => {
  it('triples from the base with ±25 % jitter', () => {
    expect(retryDelayMs(1, 60_000, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(2, 60_000, () => 0.5)).toBe(180_000);
    expect(retryDelayMs(3, 60_000, () => 0.5)).toBe(540_000);
    expect(retryDelayMs(1, 60_000, () => 0)).toBe(45_000);
    expect(retryDelayMs(1, 60_000, () => 0.999_999)).toBe(75_000);
  });

  it('is capped at 12 hours (plus jitter)', () => {
    expect(retryDelayMs(20, 60_000, () => 0.5)).toBe(MAX_DELAY_MS);
    expect(retryDelayMs(50, 60_000, () => 1)).toBe(MAX_DELAY_MS * 1.25);
  });

  it('the default schedule (60 s base, 8 attempts) spans roughly a day', () => {
    const total = [1, 2, 3, 4, 5, 6, 7].reduce((sum, n) => sum + retryDelayMs(n, 60_000, () => 0.5), 0);
    expect(total / 3_600_000).toBeGreaterThan(16);
    expect(total / 3_600_000).toBeLessThan(30);
  });
});
