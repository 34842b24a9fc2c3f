import type { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import type { TxClient } from './prisma-client.js';
import type { ConnectionLane } from './connection-lane.js';
import { DbUnavailableError } from './db-errors.js';
import { commitMessage, type CommitInsert } from './commit-inserts.js';

/** Transaction-local settings read by the RLS policies (see prisma/migrations/*_init). */
export interface DbScope {
  tenantId?: string | null;
  userId?: string | null;
  loginEmail?: string | null;
  authLookup?: string | null;
}

export interface ActiveTransaction {
  tx: TxClient;
  conn: pg.PoolClient;
  scope: DbScope;
  closed: boolean;
  /** Rows to insert in the COMMIT message (Db.insertAtCommit). */
  atCommit: CommitInsert[];
}

export class DbScopeError extends Error {
  override readonly name = 'DbScopeError';
}

/** A transaction still open after this long is rolled back and its connection closed. */
export const TX_TIMEOUT_MS = 15_000;

/**
 * One transaction on one pooled connection, controlled with the bare pg driver: `open` sends BEGIN (plus whatever
 * the caller puts in the same message) and `run` executes `fn` with Prisma bound to the connection through `lane`,
 * then COMMIT (with the rows `fn` queued for it, in one message), or ROLLBACK if `fn` or that message fails. The
 * connection returns to the pool only after COMMIT or ROLLBACK went through; otherwise it is closed, so a
 * transaction-local setting can never outlive its transaction.
 */
export class PgTransaction {
  readonly active: ActiveTransaction;
  /** Settles when the connection has gone back to the pool (or been closed). */
  readonly ended: Promise<void>;
  private endedResolve!: () => void;
  private released = false;
  private timedOut = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onError = (): void => undefined; // surfaces on the next query; unhandled, it would crash

  private constructor(
    private readonly conn: pg.PoolClient,
    private readonly lane: ConnectionLane,
    private readonly freeLane: (lane: ConnectionLane) => void,
  ) {
    this.ended = new Promise((resolve) => (this.endedResolve = resolve));
    conn.on('error', this.onError);
    this.active = { tx: lane.client, conn, scope: {}, closed: false, atCommit: [] };
    this.active.tx = lane.clientFor(this.active);
    // Like Prisma's interactive-transaction timeout: closing the connection makes Postgres roll back.
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.release(true);
    }, TX_TIMEOUT_MS);
  }

  /** Checks out a connection and sends `sql`, which must start with BEGIN, as one simple-protocol message. */
  static async open(
    pool: pg.Pool,
    lane: ConnectionLane,
    freeLane: (lane: ConnectionLane) => void,
    sql: string,
  ): Promise<{ transaction: PgTransaction; results: pg.QueryResult[] }> {
    let conn: pg.PoolClient;
    try {
      conn = await pool.connect();
    } catch (error) {
      freeLane(lane);
      throw new DbUnavailableError(error);
    }
    const transaction = new PgTransaction(conn, lane, freeLane);
    try {
      const out = (await conn.query(sql)) as pg.QueryResult | pg.QueryResult[];
      return { transaction, results: Array.isArray(out) ? out : [out] };
    } catch (error) {
      await transaction.rollback();
      throw error;
    }
  }

  get isOpen(): boolean {
    return !this.released;
  }

  async run<T>(als: AsyncLocalStorage<ActiveTransaction>, fn: () => Promise<T>): Promise<T> {
    if (this.released) throw timeoutError(); // the lane may already serve another transaction
    this.lane.bind(this.conn, this.active);
    try {
      // `async`: fn may return a lazy PrismaPromise, which must start (`then`) inside the transaction's context.
      const result = await als.run(this.active, async () => fn());
      if (this.timedOut) throw timeoutError();
      clearTimeout(this.timer);
      await this.conn.query(commitMessage(this.active.atCommit));
      this.release(false);
      return result;
    } catch (error) {
      if (this.timedOut) throw timeoutError();
      await this.rollback();
      throw error;
    }
  }

  /** Ends a transaction in which only its opening message ran (keeps what that message wrote). */
  async close(): Promise<void> {
    if (this.released) return;
    clearTimeout(this.timer);
    await this.conn.query('COMMIT').then(
      () => this.release(false),
      () => this.rollback(),
    );
  }

  private async rollback(): Promise<void> {
    if (this.released) return;
    // After a failed COMMIT Postgres has already ended the transaction and ROLLBACK only warns.
    const ok = await this.conn.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    this.release(!ok);
  }

  private release(destroy: boolean): void {
    if (this.released) return;
    this.released = true;
    this.active.closed = true;
    clearTimeout(this.timer);
    this.lane.unbind();
    this.freeLane(this.lane);
    this.conn.removeListener('error', this.onError);
    this.conn.release(destroy);
    this.endedResolve();
  }
}

const timeoutError = (): DbScopeError =>
  new DbScopeError(`the transaction exceeded ${TX_TIMEOUT_MS} ms and was rolled back`);
