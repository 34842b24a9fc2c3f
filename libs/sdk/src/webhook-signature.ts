import { WEBHOOK_TOLERANCE_SECONDS } from '@arca/contracts';

// Receiver-side check of Arca webhook signatures (ADR 0008). Works in Node ≥ 20, Deno, Bun and browsers
// (WebCrypto), hence async.

export interface VerifyWebhookSignatureOptions {
  /** The endpoint's signing secret (`whsec_…`). During a rotation, call once per secret you accept. */
  secret: string;
  /** The `x-arca-signature` header: one or more comma-separated `v1=<hex>`. */
  header: string | null | undefined;
  /** The `x-arca-timestamp` header (unix seconds). */
  timestamp: string | number | null | undefined;
  /** The raw request body, exactly as received (before any JSON parsing). */
  body: string | Uint8Array;
  /** Replay window: deliveries whose timestamp is further than this from `now` are refused. Default 300. */
  toleranceSeconds?: number;
  /** The current time (for tests); defaults to the system clock. */
  now?: Date | number;
}

export type WebhookVerification =
  | { ok: true; timestamp: number }
  | { ok: false; reason: 'missing-signature' | 'bad-timestamp' | 'outside-tolerance' | 'no-match' };

const encoder = new TextEncoder();

/**
 * Checks a delivery: some `v1=` signature in the header must equal HMAC-SHA256(secret, `<timestamp>.<body>`)
 * (compared in constant time), and the timestamp must lie within `toleranceSeconds` of now. Verify before parsing
 * the body, and deduplicate on the body's `id` (deliveries are at-least-once).
 */
export async function verifyWebhookSignature(
  opts: VerifyWebhookSignatureOptions,
): Promise<WebhookVerification> {
  const tolerance = opts.toleranceSeconds ?? WEBHOOK_TOLERANCE_SECONDS;
  const candidates = (opts.header ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.startsWith('v1='))
    .map((part) => part.slice(3).toLowerCase())
    .filter((hex) => /^[0-9a-f]{64}$/.test(hex));
  if (candidates.length === 0) return { ok: false, reason: 'missing-signature' };
  const raw = opts.timestamp === null || opts.timestamp === undefined ? '' : String(opts.timestamp).trim();
  if (!/^\d{1,12}$/.test(raw)) return { ok: false, reason: 'bad-timestamp' };
  const timestamp = Number(raw);
  const nowMs =
    opts.now === undefined ? Date.now() : typeof opts.now === 'number' ? opts.now : opts.now.getTime();
  if (Math.abs(nowMs / 1000 - timestamp) > tolerance) return { ok: false, reason: 'outside-tolerance' };

  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(opts.secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const body = typeof opts.body === 'string' ? encoder.encode(opts.body) : opts.body;
  const prefix = encoder.encode(`${raw}.`);
  const message = new Uint8Array(prefix.length + body.length);
  message.set(prefix, 0);
  message.set(body, prefix.length);
  const expected = new Uint8Array(await crypto.subtle.sign('HMAC', key, message));
  let matched = false;
  for (const hex of candidates) matched = constantTimeEqual(expected, fromHex(hex)) || matched;
  return matched ? { ok: true, timestamp } : { ok: false, reason: 'no-match' };
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
