import { Inject, Injectable } from '@nestjs/common';
import { Db, Prisma, type ModelVersionModel, type VersionState } from '@arca/api-db';

export interface VersionSearch {
  state?: VersionState;
  tags?: string[];
  query?: string;
  includeArchived: boolean;
}

const escapeLike = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

@Injectable()
export class VersionsRepository {
  constructor(@Inject(Db) private readonly db: Db) {}

  find(tenantId: string, id: string): Promise<ModelVersionModel | null> {
    return this.db.tx(tenantId).modelVersion.findFirst({ where: { tenantId, id } });
  }

  byNumber(tenantId: string, modelId: string, number: number): Promise<ModelVersionModel | null> {
    return this.db.tx(tenantId).modelVersion.findFirst({ where: { tenantId, modelId, number } });
  }

  latestReady(tenantId: string, modelId: string): Promise<ModelVersionModel | null> {
    return this.db.tx(tenantId).modelVersion.findFirst({
      where: { tenantId, modelId, state: 'ready', archivedAt: null },
      orderBy: { number: 'desc' },
    });
  }

  async byAlias(tenantId: string, modelId: string, alias: string): Promise<ModelVersionModel | null> {
    const row = await this.db.tx(tenantId).modelAlias.findFirst({
      where: { tenantId, modelId, name: alias },
      select: { version: true },
    });
    return row?.version ?? null;
  }

  /** The next version number of a model; locks the model row so concurrent finalizes number in turn. */
  async nextNumber(tenantId: string, modelId: string): Promise<number> {
    await this.db.sql(tenantId, {
      text: 'SELECT id FROM models WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
      values: [tenantId, modelId],
    });
    const top = await this.db.tx(tenantId).modelVersion.aggregate({
      where: { tenantId, modelId },
      _max: { number: true },
    });
    return (top._max.number ?? 0) + 1;
  }

  create(
    tenantId: string,
    data: {
      id: string;
      modelId: string;
      number: number;
      sizeBytes: bigint;
      parentVersionId: string | null;
      description: string;
      tags: string[];
      createdById: string;
    },
  ): Promise<ModelVersionModel> {
    return this.db.tx(tenantId).modelVersion.create({ data: { ...data, tenantId } });
  }

  /** validating → ready; false if another validator got there first. */
  async markReady(
    tenantId: string,
    id: string,
    result: { sha256: Uint8Array; format: Prisma.InputJsonValue; parameterCount: bigint },
  ): Promise<boolean> {
    const { count } = await this.db.tx(tenantId).modelVersion.updateMany({
      where: { tenantId, id, state: 'validating' },
      data: {
        state: 'ready',
        sha256: new Uint8Array(result.sha256),
        format: result.format,
        parameterCount: result.parameterCount,
        readyAt: new Date(),
      },
    });
    return count === 1;
  }

  async markFailed(tenantId: string, id: string, code: string, reason: string): Promise<boolean> {
    const { count } = await this.db.tx(tenantId).modelVersion.updateMany({
      where: { tenantId, id, state: 'validating' },
      data: { state: 'failed', failureCode: code, failureReason: reason.slice(0, 1000) },
    });
    return count === 1;
  }

  /** Operator domains the tenant accepts beyond the defaults. */
  async allowedOnnxDomains(tenantId: string): Promise<string[]> {
    const rows = await this.db.sql<{ domains: string[] }>(tenantId, {
      text: 'SELECT onnx_allowed_domains AS domains FROM tenants WHERE id = $1',
      values: [tenantId],
    });
    return rows[0]?.domains ?? [];
  }

  /** Versions of one model, newest first, keyset-paged on the version number. */
  page(
    tenantId: string,
    modelId: string,
    search: VersionSearch,
    take: number,
    beforeNumber?: number,
  ): Promise<ModelVersionModel[]> {
    const and: Prisma.ModelVersionWhereInput[] = [{ tenantId, modelId }];
    if (!search.includeArchived) and.push({ archivedAt: null });
    if (search.state) and.push({ state: search.state });
    if (search.tags?.length) and.push({ tags: { hasEvery: search.tags } });
    if (search.query) and.push({ description: { contains: escapeLike(search.query), mode: 'insensitive' } });
    if (beforeNumber !== undefined) and.push({ number: { lt: beforeNumber } });
    return this.db
      .tx(tenantId)
      .modelVersion.findMany({ where: { AND: and }, orderBy: { number: 'desc' }, take });
  }
}
