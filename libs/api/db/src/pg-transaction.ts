import type { Writable } from 'node:stream';
import type pg from 'pg';
import type { TxClient } from './prisma-client.js';
import type { ConnectionLane } from './connection-lane.js';
import { CredentialRejectedError, DbUnavailableError } from './db-errors.js';
import { isCredentialRefusal } from './credential-check.js';
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
  /** One statement on the transaction's connection (after its deferred opening, if any: see PgTransaction). */
  query: <R extends pg.QueryResultRow>(config: pg.QueryConfig | string) => Promise<pg.QueryResult<R>>;
  scope: DbScope;
  closed: boolean;
  /** Rows to insert in the COMMIT message (Db.insertAtCommit). */
  atCommit: CommitInsert[];
  /** Every statement runs and commits on its own, read-only (PgTransaction.readOnly). */
  readOnly: boolean;
}

export class DbScopeError extends Error {
  override readonly name = 'DbScopeError';
}

/** A transaction still open after this long is rolled back and its connection closed. */
export const TX_TIMEOUT_MS = 15_000;

/**
 * The opening of a deferred transaction: `sql` starts with BEGIN and goes out with the transaction's first
 * statement. `confirmed` runs once Postgres has executed it; if Postgres refuses it with AR001 (see
 * credential-check.ts), the credential it re-checks has changed: `rejected` runs and the transaction fails with
 * CredentialRejectedError.
 */
export interface DeferredOpening {
  sql: string;
  confirmed: () => void;
  rejected: () => void;
}

/** pg.Client in pipeline mode sends a query without waiting for the previous one's answer (pg ≥ 8.23). */
type PipelinedClient = pg.PoolClient & { pipeline: boolean; connection: { stream: Writable } };

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
  /** Set until the deferred opening has been sent; `opened` settles once Postgres has answered it. */
  private opening: DeferredOpening | null = null;
  private opened: Promise<void> | null = null;
  /** A transaction is open on the connection (BEGIN has been executed and not yet ended). */
  private begun = false;
  /** Read-only mode (see readOnly): the message that opens each statement's own transaction. */
  private reopen: string | null = null;
  /** Read-only mode: settles when the statement sent last has been answered; statements go out one at a time. */
  private tail: Promise<void> = Promise.resolve();
  /** Read-only mode: a statement's COMMIT was not answered, so the connection's state is not known to be clean. */
  private unclean = false;
  /** Read-only mode: the opening carrying the credential check failed; every later statement fails with it. */
  private openingError: { error: unknown } | null = null;
  /** `end` or `rollback` has started: read-only statements not yet sent are refused. */
  private closing = false;
  private credentialRejected = false;
  private readonly timer: NodeJS.Timeout;
  private readonly onError = (): void => undefined; // surfaces on the next query; unhandled, it would crash

  private constructor(
    private readonly conn: pg.PoolClient,
    private readonly lane: ConnectionLane,
    private readonly freeLane: (lane: ConnectionLane) => void,
  ) {
    this.ended = new Promise((resolve) => (this.endedResolve = resolve));
    conn.on('error', this.onError);
    this.active = {
      tx: lane.client,
      query: (config) => this.query(config),
      scope: {},
      closed: false,
      atCommit: [],
      readOnly: false,
    };
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
    const transaction = await PgTransaction.checkout(pool, lane, freeLane);
    transaction.begun = true;
    try {
      const out = (await transaction.conn.query(sql)) as pg.QueryResult | pg.QueryResult[];
      return { transaction, results: Array.isArray(out) ? out : [out] };
    } catch (error) {
      await transaction.rollback();
      throw error;
    }
  }

  /**
   * Checks out a connection without a round trip. `opening` is sent with the transaction's first statement, in
   * the same socket write (pipelined), or prefixed to its COMMIT or ROLLBACK if it has none; until Postgres has
   * answered it, nothing the transaction read is handed out. With `reopen`, the transaction is read-only (see
   * readOnly) and `opening`, if any, goes out with its first statement. One of the two is required: nothing is
   * ever sent outside a transaction.
   */
  static async openDeferred(
    pool: pg.Pool,
    lane: ConnectionLane,
    freeLane: (lane: ConnectionLane) => void,
    { opening, reopen }: { opening: DeferredOpening | null; reopen: string | null },
  ): Promise<PgTransaction> {
    if (!opening && !reopen) throw new DbScopeError('a deferred transaction needs an opening');
    if (reopen) assertReopen(reopen);
    const transaction = await PgTransaction.checkout(pool, lane, freeLane);
    transaction.opening = opening;
    if (reopen) transaction.readOnly(reopen);
    return transaction;
  }

  /** A transaction on a connection from `pool`, nothing sent yet; no connection in time is DbUnavailableError. */
  private static async checkout(
    pool: pg.Pool,
    lane: ConnectionLane,
    freeLane: (lane: ConnectionLane) => void,
  ): Promise<PgTransaction> {
    let conn: pg.PoolClient;
    try {
      conn = await pool.connect();
    } catch (error) {
      freeLane(lane);
      throw new DbUnavailableError(error);
    }
    return new PgTransaction(conn, lane, freeLane);
  }

  get isOpen(): boolean {
    return !this.released;
  }

  /**
   * Read-only mode, for work that only reads (Db.readTransaction); call before `run`. Each statement becomes a
   * read-only transaction of its own, sent in one socket write with what opens it and its COMMIT: the deferred
   * opening with `SET TRANSACTION READ ONLY` for the first statement (or that alone if BEGIN has already run),
   * `reopen` (`BEGIN READ ONLY` and the transaction's settings) for the next ones. One round trip per statement
   * and none besides. Under READ COMMITTED every statement takes its own snapshot anyway, so the work sees nothing
   * less consistent; Postgres refuses writes and row locks (SQLSTATE 25006), and insertAtCommit refuses to queue.
   */
  readOnly(reopen: string): void {
    assertReopen(reopen);
    this.reopen = reopen;
    this.active.readOnly = true;
  }

  /** Runs `fn` with this transaction as its context's (`enter`), then commits; rolls back if anything fails. */
  async run<T>(
    enter: <R>(active: ActiveTransaction, fn: () => Promise<R>) => Promise<R>,
    fn: () => Promise<T>,
  ): Promise<T> {
    if (this.released) throw timeoutError(); // the lane may already serve another transaction
    this.lane.bind(this.active);
    try {
      // `async`: fn may return a lazy PrismaPromise, which must start (`then`) inside the transaction's context.
      const result = await enter(this.active, async () => fn());
      if (this.timedOut) throw timeoutError();
      // A refused check fails the work even if it caught the statement's error (the check is the request's).
      if (this.credentialRejected) throw new CredentialRejectedError();
      clearTimeout(this.timer);
      await this.end(commitMessage(this.active.atCommit));
      this.release(false);
      return result;
    } catch (error) {
      if (this.timedOut) throw timeoutError();
      await this.rollback();
      if (this.credentialRejected) throw new CredentialRejectedError();
      throw error;
    }
  }

  /** One statement in this transaction; the first one carries a deferred opening. */
  private async query<R extends pg.QueryResultRow>(
    config: pg.QueryConfig | string,
  ): Promise<pg.QueryResult<R>> {
    // A statement of work that is ending (a sibling of a failed one) must not run after its ROLLBACK.
    if (this.closing || this.released) throw new DbScopeError('the transaction has ended');
    if (this.reopen !== null) return this.committedAlone<R>(config);
    if (this.opening) return this.pipelineOpening<R>(this.opening, config);
    if (this.opened) await this.opened;
    return this.conn.query<R>(config);
  }

  /** The simple-protocol message that ends the transaction, after a deferred opening never sent (one message). */
  private async end(message: string): Promise<void> {
    this.closing = true;
    await this.tail;
    if (this.openingError) throw this.failedOpening();
    if (this.endedAlone) return; // an unanswered COMMIT goes out again below
    const opening = this.opening;
    if (!opening) {
      if (this.opened) await this.opened;
      await this.conn.query(message);
      this.begun = false;
      return;
    }
    this.opening = null;
    await this.conn.query(`${opening.sql}; ${message}`).catch((error: unknown) => {
      this.openingFailed(error, opening);
    });
    opening.confirmed();
  }

  /**
   * Sends the deferred opening and `config` in one socket write (see pipeline). `config`'s result is returned only
   * if the opening succeeded; otherwise the opening's error is thrown (Postgres refused the statement behind it
   * unexecuted, the transaction being aborted).
   */
  private async pipelineOpening<R extends pg.QueryResultRow>(
    opening: DeferredOpening,
    config: pg.QueryConfig | string,
  ): Promise<pg.QueryResult<R>> {
    this.opening = null;
    const answered = this.pipeline([opening.sql, config]);
    this.opened = answered.then(([first]) => {
      if (first!.status === 'rejected') this.openingFailed(first!.reason, opening);
      opening.confirmed();
    });
    await this.opened;
    return resultOf((await answered)[1]!) as pg.QueryResult<R>;
  }

  /** Read-only mode: `config` as a transaction of its own, after the statement before it (see readOnly). */
  private committedAlone<R extends pg.QueryResultRow>(
    config: pg.QueryConfig | string,
  ): Promise<pg.QueryResult<R>> {
    const result = this.tail.then(async () => {
      // Once the work is ending (checked again: it may have begun while this waited), nothing more goes out.
      if (this.closing || this.released) throw new DbScopeError('the transaction has ended');
      if (this.openingError) throw this.failedOpening();
      const opening = this.opening;
      this.opening = null;
      const prefix = opening
        ? `${opening.sql}; SET TRANSACTION READ ONLY`
        : this.begun
          ? 'SET TRANSACTION READ ONLY'
          : this.reopen!;
      this.begun = false; // the COMMIT below ends the transaction, whatever happens before it
      const [first, main, commit] = await this.pipeline([prefix, config, 'COMMIT']);
      if (commit!.status === 'rejected') this.unclean = true;
      if (first!.status === 'rejected') {
        if (opening) {
          this.openingError = { error: first!.reason };
          this.openingFailed(first!.reason, opening);
        }
        throw first!.reason;
      }
      opening?.confirmed();
      const rows = resultOf(main!) as pg.QueryResult<R>;
      resultOf(commit!);
      return rows;
    });
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /**
   * Read-only mode, nothing left open on the connection: every statement sent has committed or rolled back on
   * its own, and no opening is waiting to go out.
   */
  private get endedAlone(): boolean {
    return this.reopen !== null && !this.opening && !this.begun && !this.unclean;
  }

  /** The error of a failed opening: CredentialRejectedError if Postgres refused the credential. */
  private failedOpening(): unknown {
    return this.credentialRejected ? new CredentialRejectedError() : this.openingError?.error;
  }

  /**
   * Sends `configs` in one socket write: pg's pipeline mode lets a query go out before the previous one is
   * answered, and corking the socket makes them one write. Settles once every query sent has been answered.
   */
  private async pipeline(
    configs: (pg.QueryConfig | string)[],
  ): Promise<PromiseSettledResult<pg.QueryResult>[]> {
    const conn = this.conn as PipelinedClient;
    const stream = conn.connection.stream;
    const sent: Promise<pg.QueryResult>[] = [];
    let failure: { error: unknown } | undefined;
    conn.pipeline = true;
    stream.cork();
    try {
      for (const config of configs) sent.push(conn.query(config));
    } catch (error) {
      failure = { error }; // not expected: pg reports bad queries through the promise
    } finally {
      stream.uncork();
    }
    if (failure) conn.pipeline = false; // what went out is already queued as active queries
    const settled = await Promise.allSettled(sent);
    conn.pipeline = false;
    const unsent = configs
      .slice(sent.length)
      .map(() => ({ status: 'rejected' as const, reason: failure?.error }));
    return [...settled, ...unsent];
  }

  private openingFailed(error: unknown, opening: DeferredOpening): never {
    this.noteOpeningError(error, opening);
    throw this.credentialRejected ? new CredentialRejectedError() : error;
  }

  private noteOpeningError(error: unknown, opening: DeferredOpening): void {
    if (!isCredentialRefusal(error) || this.credentialRejected) return;
    this.credentialRejected = true;
    opening.rejected();
  }

  /** Ends a transaction in which only its opening message ran (keeps what that message wrote). */
  async close(): Promise<void> {
    if (this.released) return;
    clearTimeout(this.timer);
    await this.end('COMMIT').then(
      () => this.release(false),
      () => this.rollback(),
    );
  }

  private async rollback(): Promise<void> {
    if (this.released) return;
    this.closing = true;
    await this.tail;
    if (this.endedAlone) {
      this.release(false);
      return;
    }
    // A deferred opening not sent yet still goes out (a rare path, so in its own round trip): the credential is
    // re-checked even when fn failed before its first statement, and a changed one is reported as such.
    const opening = this.opening;
    this.opening = null;
    if (opening) {
      await this.conn
        .query(opening.sql)
        .then(opening.confirmed, (error: unknown) => this.noteOpeningError(error, opening));
    }
    await this.opened?.catch(() => undefined);
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

function assertReopen(reopen: string): void {
  if (!reopen.startsWith('BEGIN READ ONLY;')) {
    throw new DbScopeError('reopen must start with BEGIN READ ONLY');
  }
}

function resultOf(result: PromiseSettledResult<pg.QueryResult>): pg.QueryResult {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

const timeoutError = (): DbScopeError =>
  new DbScopeError(`the transaction exceeded ${TX_TIMEOUT_MS} ms and was rolled back`);
