import { Inject, Injectable } from '@nestjs/common';
import { Db } from '@arca/api-db';
import {
  badInput,
  decodeCursor,
  encodeCursor,
  failedPrecondition,
  notFound,
  pageSize,
  slicePage,
  type TenantContext,
} from '@arca/api-core';
import { consistencyProofFrom, inclusionProofFrom, rootFrom, type Hash } from '@arca/transparency';
import { AuditRepository, type AuditEntryRow, type AuditEventFilter } from './audit.repository.js';
import { DbNodeSource } from './db-node-source.js';
import { LogKeys } from './log-keys.service.js';

export interface CheckpointView {
  origin: string;
  size: bigint;
  rootHash: Uint8Array;
  note: string;
  verifierKey: string;
  signedAt: Date;
}

export interface InclusionProofView {
  leafIndex: bigint;
  treeSize: bigint;
  leafHash: Hash;
  rootHash: Hash;
  proof: Hash[];
}

export interface ConsistencyProofView {
  size1: bigint;
  size2: bigint;
  root1: Hash;
  root2: Hash;
  proof: Hash[];
}

/** Reads of the tenant's audit log: events, checkpoints, proofs, alerts. Every read runs under the tenant's RLS. */
@Injectable()
export class AuditService {
  constructor(
    @Inject(Db) private readonly db: Db,
    @Inject(AuditRepository) private readonly repo: AuditRepository,
    @Inject(LogKeys) private readonly keys: LogKeys,
  ) {}

  async events(
    ctx: TenantContext,
    filter: AuditEventFilter,
    args: { first?: number | null; after?: string | null; newestFirst?: boolean | null },
  ): Promise<{ rows: { row: AuditEntryRow; cursor: string }[]; hasNextPage: boolean }> {
    const size = pageSize(args.first);
    const newestFirst = args.newestFirst ?? true;
    const afterSeq = args.after ? seqCursor(args.after) : undefined;
    const rows = await this.db.readTransaction(ctx.tenantId, () =>
      this.repo.events(
        ctx.tenantId,
        filter,
        size + 1,
        newestFirst ? { beforeSeq: afterSeq } : { afterSeq },
        newestFirst,
      ),
    );
    const { page, hasNextPage } = slicePage(rows, size);
    return { rows: page.map((row) => ({ row, cursor: encodeCursor([row.seq.toString()]) })), hasNextPage };
  }

  async latestCheckpoint(ctx: TenantContext): Promise<CheckpointView | null> {
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const cp = await this.repo.latestCheckpoint(ctx.tenantId);
      return cp ? this.view(ctx.tenantId, cp) : null;
    });
  }

  async checkpoints(ctx: TenantContext, afterSize: bigint, first?: number | null): Promise<CheckpointView[]> {
    const take = Math.min(Math.max(first ?? 100, 1), 1000);
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      const rows = await this.repo.checkpoints(ctx.tenantId, afterSize, take);
      return Promise.all(rows.map((cp) => this.view(ctx.tenantId, cp)));
    });
  }

  /** RFC 9162 inclusion proof of entry `seq` in the tree of `treeSize` entries (≤ the sequenced size). */
  async inclusionProof(ctx: TenantContext, seq: bigint, treeSize: bigint): Promise<InclusionProofView> {
    if (seq < 0n || treeSize < 1n || seq >= treeSize) {
      throw badInput('seq must be at least 0 and below treeSize', { field: 'seq' });
    }
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      await this.requireSequenced(ctx.tenantId, treeSize);
      const source = new DbNodeSource(this.repo, ctx.tenantId);
      const [leafHash, rootHash, proof] = await Promise.all([
        source.node(0, Number(seq)),
        rootFrom(source, Number(treeSize)),
        inclusionProofFrom(source, Number(seq), Number(treeSize)),
      ]);
      return { leafIndex: seq, treeSize, leafHash, rootHash, proof };
    });
  }

  /** RFC 9162 consistency proof between the trees of `size1` and `size2` entries. */
  async consistencyProof(ctx: TenantContext, size1: bigint, size2: bigint): Promise<ConsistencyProofView> {
    if (size1 < 1n || size2 < size1) {
      throw badInput('sizes must satisfy 1 ≤ fromSize ≤ toSize', { field: 'fromSize' });
    }
    return this.db.tenantTransaction(ctx.tenantId, async () => {
      await this.requireSequenced(ctx.tenantId, size2);
      const source = new DbNodeSource(this.repo, ctx.tenantId);
      const [root1, root2, proof] = await Promise.all([
        rootFrom(source, Number(size1)),
        rootFrom(source, Number(size2)),
        consistencyProofFrom(source, Number(size1), Number(size2)),
      ]);
      return { size1, size2, root1, root2, proof };
    });
  }

  /**
   * Entries [fromSeq, toSeq) in pages, each page in its own short transaction, with inclusion proofs against the
   * tree of `proofSize` entries when given. Yields nothing beyond the sequenced size.
   */
  async *exportEntries(
    ctx: TenantContext,
    fromSeq: bigint,
    toSeq: bigint,
    proofSize: bigint | null,
  ): AsyncGenerator<{ row: AuditEntryRow; proof: Hash[] | null }> {
    const PAGE = 1000;
    let next = fromSeq;
    while (next < toSeq) {
      const page = await this.db.tenantTransaction(ctx.tenantId, async () => {
        const rows = await this.repo.range(ctx.tenantId, next, toSeq, PAGE);
        if (proofSize === null) return rows.map((row) => ({ row, proof: null }));
        const source = new DbNodeSource(this.repo, ctx.tenantId);
        const out: { row: AuditEntryRow; proof: Hash[] | null }[] = [];
        for (const row of rows) {
          out.push({
            row,
            proof:
              row.seq < proofSize
                ? await inclusionProofFrom(source, Number(row.seq), Number(proofSize))
                : null,
          });
        }
        return out;
      });
      if (page.length === 0) return;
      for (const item of page) yield item;
      next = page[page.length - 1]!.row.seq + 1n;
    }
  }

  async alerts(ctx: TenantContext, first?: number | null, after?: string | null) {
    const size = pageSize(first);
    let before: { createdAt: Date; id: string } | undefined;
    if (after) {
      const [ms, id] = decodeCursor(after, 2);
      if (typeof ms !== 'number' || typeof id !== 'string') {
        throw badInput('invalid cursor', { field: 'after' });
      }
      before = { createdAt: new Date(ms), id };
    }
    const rows = await this.db.readTransaction(ctx.tenantId, () =>
      this.repo.alerts(ctx.tenantId, size + 1, before),
    );
    const { page, hasNextPage } = slicePage(rows, size);
    return {
      rows: page.map((row) => ({ row, cursor: encodeCursor([row.createdAt.getTime(), row.id]) })),
      hasNextPage,
    };
  }

  private async requireSequenced(tenantId: string, size: bigint): Promise<void> {
    const head = await this.repo.head(tenantId);
    if (!head || head.size < size) {
      throw failedPrecondition(
        `the audit log has ${head?.size ?? 0n} sequenced entries; ask for a smaller tree size`,
      );
    }
  }

  private async view(
    tenantId: string,
    cp: { size: bigint; root: Uint8Array; note: string; signedAt: Date },
  ): Promise<CheckpointView> {
    const key = await this.keys.verifierKey(tenantId);
    if (!key) throw notFound('audit log key');
    return {
      origin: key.origin,
      size: cp.size,
      rootHash: cp.root,
      note: cp.note,
      verifierKey: key.verifierKey,
      signedAt: cp.signedAt,
    };
  }
}

function seqCursor(cursor: string): bigint {
  const [seq] = decodeCursor(cursor, 1);
  if (typeof seq !== 'string' || !/^\d{1,19}$/.test(seq)) {
    throw badInput('invalid cursor', { field: 'after' });
  }
  return BigInt(seq);
}
