import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { formatApiKey } from '@arca/contracts';
import type { Bytes } from '@arca/api-db';

export const SESSION_TOKEN_PREFIX = 'arcs_';
export const INVITATION_TOKEN_PREFIX = 'arci_';
const OPAQUE_TOKEN = /^arc[si]_[A-Za-z0-9_-]{43}$/;

/**
 * High-entropy secrets (API keys, session and invitation tokens) are stored as HMAC-SHA256 under a server
 * pepper: a stolen database alone cannot be used to authenticate, and lookups stay O(1) (no slow KDF needed).
 */
export class TokenHasher {
  constructor(private readonly pepper: Buffer) {
    if (pepper.length < 32) throw new Error('the token pepper must be at least 32 bytes');
  }

  hash(token: string): Bytes {
    return new Uint8Array(createHmac('sha256', this.pepper).update(token, 'utf8').digest());
  }

  /** Keyed hash of a throttle subject (e.g. an email); never stores the subject itself. */
  subjectKey(kind: string, subject: string): string {
    return createHmac('sha256', this.pepper).update(`throttle:${kind}:${subject}`).digest('hex');
  }

  static equal(a: Uint8Array, b: Uint8Array): boolean {
    return a.length === b.length && timingSafeEqual(a, b);
  }
}

export function newApiKey(): string {
  return formatApiKey(randomBytes(32));
}

export function newOpaqueToken(prefix: typeof SESSION_TOKEN_PREFIX | typeof INVITATION_TOKEN_PREFIX): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function isOpaqueToken(token: string, prefix: string): boolean {
  return token.startsWith(prefix) && OPAQUE_TOKEN.test(token);
}
