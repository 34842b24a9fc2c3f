import { Inject, Injectable } from '@nestjs/common';
import { Db, type TenantModel } from '@arca/api-db';

@Injectable()
export class TenantRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  get(tenantId: string): Promise<TenantModel | null> {
    return this.db.tx(tenantId).tenant.findFirst({ where: { id: tenantId, deletedAt: null } });
  }

  create(tenantId: string, t: { slug: string; name: string }): Promise<TenantModel> {
    return this.db.tx(tenantId).tenant.create({ data: { id: tenantId, slug: t.slug, name: t.name } });
  }

  rename(tenantId: string, name: string): Promise<TenantModel> {
    return this.db.tx(tenantId).tenant.update({ where: { id: tenantId }, data: { name } });
  }
}
