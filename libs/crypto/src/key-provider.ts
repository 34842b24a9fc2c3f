import { createHash, timingSafeEqual } from 'node:crypto';
import { IntegrityError, open, seal } from './aead.js';

/**
 * Holds the server master key and wraps other keys with it. The local provider keeps the key in memory; a cloud
 * KMS adapter implements the same interface. Wrapped values name the master key that sealed them, so a rotation
 * can tell old from new.
 */
export interface KeyProvider {
  /** Stable, non-secret identifier of the current master key (16 hex characters). */
  readonly keyId: string;
  wrap(plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  unwrap(wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
}

const KEY_ID_BYTES = 8;

export class LocalKeyProvider implements KeyProvider {
  readonly keyId: string;
  private readonly key: Buffer;
  private readonly keyIdBytes: Buffer;

  constructor(masterKey: Uint8Array) {
    if (masterKey.length !== 32) throw new RangeError('the master key must be 32 bytes');
    this.key = Buffer.from(masterKey);
    this.keyIdBytes = createHash('sha256')
      .update('arca:master-key-id:')
      .update(this.key)
      .digest()
      .subarray(0, KEY_ID_BYTES);
    this.keyId = this.keyIdBytes.toString('hex');
  }

  wrap(plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(Buffer.concat([this.keyIdBytes, seal(this.key, plaintext, aad)]));
  }

  unwrap(wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    const id = wrapped.subarray(0, KEY_ID_BYTES);
    if (id.length !== KEY_ID_BYTES || !timingSafeEqual(id, this.keyIdBytes)) {
      return Promise.reject(new IntegrityError('wrapped key was sealed by another master key'));
    }
    try {
      return Promise.resolve(open(this.key, wrapped.subarray(KEY_ID_BYTES), aad));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new IntegrityError(String(error)));
    }
  }
}
