import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { KEY_PROVIDER } from '@arca/api-core';
import { IntegrityError, open, seal, type KeyProvider } from '@arca/crypto';
import { integrityError } from '../artifacts.errors.js';
import { dekContext, kekContext } from './key-context.js';
import { KeysRepository } from './keys.repository.js';

const KEY_BYTES = 32;

/**
 * The key hierarchy: master key (KeyProvider) → tenant KEK (tenant_keys) → per-blob DEK (blob_keys). Plaintext
 * keys exist only in memory for one operation. Every method runs inside the caller's tenant transaction.
 */
@Injectable()
export class KeyHierarchy {
  constructor(
    @Inject(KeysRepository) private readonly keys: KeysRepository,
    @Inject(KEY_PROVIDER) private readonly master: KeyProvider,
  ) {}

  /** A fresh random DEK (store it with storeBlobKey once the blob's upload row exists). */
  newDek(): Buffer {
    return randomBytes(KEY_BYTES);
  }

  /** Stores a blob's DEK wrapped by the tenant's active KEK (created on the tenant's first upload). */
  async storeBlobKey(tenantId: string, modelId: string, blobId: string, dek: Buffer): Promise<void> {
    const { version, kek } = await this.activeKek(tenantId);
    await this.keys.insertBlobKey(
      tenantId,
      blobId,
      version,
      seal(kek, dek, dekContext(tenantId, modelId, blobId)),
    );
    kek.fill(0);
  }

  /** The DEK of a blob; INTEGRITY_ERROR if any wrapping layer fails to authenticate or was destroyed. */
  async blobKey(tenantId: string, modelId: string, blobId: string): Promise<Buffer> {
    const row = await this.keys.blobKeyWithKek(tenantId, blobId);
    if (!row) throw integrityError('the blob has no data key');
    const kek = await this.unwrapKek(tenantId, row.kekVersion, row.wrappedKek);
    try {
      return this.unwrapDek(kek, row.wrappedDek, tenantId, modelId, blobId);
    } finally {
      kek.fill(0);
    }
  }

  /** Starts a KEK rotation: a new active version; the old one is retired until every DEK is re-wrapped. */
  async rotate(tenantId: string): Promise<{ from: number | null; to: number }> {
    if ((await this.keys.lockTenant(tenantId)).deleted) {
      throw integrityError("the tenant's keys were destroyed");
    }
    const current = await this.keys.activeKekForUpdate(tenantId);
    if (!current) return { from: null, to: (await this.activeKek(tenantId)).version };
    const all = await this.keys.keks(tenantId);
    const to = Math.max(...all.map((k) => k.version)) + 1;
    await this.keys.retireKek(tenantId, current.version);
    const kek = randomBytes(KEY_BYTES);
    const wrapped = await this.master.wrap(kek, kekContext(tenantId, to));
    kek.fill(0);
    await this.keys.insertActiveKek(tenantId, to, wrapped, this.master.keyId);
    return { from: current.version, to };
  }

  /**
   * Re-wraps up to `limit` DEKs that are not under the active KEK (no data is re-encrypted). When none are left,
   * destroys the retired KEKs. Returns how many were re-wrapped and how many remain; idempotent and resumable.
   */
  async rewrapBatch(tenantId: string, limit: number): Promise<{ rewrapped: number; remaining: number }> {
    if ((await this.keys.lockTenant(tenantId)).deleted) return { rewrapped: 0, remaining: 0 };
    const active = await this.keys.activeKekForUpdate(tenantId);
    if (!active) return { rewrapped: 0, remaining: 0 };
    const target = await this.unwrapKek(tenantId, active.version, active.wrappedKek);
    const stale = await this.keys.staleBlobKeys(tenantId, active.version, limit);
    const keks = new Map<number, Buffer>();
    try {
      for (const row of stale) {
        let kek = keks.get(row.kekVersion);
        if (!kek) keks.set(row.kekVersion, (kek = await this.kek(tenantId, row.kekVersion)));
        const dek = this.unwrapDek(kek, row.wrappedDek, tenantId, row.modelId, row.blobId);
        const context = dekContext(tenantId, row.modelId, row.blobId);
        await this.keys.rewrapBlobKey(tenantId, row.blobId, active.version, seal(target, dek, context));
        dek.fill(0);
      }
    } finally {
      target.fill(0);
      for (const kek of keks.values()) kek.fill(0);
    }
    const remaining = await this.keys.countStaleBlobKeys(tenantId, active.version);
    if (remaining === 0) await this.keys.destroyKeks(tenantId, ['retired']);
    return { rewrapped: stale.length, remaining };
  }

  /** Re-wraps this tenant's KEKs under the current master key; returns how many changed. Idempotent. */
  async rewrapUnderMasterKey(tenantId: string): Promise<number> {
    let changed = 0;
    for (const key of await this.keys.keks(tenantId)) {
      if (!key.wrappedKek || key.masterKeyId === this.master.keyId) continue;
      const kek = await this.unwrapKek(tenantId, key.version, key.wrappedKek);
      await this.keys.rewrapKek(
        tenantId,
        key.version,
        await this.master.wrap(kek, kekContext(tenantId, key.version)),
        this.master.keyId,
      );
      kek.fill(0);
      changed++;
    }
    return changed;
  }

  /** Crypto-shredding: erases every KEK of the tenant, so no DEK and no blob can ever be decrypted again. */
  shred(tenantId: string): Promise<number> {
    return this.keys.destroyKeks(tenantId, ['active', 'retired']);
  }

  private async activeKek(tenantId: string): Promise<{ version: number; kek: Buffer }> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const active = await this.keys.activeKekForUpdate(tenantId);
      if (active) {
        return {
          version: active.version,
          kek: await this.unwrapKek(tenantId, active.version, active.wrappedKek),
        };
      }
      // The tenant's first KEK: serialised with crypto-shredding on the tenant row.
      if ((await this.keys.lockTenant(tenantId)).deleted) {
        throw integrityError("the tenant's keys were destroyed");
      }
      const keks = await this.keys.keks(tenantId);
      if (keks.some((k) => k.state === 'destroyed')) throw integrityError("the tenant's keys were destroyed");
      const kek = randomBytes(KEY_BYTES);
      const wrapped = await this.master.wrap(kek, kekContext(tenantId, 1));
      if (await this.keys.insertActiveKek(tenantId, 1, wrapped, this.master.keyId)) {
        return { version: 1, kek };
      }
    }
    throw integrityError('the tenant key could not be created');
  }

  private async kek(tenantId: string, version: number): Promise<Buffer> {
    const row = await this.keys.kek(tenantId, version);
    if (!row) throw integrityError('the key-encryption key is missing');
    return this.unwrapKek(tenantId, version, row.wrappedKek);
  }

  private async unwrapKek(tenantId: string, version: number, wrapped: Uint8Array | null): Promise<Buffer> {
    if (!wrapped) throw integrityError("the tenant's key-encryption key was destroyed");
    try {
      return Buffer.from(await this.master.unwrap(wrapped, kekContext(tenantId, version)));
    } catch (error) {
      if (error instanceof IntegrityError) {
        throw integrityError('the key-encryption key does not authenticate');
      }
      throw error;
    }
  }

  private unwrapDek(
    kek: Buffer,
    wrapped: Uint8Array,
    tenantId: string,
    modelId: string,
    blobId: string,
  ): Buffer {
    try {
      return Buffer.from(open(kek, wrapped, dekContext(tenantId, modelId, blobId)));
    } catch (error) {
      if (error instanceof IntegrityError) throw integrityError('the data key does not authenticate');
      throw error;
    }
  }
}
