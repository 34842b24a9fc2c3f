import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from './generated/prisma/client.js';
import { statementName } from './statement-names.js';

export { Prisma, PrismaClient };
export type * from './generated/prisma/models.js';
export type {
  MemberRole,
  ModelVisibility,
  PromotionState,
  TenantKeyState,
  UploadState,
  VersionState,
} from './generated/prisma/enums.js';
export type TxClient = Prisma.TransactionClient;
/** Binary values as Prisma stores them (bytea). */
export type Bytes = Uint8Array<ArrayBuffer>;

export interface PrismaConnectionOptions {
  connectionString: string;
  poolMax: number;
  /** Hard cap per statement; a runaway query is cancelled by Postgres, not left to block the pool. */
  statementTimeoutMs: number;
}

const pools = new WeakMap<PrismaClient, pg.Pool>();

/** A client over its own pg pool, with named prepared statements (statement-names.ts). */
export function createPrismaClient(opts: PrismaConnectionOptions): PrismaClient {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.poolMax,
    // Waiting longer than this for a connection is answered "unavailable" (as Prisma's maxWait did).
    connectionTimeoutMillis: 5_000,
    statement_timeout: opts.statementTimeoutMs,
    idle_in_transaction_session_timeout: opts.statementTimeoutMs * 2,
    application_name: 'arca',
  });
  // An idle connection that dies (Postgres restart, admin termination) is dropped by the pool; without a
  // listener its 'error' event would crash the process.
  pool.on('error', () => undefined);
  const adapter = new PrismaPg(pool, {
    disposeExternalPool: true,
    statementNameGenerator: (query) => statementName(query.sql),
  });
  const client = new PrismaClient({ adapter });
  pools.set(client, pool);
  return client;
}

/** The pg pool under a client made by createPrismaClient (Db runs transaction control and lookups on it). */
export function poolOf(client: PrismaClient): pg.Pool {
  const pool = pools.get(client);
  if (!pool) throw new Error('the PrismaClient was not created by createPrismaClient');
  return pool;
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
