import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from './generated/prisma/client.js';

export { Prisma, PrismaClient };
export type * from './generated/prisma/models.js';
export type { MemberRole, ModelVisibility } from './generated/prisma/enums.js';
export type TxClient = Prisma.TransactionClient;
/** Binary values as Prisma stores them (bytea). */
export type Bytes = Uint8Array<ArrayBuffer>;

export interface PrismaConnectionOptions {
  connectionString: string;
  poolMax: number;
  /** Hard cap per statement; a runaway query is cancelled by Postgres, not left to block the pool. */
  statementTimeoutMs: number;
}

export function createPrismaClient(opts: PrismaConnectionOptions): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: opts.connectionString,
    max: opts.poolMax,
    statement_timeout: opts.statementTimeoutMs,
    idle_in_transaction_session_timeout: opts.statementTimeoutMs * 2,
    application_name: 'arca',
  });
  return new PrismaClient({ adapter });
}

/** Postgres unique violation surfaced by Prisma (P2002) or by a raw query (SQLSTATE 23505). */
export function isUniqueViolation(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError) return error.code === 'P2002';
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

/** Record-not-found from update/delete by unique key (P2025). */
export function isRecordNotFound(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025';
}
