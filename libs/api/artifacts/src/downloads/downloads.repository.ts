import { Inject, Injectable } from '@nestjs/common';
import { Db, type DownloadGrantModel } from '@arca/api-db';

@Injectable()
export class DownloadsRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  create(
    tenantId: string,
    data: {
      versionId: string;
      tokenHash: Uint8Array;
      createdById: string;
      apiKeyId: string | null;
      expiresAt: Date;
    },
  ): Promise<DownloadGrantModel> {
    return this.db.tx(tenantId).downloadGrant.create({
      data: { ...data, tenantId, tokenHash: new Uint8Array(data.tokenHash) },
    });
  }

  /** Tenant and id of the grant whose token hashes to `tokenHash` (inside a secret-lookup scope). */
  byToken(tokenHash: Uint8Array): Promise<{ id: string; tenantId: string } | null> {
    return this.db.currentTx().downloadGrant.findUnique({
      where: { tokenHash: new Uint8Array(tokenHash) },
      select: { id: true, tenantId: true },
    });
  }

  find(tenantId: string, id: string): Promise<DownloadGrantModel | null> {
    return this.db.tx(tenantId).downloadGrant.findFirst({ where: { tenantId, id } });
  }

  /**
   * Claims a usable grant for one request: not expired, completed or failed, below the request cap, and not held by
   * another request in flight (the claim is a lease, released by release() or after `leaseSeconds`). Null if not.
   */
  async claim(
    tenantId: string,
    id: string,
    maxRequests: number,
    leaseSeconds: number,
  ): Promise<DownloadGrantModel | null> {
    const rows = await this.db.sql<{ id: string }>(tenantId, {
      text: `UPDATE download_grants
                SET requests = requests + 1, first_used_at = COALESCE(first_used_at, now()),
                    busy_until = now() + make_interval(secs => $4)
              WHERE tenant_id = $1 AND id = $2 AND expires_at > now() AND completed_at IS NULL
                AND failure_code IS NULL AND requests < $3 AND (busy_until IS NULL OR busy_until < now())
              RETURNING id`,
      values: [tenantId, id, maxRequests, leaseSeconds],
    });
    return rows.length === 1 ? this.find(tenantId, id) : null;
  }

  async release(tenantId: string, id: string): Promise<void> {
    await this.db
      .tx(tenantId)
      .downloadGrant.updateMany({ where: { tenantId, id }, data: { busyUntil: null } });
  }

  async complete(tenantId: string, id: string): Promise<void> {
    await this.db.tx(tenantId).downloadGrant.updateMany({
      where: { tenantId, id, completedAt: null },
      data: { completedAt: new Date() },
    });
  }

  async fail(tenantId: string, id: string, code: string): Promise<void> {
    await this.db.tx(tenantId).downloadGrant.updateMany({
      where: { tenantId, id, failureCode: null },
      data: { failureCode: code },
    });
  }
}
