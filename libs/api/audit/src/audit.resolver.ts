import { Inject } from '@nestjs/common';
import { Args, Float, Int, Query, Resolver } from '@nestjs/graphql';
import { Permission } from '@arca/contracts';
import { Can, Ctx, badInput, notFound, type TenantContext } from '@arca/api-core';
import { bytesToHex } from '@arca/transparency';
import type { AuditEntryRow } from './audit.repository.js';
import { AuditService, type CheckpointView } from './audit.service.js';
import { AuditEventFilter } from './dto/audit.inputs.js';
import {
  AuditAlertConnection,
  AuditCheckpointModel,
  AuditEventConnection,
  AuditEventModel,
  ConsistencyProofModel,
  InclusionProofModel,
} from './models/audit.models.js';

const toEvent = (r: AuditEntryRow): AuditEventModel => ({
  seq: Number(r.seq),
  eventId: r.eventId,
  time: r.eventTime,
  sequencedAt: r.sequencedAt,
  action: r.action,
  outcome: r.outcome,
  actorKind: r.actorKind,
  actorId: r.actorId,
  apiKeyId: r.apiKeyId,
  resourceType: r.resourceType,
  resourceId: r.resourceId,
  ip: r.ip,
  entry: Buffer.from(r.entry).toString('utf8'),
  leafHash: bytesToHex(r.leafHash),
});

const toCheckpoint = (c: CheckpointView): AuditCheckpointModel => ({
  origin: c.origin,
  size: Number(c.size),
  rootHash: bytesToHex(c.rootHash),
  note: c.note,
  verifierKey: c.verifierKey,
  signedAt: c.signedAt,
});

/** A whole number in [0, 2^53) given as a GraphQL Float. */
function wholeNumber(value: number, field: string): bigint {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw badInput(`${field} must be a whole number ≥ 0`, { field });
  }
  return BigInt(value);
}

@Resolver()
export class AuditResolver {
  constructor(@Inject(AuditService) private readonly service: AuditService) {}

  @Query(() => AuditEventConnection, {
    description: 'Audit events of your tenant, newest first unless newestFirst: false.',
  })
  @Can(Permission.AuditRead)
  async auditEvents(
    @Ctx() ctx: TenantContext,
    @Args('filter', { type: () => AuditEventFilter, nullable: true }) filter?: AuditEventFilter,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
    @Args('newestFirst', { type: () => Boolean, nullable: true }) newestFirst?: boolean,
  ): Promise<AuditEventConnection> {
    const f = filter ?? {};
    const prefix = f.action?.endsWith('.');
    const page = await this.service.events(
      ctx,
      { ...f, action: prefix ? undefined : f.action, actionPrefix: prefix ? f.action : undefined },
      { first, after, newestFirst },
    );
    return {
      edges: page.rows.map(({ row, cursor }) => ({ cursor, node: toEvent(row) })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.rows.at(-1)?.cursor ?? null },
    };
  }

  @Query(() => AuditCheckpointModel, {
    description: 'The latest signed checkpoint of your tenant log (NOT_FOUND before the first).',
  })
  @Can(Permission.AuditRead)
  async latestCheckpoint(@Ctx() ctx: TenantContext): Promise<AuditCheckpointModel> {
    const cp = await this.service.latestCheckpoint(ctx);
    if (!cp) throw notFound('audit checkpoint (none has been signed yet)');
    return toCheckpoint(cp);
  }

  @Query(() => [AuditCheckpointModel], {
    description: 'Signed checkpoints larger than afterSize, smallest first.',
  })
  @Can(Permission.AuditRead)
  async auditCheckpoints(
    @Ctx() ctx: TenantContext,
    @Args('afterSize', { type: () => Float, nullable: true }) afterSize?: number,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
  ): Promise<AuditCheckpointModel[]> {
    if (first !== undefined && first !== null && (first < 1 || first > 1000)) {
      throw badInput('first must be between 1 and 1000', { field: 'first' });
    }
    const rows = await this.service.checkpoints(ctx, wholeNumber(afterSize ?? 0, 'afterSize'), first);
    return rows.map(toCheckpoint);
  }

  @Query(() => InclusionProofModel, {
    description: 'RFC 9162 inclusion proof of entry seq in the tree of treeSize.',
  })
  @Can(Permission.AuditRead)
  async inclusionProof(
    @Ctx() ctx: TenantContext,
    @Args('seq', { type: () => Float }) seq: number,
    @Args('treeSize', { type: () => Float }) treeSize: number,
  ): Promise<InclusionProofModel> {
    const p = await this.service.inclusionProof(
      ctx,
      wholeNumber(seq, 'seq'),
      wholeNumber(treeSize, 'treeSize'),
    );
    return {
      leafIndex: Number(p.leafIndex),
      treeSize: Number(p.treeSize),
      leafHash: bytesToHex(p.leafHash),
      rootHash: bytesToHex(p.rootHash),
      proof: p.proof.map(bytesToHex),
    };
  }

  @Query(() => ConsistencyProofModel, { description: 'RFC 9162 consistency proof between two tree sizes.' })
  @Can(Permission.AuditRead)
  async consistencyProof(
    @Ctx() ctx: TenantContext,
    @Args('fromSize', { type: () => Float }) fromSize: number,
    @Args('toSize', { type: () => Float }) toSize: number,
  ): Promise<ConsistencyProofModel> {
    const p = await this.service.consistencyProof(
      ctx,
      wholeNumber(fromSize, 'fromSize'),
      wholeNumber(toSize, 'toSize'),
    );
    return {
      size1: Number(p.size1),
      size2: Number(p.size2),
      root1: bytesToHex(p.root1),
      root2: bytesToHex(p.root2),
      proof: p.proof.map(bytesToHex),
    };
  }

  @Query(() => AuditAlertConnection, { description: 'Alerts raised by the audit rules, newest first.' })
  @Can(Permission.AuditRead)
  async auditAlerts(
    @Ctx() ctx: TenantContext,
    @Args('first', { type: () => Int, nullable: true }) first?: number,
    @Args('after', { type: () => String, nullable: true }) after?: string,
  ): Promise<AuditAlertConnection> {
    const page = await this.service.alerts(ctx, first, after);
    return {
      edges: page.rows.map(({ row, cursor }) => ({
        cursor,
        node: {
          id: row.id,
          rule: row.rule,
          subject: row.subject,
          windowStart: row.windowStart,
          eventCount: row.eventCount,
          firstSeq: Number(row.firstSeq),
          lastSeq: Number(row.lastSeq),
          details: JSON.stringify(row.details),
          createdAt: row.createdAt,
        },
      })),
      pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.rows.at(-1)?.cursor ?? null },
    };
  }
}
