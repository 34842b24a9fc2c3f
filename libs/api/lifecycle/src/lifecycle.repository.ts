import { Inject, Injectable } from '@nestjs/common';
import { Db } from '@arca/api-db';

/** Row locks and tenant policy shared by the lifecycle services. */
@Injectable()
export class LifecycleRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  /**
   * Locks the model row until the transaction ends: every lifecycle change of one model (aliases, promotions,
   * archiving) runs in turn, so checks such as "no protected alias points here" cannot race.
   */
  async lockModel(tenantId: string, modelId: string): Promise<void> {
    await this.db.sql(tenantId, {
      text: 'SELECT id FROM models WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
      values: [tenantId, modelId],
    });
  }

  async policy(tenantId: string): Promise<{ protectedAliases: string[]; onnxAllowedDomains: string[] }> {
    const row = await this.db.tx(tenantId).tenant.findFirst({
      where: { id: tenantId },
      select: { protectedAliases: true, onnxAllowedDomains: true },
    });
    return row ?? { protectedAliases: [], onnxAllowedDomains: [] };
  }

  async updatePolicy(
    tenantId: string,
    patch: { protectedAliases?: string[]; onnxAllowedDomains?: string[] },
  ): Promise<{ protectedAliases: string[]; onnxAllowedDomains: string[] }> {
    return this.db.tx(tenantId).tenant.update({
      where: { id: tenantId },
      data: patch,
      select: { protectedAliases: true, onnxAllowedDomains: true },
    });
  }

  /** Locks the tenant row (policy updates run in turn, so before/after in the audit log are exact). */
  async lockTenant(tenantId: string): Promise<void> {
    await this.db.sql(tenantId, {
      text: 'SELECT id FROM tenants WHERE id = $1 FOR UPDATE',
      values: [tenantId],
    });
  }
}
