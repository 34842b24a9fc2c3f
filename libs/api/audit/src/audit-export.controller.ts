import { Readable } from 'node:stream';
import { Controller, Get, Header, Inject, Query, StreamableFile } from '@nestjs/common';
import { Permission } from '@arca/contracts';
import { Can, Ctx, badInput, type TenantContext } from '@arca/api-core';
import { bytesToHex } from '@arca/transparency';
import { AuditService } from './audit.service.js';

/**
 * `GET /v1/audit/export`: the tenant log as JSON Lines. The first line is the latest signed checkpoint; then one
 * line per entry in [from, to) (default: everything the checkpoint covers), each with its inclusion proof against
 * that checkpoint unless `proofs=false`. Entries are the exact canonical JSON that was hashed.
 */
@Controller('v1/audit')
export class AuditExportController {
  constructor(@Inject(AuditService) private readonly service: AuditService) {}

  @Get('export')
  @Can(Permission.AuditRead)
  @Header('content-type', 'application/x-ndjson; charset=utf-8')
  @Header('cache-control', 'no-store')
  async export(
    @Ctx() ctx: TenantContext,
    @Query('from') fromParam?: string,
    @Query('to') toParam?: string,
    @Query('proofs') proofsParam?: string,
  ): Promise<StreamableFile> {
    const checkpoint = await this.service.latestCheckpoint(ctx);
    const size = checkpoint?.size ?? 0n;
    const from = seqParam(fromParam, 'from') ?? 0n;
    const to = seqParam(toParam, 'to') ?? size;
    if (to > size) throw badInput(`to must be at most the checkpointed size ${size}`, { field: 'to' });
    if (proofsParam !== undefined && proofsParam !== 'true' && proofsParam !== 'false') {
      throw badInput('proofs must be true or false', { field: 'proofs' });
    }
    const withProofs = proofsParam !== 'false';
    const service = this.service;
    async function* lines(): AsyncGenerator<string> {
      yield (
        JSON.stringify(
          checkpoint
            ? {
                type: 'checkpoint',
                origin: checkpoint.origin,
                size: Number(checkpoint.size),
                rootHash: bytesToHex(checkpoint.rootHash),
                note: checkpoint.note,
                verifierKey: checkpoint.verifierKey,
              }
            : { type: 'checkpoint', size: 0 },
        ) + '\n'
      );
      for await (const { row, proof } of service.exportEntries(ctx, from, to, withProofs ? size : null)) {
        yield (
          JSON.stringify({
            type: 'entry',
            seq: Number(row.seq),
            entry: Buffer.from(row.entry).toString('utf8'),
            leafHash: bytesToHex(row.leafHash),
            ...(proof ? { proof: proof.map(bytesToHex) } : {}),
          }) + '\n'
        );
      }
    }
    return new StreamableFile(Readable.from(lines()));
  }
}

function seqParam(value: string | undefined, field: string): bigint | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value)) throw badInput(`${field} must be a whole number`, { field });
  return BigInt(value);
}
