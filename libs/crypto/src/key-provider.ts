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
  /** The keyId of the master key that wrapped `wrapped` (so a rotation can find what still needs re-wrapping). */
  wrappedBy(wrapped: Uint8Array): string;
}

const KEY_ID_BYTES = 8;

/** The 8-byte identifier of a 32-byte master key (a hash prefix: safe to store and log). */
export function masterKeyId(masterKey: Uint8Array): Buffer {
  return createHash('sha256')
    .update('arca:master-key-id:')
    .update(masterKey)
    .digest()
    .subarray(0, KEY_ID_BYTES);
}

/**
 * A master key held in memory. `previous` keys only unwrap: during a master-key rotation the servers run with the
 * new key as current and the old one as previous until every wrapped key has been re-wrapped.
 */
export class LocalKeyProvider implements KeyProvider {
  readonly keyId: string;
  private readonly key: Buffer;
  private readonly keyIdBytes: Buffer;
  private readonly keys = new Map<string, Buffer>();

  constructor(masterKey: Uint8Array, previous: readonly Uint8Array[] = []) {
    for (const key of [masterKey, ...previous]) {
      if (key.length !== 32) throw new RangeError('a master key must be 32 bytes');
    }
    this.key = Buffer.from(masterKey);
    this.keyIdBytes = masterKeyId(this.key);
    this.keyId = this.keyIdBytes.toString('hex');
    for (const key of [...previous].reverse()) {
      this.keys.set(masterKeyId(key).toString('hex'), Buffer.from(key));
    }
    this.keys.set(this.keyId, this.key);
  }

  wrap(plaintext: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(Buffer.concat([this.keyIdBytes, seal(this.key, plaintext, aad)]));
  }

  wrappedBy(wrapped: Uint8Array): string {
    return Buffer.from(wrapped.subarray(0, KEY_ID_BYTES)).toString('hex');
  }

  unwrap(wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    const id = wrapped.subarray(0, KEY_ID_BYTES);
    const key = id.length === KEY_ID_BYTES ? this.keys.get(Buffer.from(id).toString('hex')) : undefined;
    if (!key || !timingSafeEqual(id, masterKeyId(key))) {
      return Promise.reject(
        new IntegrityError('wrapped key was sealed by a master key this server does not hold'),
      );
    }
    try {
      return Promise.resolve(open(key, wrapped.subarray(KEY_ID_BYTES), aad));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new IntegrityError(String(error)));
    }
  }
}
