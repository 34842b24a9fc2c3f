import { Inject, Injectable } from '@nestjs/common';
import { Db, type ModelAliasModel } from '@arca/api-db';

export type AliasRow = ModelAliasModel & { version: { number: number } };

const withNumber = { version: { select: { number: true } } } as const;

@Injectable()
export class AliasesRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  list(tenantId: string, modelId: string): Promise<AliasRow[]> {
    return this.db.tx(tenantId).modelAlias.findMany({
      where: { tenantId, modelId },
      include: withNumber,
      orderBy: { name: 'asc' },
    });
  }

  find(tenantId: string, modelId: string, name: string): Promise<AliasRow | null> {
    return this.db
      .tx(tenantId)
      .modelAlias.findFirst({ where: { tenantId, modelId, name }, include: withNumber });
  }

  /** Alias names pointing at a version. */
  async namesOf(tenantId: string, versionId: string): Promise<string[]> {
    const rows = await this.db.tx(tenantId).modelAlias.findMany({
      where: { tenantId, versionId },
      select: { name: true },
      orderBy: { name: 'asc' },
    });
    return rows.map((r) => r.name);
  }

  set(
    tenantId: string,
    a: { modelId: string; name: string; versionId: string; updatedById: string },
  ): Promise<AliasRow> {
    const data = { versionId: a.versionId, updatedById: a.updatedById, updatedAt: new Date() };
    return this.db.tx(tenantId).modelAlias.upsert({
      where: { modelId_name: { modelId: a.modelId, name: a.name } },
      create: { tenantId, modelId: a.modelId, name: a.name, ...data },
      update: data,
      include: withNumber,
    });
  }

  async delete(tenantId: string, modelId: string, name: string): Promise<boolean> {
    const { count } = await this.db
      .tx(tenantId)
      .modelAlias.deleteMany({ where: { tenantId, modelId, name } });
    return count === 1;
  }
}
