import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from './webhook-signature.js';

// The server's scheme (libs/api/webhooks signing.ts), recomputed here with node:crypto.
const sign = (secret: string, ts: number, body: string): string =>
  createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');

describe('verifyWebhookSignature', () => {
  const secret = 'whsec_dGVzdC1zZWNyZXQtZm9yLWFyY2Etd2ViaG9va3MtMDE';
  const body =
    '{"id":"e1","type":"version.created","tenantId":"t","createdAt":"2026-11-27T00:00:00.000Z","data":{}}';
  const ts = 1_700_000_000;
  const now = ts * 1000;
  const header = `v1=${sign('whsec_new', ts, body)},v1=${sign(secret, ts, body)}`;
  const verify = (o: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
    verifyWebhookSignature({ secret, header, timestamp: ts, body, now, ...o });

  it('accepts any v1 signature of the secret over "<timestamp>.<body>" (string or bytes)', async () => {
    expect(await verify({})).toEqual({ ok: true, timestamp: ts });
    expect(await verify({ body: new TextEncoder().encode(body), timestamp: String(ts) })).toMatchObject({
      ok: true,
    });
    expect(await verify({ secret: 'whsec_new' })).toMatchObject({ ok: true });
    // Upper-case hex and spaces after commas are accepted.
    const loose = header.toUpperCase().replace(/V1=/g, 'v1=').replace(',', ', ');
    expect(await verify({ header: loose })).toMatchObject({ ok: true });
  });

  it('enforces the replay window (300 s by default)', async () => {
    expect(await verify({ now: now + 300_000 })).toMatchObject({ ok: true });
    expect(await verify({ now: now + 301_000 })).toEqual({ ok: false, reason: 'outside-tolerance' });
    expect(await verify({ now: now - 301_000 })).toEqual({ ok: false, reason: 'outside-tolerance' });
    expect(await verify({ now: now + 10_000, toleranceSeconds: 5 })).toEqual({
      ok: false,
      reason: 'outside-tolerance',
    });
  });

  it('rejects missing or malformed signatures and timestamps, other secrets and changed bodies', async () => {
    expect(await verify({ header: '' })).toEqual({ ok: false, reason: 'missing-signature' });
    expect(await verify({ header: null })).toEqual({ ok: false, reason: 'missing-signature' });
    expect(await verify({ header: 'v0=abc' })).toEqual({ ok: false, reason: 'missing-signature' });
    expect(await verify({ timestamp: '17e8' })).toEqual({ ok: false, reason: 'bad-timestamp' });
    expect(await verify({ timestamp: undefined })).toEqual({ ok: false, reason: 'bad-timestamp' });
    expect(await verify({ secret: 'whsec_other' })).toEqual({ ok: false, reason: 'no-match' });
    expect(await verify({ body: `${body} ` })).toEqual({ ok: false, reason: 'no-match' });
    expect(await verify({ timestamp: ts + 1 })).toEqual({ ok: false, reason: 'no-match' });
  });
});
