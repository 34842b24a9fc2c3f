import { randomBytes } from 'node:crypto';

export const UPLOAD_TOKEN_PREFIX = 'arcu_';
export const DOWNLOAD_TOKEN_PREFIX = 'arcd_';
const TOKEN = /^arc[ud]_[A-Za-z0-9_-]{43}$/;

/** A one-time link secret: 32 random bytes, base64url, with a prefix that says what it unlocks. */
export function newLinkToken(prefix: typeof UPLOAD_TOKEN_PREFIX | typeof DOWNLOAD_TOKEN_PREFIX): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function isLinkToken(token: string, prefix: string): boolean {
  return token.startsWith(prefix) && TOKEN.test(token);
}
