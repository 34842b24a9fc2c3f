import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { KeyProvider } from '@arca/crypto';
import { ARCA_CONFIG, KEY_PROVIDER, type ArcaConfig } from '@arca/api-core';
import { ed25519PublicKey, formatVerifierKey } from '@arca/transparency';
import { AuditRepository } from './audit.repository.js';

export interface LogSigner {
  origin: string;
  publicKey: Uint8Array;
  verifierKey: string;
  seed: Uint8Array;
}

/**
 * Per-tenant Ed25519 log keys. The private key is stored sealed with the master key (AES-256-GCM, associated data
 * binding tenant and origin), so the database alone can neither read nor move it. Callers hold the tenant's
 * transaction open.
 */
@Injectable()
export class LogKeys {
  private readonly unsealed = new Map<string, LogSigner>();

  constructor(
    @Inject(AuditRepository) private readonly repo: AuditRepository,
    @Inject(KEY_PROVIDER) private readonly keys: KeyProvider,
    @Inject(ARCA_CONFIG) private readonly config: ArcaConfig,
  ) {}

  /** Log origin: `<host>/arca/<tenant-slug>` (C2SP: a schema-less URL, unique per log). */
  originFor(tenantSlug: string): string {
    return `${this.config.http.publicHost ?? 'localhost'}/arca/${tenantSlug}`;
  }

  /** The tenant's verifier key, or null before its first checkpoint. */
  async verifierKey(tenantId: string): Promise<{ origin: string; verifierKey: string } | null> {
    const row = await this.repo.findLogKey(tenantId);
    return row ? { origin: row.origin, verifierKey: formatVerifierKey(row.origin, row.publicKey) } : null;
  }

  /** The tenant's signer, created on first use (a concurrent replica's key wins the race and is used). */
  async signer(tenantId: string, tenantSlug: string): Promise<LogSigner> {
    const cached = this.unsealed.get(tenantId);
    if (cached) return cached;
    let row = await this.repo.findLogKey(tenantId);
    if (!row) {
      const origin = this.originFor(tenantSlug);
      const seed = randomBytes(32);
      const sealed = await this.keys.wrap(seed, aadFor(tenantId, origin));
      row = await this.repo.createLogKey(tenantId, origin, ed25519PublicKey(seed), sealed);
    }
    const seed = await this.keys.unwrap(row.sealedPrivateKey, aadFor(tenantId, row.origin));
    const signer: LogSigner = {
      origin: row.origin,
      publicKey: row.publicKey,
      verifierKey: formatVerifierKey(row.origin, row.publicKey),
      seed,
    };
    if (Buffer.compare(Buffer.from(ed25519PublicKey(seed)), Buffer.from(row.publicKey)) !== 0) {
      throw new Error(`audit log key of tenant ${tenantId} does not match its public key`);
    }
    this.unsealed.set(tenantId, signer);
    return signer;
  }

  /** Re-seals the tenant's log key under the current master key (master-key rotation); true if it changed. */
  async resealUnderCurrentKey(tenantId: string): Promise<boolean> {
    const row = await this.repo.findLogKey(tenantId);
    if (!row || this.keys.wrappedBy(row.sealedPrivateKey) === this.keys.keyId) return false;
    const aad = aadFor(tenantId, row.origin);
    const seed = await this.keys.unwrap(row.sealedPrivateKey, aad);
    await this.repo.resealLogKey(tenantId, await this.keys.wrap(seed, aad));
    return true;
  }
}

function aadFor(tenantId: string, origin: string): Uint8Array {
  return Buffer.from(`arca:audit-log-key:v1:${tenantId}:${origin}`);
}
