import { Inject, Injectable } from '@nestjs/common';
import { Db, type TenantKeyModel } from '@arca/api-db';

export interface BlobKeyRow {
  blobId: string;
  kekVersion: number;
  wrappedDek: Uint8Array;
}

/** Tenant KEKs and blob DEKs (the only file of the key hierarchy that touches the database). */
@Injectable()
export class KeysRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  /** The active KEK, locked against a concurrent rotation or shredding until the transaction ends. */
  async activeKekForUpdate(tenantId: string): Promise<TenantKeyModel | null> {
    const rows = await this.db.sql<{ version: number }>(tenantId, {
      text: `SELECT version FROM tenant_keys WHERE tenant_id = $1 AND state = 'active' FOR UPDATE`,
      values: [tenantId],
    });
    return rows[0] ? this.kek(tenantId, rows[0].version) : null;
  }

  kek(tenantId: string, version: number): Promise<TenantKeyModel | null> {
    return this.db.tx(tenantId).tenantKey.findUnique({ where: { tenantId_version: { tenantId, version } } });
  }

  keks(tenantId: string): Promise<TenantKeyModel[]> {
    return this.db.tx(tenantId).tenantKey.findMany({ where: { tenantId }, orderBy: { version: 'asc' } });
  }

  /** Inserts KEK `version` as the active one unless the tenant already has an active KEK (concurrent first use). */
  async insertActiveKek(
    tenantId: string,
    version: number,
    wrappedKek: Uint8Array,
    masterKeyId: string,
  ): Promise<boolean> {
    const rows = await this.db.sql(tenantId, {
      text: `INSERT INTO tenant_keys (tenant_id, version, state, is_active, wrapped_kek, master_key_id)
             VALUES ($1, $2, 'active', TRUE, $3, $4) ON CONFLICT DO NOTHING RETURNING version`,
      values: [tenantId, version, Buffer.from(wrappedKek), masterKeyId],
    });
    return rows.length === 1;
  }

  async retireKek(tenantId: string, version: number): Promise<void> {
    await this.db.tx(tenantId).tenantKey.update({
      where: { tenantId_version: { tenantId, version } },
      data: { state: 'retired', isActive: null, retiredAt: new Date() },
    });
  }

  async rewrapKek(
    tenantId: string,
    version: number,
    wrappedKek: Uint8Array,
    masterKeyId: string,
  ): Promise<void> {
    await this.db.tx(tenantId).tenantKey.update({
      where: { tenantId_version: { tenantId, version } },
      data: { wrappedKek: new Uint8Array(wrappedKek), masterKeyId },
    });
  }

  /** Erases the material of every KEK matching `states`; returns how many were destroyed. */
  async destroyKeks(tenantId: string, states: ('active' | 'retired')[]): Promise<number> {
    const { count } = await this.db.tx(tenantId).tenantKey.updateMany({
      where: { tenantId, state: { in: states } },
      data: {
        state: 'destroyed',
        isActive: null,
        wrappedKek: null,
        masterKeyId: null,
        destroyedAt: new Date(),
      },
    });
    return count;
  }

  async insertBlobKey(
    tenantId: string,
    blobId: string,
    kekVersion: number,
    wrappedDek: Uint8Array,
  ): Promise<void> {
    await this.db.tx(tenantId).blobKey.create({
      data: { tenantId, blobId, kekVersion, wrappedDek: new Uint8Array(wrappedDek) },
    });
  }

  /**
   * A blob's wrapped DEK with the KEK that wraps it, read in one statement and share-locked: a concurrent re-wrap
   * (SKIP LOCKED) passes this key by and cannot destroy its KEK before this transaction ends.
   */
  async blobKeyWithKek(
    tenantId: string,
    blobId: string,
  ): Promise<(BlobKeyRow & { wrappedKek: Buffer | null }) | null> {
    const rows = await this.db.sql<BlobKeyRow & { wrappedKek: Buffer | null }>(tenantId, {
      name: 'arca_blob_key_with_kek',
      text: `SELECT k.blob_id AS "blobId", k.kek_version AS "kekVersion", k.wrapped_dek AS "wrappedDek",
                    t.wrapped_kek AS "wrappedKek"
               FROM blob_keys k
               LEFT JOIN tenant_keys t ON t.tenant_id = k.tenant_id AND t.version = k.kek_version
              WHERE k.tenant_id = $1 AND k.blob_id = $2
                FOR SHARE OF k`,
      values: [tenantId, blobId],
    });
    return rows[0] ?? null;
  }

  /**
   * Locks the tenant row: key rotation, re-wrapping, first-KEK creation and crypto-shredding serialise on it (always
   * taken before any tenant_keys lock). Returns whether the tenant is deleted.
   */
  async lockTenant(tenantId: string): Promise<{ deleted: boolean }> {
    const rows = await this.db.sql<{ deleted: boolean }>(tenantId, {
      text: 'SELECT deleted_at IS NOT NULL AS deleted FROM tenants WHERE id = $1 FOR UPDATE',
      values: [tenantId],
    });
    return { deleted: rows[0]?.deleted ?? true };
  }

  /** Up to `limit` blob keys not yet wrapped by KEK `version`, with their model, locked for this transaction. */
  staleBlobKeys(
    tenantId: string,
    version: number,
    limit: number,
  ): Promise<(BlobKeyRow & { modelId: string })[]> {
    return this.db.sql(tenantId, {
      text: `SELECT k.blob_id AS "blobId", k.kek_version AS "kekVersion", k.wrapped_dek AS "wrappedDek",
                    u.model_id AS "modelId"
               FROM blob_keys k JOIN uploads u ON u.tenant_id = k.tenant_id AND u.id = k.blob_id
              WHERE k.tenant_id = $1 AND k.kek_version <> $2
              ORDER BY k.blob_id LIMIT $3 FOR UPDATE OF k SKIP LOCKED`,
      values: [tenantId, version, limit],
    });
  }

  async rewrapBlobKey(
    tenantId: string,
    blobId: string,
    kekVersion: number,
    wrappedDek: Uint8Array,
  ): Promise<void> {
    await this.db.tx(tenantId).blobKey.update({
      where: { blobId },
      data: { kekVersion, wrappedDek: new Uint8Array(wrappedDek), rewrappedAt: new Date() },
    });
  }

  countStaleBlobKeys(tenantId: string, version: number): Promise<number> {
    return this.db.tx(tenantId).blobKey.count({ where: { tenantId, kekVersion: { not: version } } });
  }

  /** Every tenant id (a SECURITY DEFINER function: maintenance that spans tenants, outside any transaction). */
  async allTenantIds(): Promise<string[]> {
    const rows = await this.db.lookup<{ id: string }>('SELECT arca_tenant_ids() AS id', []);
    return rows.map((r) => r.id);
  }

  /** Marks the tenant deleted and ends its sessions (credential lookups already refuse deleted tenants). */
  async markTenantDeleted(tenantId: string): Promise<void> {
    await this.db.sql(tenantId, {
      text: 'UPDATE tenants SET deleted_at = now() WHERE id = $1 AND deleted_at IS NULL',
      values: [tenantId],
    });
    await this.db.sql(tenantId, { text: 'DELETE FROM sessions WHERE tenant_id = $1', values: [tenantId] });
  }

  /** Counts of what a shredding makes unreadable (for its certificate in the audit log). */
  async shredScope(tenantId: string): Promise<{ blobs: number; versions: number }> {
    const rows = await this.db.sql<{ blobs: string; versions: string }>(tenantId, {
      text: `SELECT (SELECT count(*) FROM blob_keys WHERE tenant_id = $1) AS blobs,
                    (SELECT count(*) FROM model_versions WHERE tenant_id = $1) AS versions`,
      values: [tenantId],
    });
    return { blobs: Number(rows[0]!.blobs), versions: Number(rows[0]!.versions) };
  }
}
