import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// AES-256-GCM for small secrets (wrapped keys). Layout: version 0x01 ‖ 12-byte random nonce ‖ ciphertext ‖ 16-byte
// tag. The associated data binds a sealed value to where it belongs (tenant, purpose), so it cannot be moved.

const VERSION = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed value failed authentication: wrong key, wrong associated data, or modified bytes. */
export class IntegrityError extends Error {
  override readonly name = 'IntegrityError';
}

export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  assertKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), nonce, body, cipher.getAuthTag()]);
}

export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array {
  assertKey(key);
  if (sealed.length < 1 + NONCE_BYTES + TAG_BYTES || sealed[0] !== VERSION) {
    throw new IntegrityError('sealed value is malformed or of an unknown version');
  }
  const nonce = sealed.subarray(1, 1 + NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([
      decipher.update(sealed.subarray(1 + NONCE_BYTES, sealed.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    throw new IntegrityError('sealed value failed authentication');
  }
}

function assertKey(key: Uint8Array): void {
  if (key.length !== 32) throw new RangeError('AES-256-GCM keys are 32 bytes');
}
