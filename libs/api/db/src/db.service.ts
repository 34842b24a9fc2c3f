import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { isUuid } from '@arca/contracts';
import { poolOf, type PrismaClient, type TxClient } from './prisma-client.js';
import { ConnectionLane } from './connection-lane.js';
import { DbUnavailableError, isUnavailable } from './db-errors.js';
import { statementName } from './statement-names.js';
import { TransactionGate } from './transaction-gate.js';

export { DbUnavailableError } from './db-errors.js';

/** Transaction-local settings read by the RLS policies (see prisma/migrations/*_init). */
export interface DbScope {
  tenantId?: string | null;
  userId?: string | null;
  loginEmail?: string | null;
  authLookup?: string | null;
}

interface ActiveTransaction {
  tx: TxClient;
  conn: pg.PoolClient;
  scope: DbScope;
  closed: boolean;
}

/** A transaction still open after this long is rolled back and its connection closed. */
const TX_TIMEOUT_MS = 15_000;
const SCOPE_KEYS = ['tenantId', 'userId', 'loginEmail', 'authLookup'] as const;

export class DbScopeError extends Error {
  override readonly name = 'DbScopeError';
}

/**
 * The only way the API reaches Postgres. Every request's queries run in a transaction whose settings carry the
 * tenant (and, during authentication flows, the acting user): `set_config(…, true)` is transaction-local, so a
 * pooled connection never carries one request's tenant into the next. Repositories ask for `tx(tenantId)`, which
 * refuses to hand out a transaction scoped to another tenant.
 */
export class Db {
  private readonly als = new AsyncLocalStorage<ActiveTransaction>();

  private readonly gate: TransactionGate;

  private readonly pool: pg.Pool;

  /** One lane per admitted transaction; the gate admits at most `maxTransactions`, so there are never more. */
  private readonly lanes: ConnectionLane[] = [];
  private readonly freeLanes: ConnectionLane[] = [];

  /**
   * `client` must come from createPrismaClient (its pg pool carries the transactions). `maxTransactions` should
   * leave a few pool connections for the single-statement authentication lookups.
   */
  constructor(
    readonly client: PrismaClient,
    opts: { maxTransactions?: number; queueTimeoutMs?: number } = {},
  ) {
    this.pool = poolOf(client);
    this.gate = new TransactionGate(opts.maxTransactions ?? 8, opts.queueTimeoutMs ?? 10_000);
  }

  /** Runs `fn` in one transaction scoped to `tenantId`; nested calls for the same tenant join it. */
  async tenantTransaction<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
    const active = this.als.getStore();
    if (active) {
      if (active.scope.tenantId !== tenantId) {
        throw new DbScopeError('a transaction for another tenant is already open');
      }
      return fn();
    }
    return this.scopedTransaction({ tenantId }, fn);
  }

  /** Runs `fn` in one transaction with the given policy settings (authentication and provisioning flows). */
  async scopedTransaction<T>(scope: DbScope, fn: () => Promise<T>): Promise<T> {
    if (this.als.getStore()) throw new DbScopeError('nested scoped transactions are not supported');
    checkScope(scope);
    try {
      return await this.gate.run(() => this.transaction(scope, fn));
    } catch (error) {
      throw isUnavailable(error) ? new DbUnavailableError(error) : error;
    }
  }

  /** Changes the settings of the open transaction (e.g. once login has identified the user and tenant). */
  async rescope(scope: DbScope): Promise<void> {
    const active = this.als.getStore();
    if (!active) throw new DbScopeError('no transaction is open');
    checkScope(scope);
    const next = { ...active.scope, ...scope };
    await active.conn.query({
      name: 'arca_scope',
      text: `SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true),
                    set_config('app.login_email', $3, true), set_config('app.auth_lookup', $4, true)`,
      values: SCOPE_KEYS.map((k) => next[k] ?? ''),
    });
    active.scope = next;
  }

  /** The open transaction, which must be scoped to `tenantId`. */
  tx(tenantId: string): TxClient {
    const active = this.als.getStore();
    if (!active) throw new DbScopeError('no transaction is open; wrap the call in tenantTransaction()');
    if (active.scope.tenantId !== tenantId) {
      throw new DbScopeError('the open transaction belongs to another tenant');
    }
    return active.tx;
  }

  /** The open transaction whatever its scope (authentication flows only). */
  currentTx(): TxClient {
    const active = this.als.getStore();
    if (!active) throw new DbScopeError('no transaction is open');
    return active.tx;
  }

  get inTransaction(): boolean {
    return this.als.getStore() !== undefined;
  }

  /**
   * One statement outside any transaction, as a prepared statement straight through the pg pool (a fifth of
   * Prisma's per-statement CPU). For the authentication functions, which run on every request.
   */
  async lookup<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    return (await this.pool.query<R>({ name: statementName(text), text, values })).rows;
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.client.$disconnect()));
    await this.client.$disconnect();
  }

  /**
   * BEGIN and the settings go out in one message when the scope holds only UUIDs (validated, so they are the
   * only values ever interpolated); emails and lookup hashes go as bind parameters in a second round trip.
   * The connection returns to the pool only after COMMIT or ROLLBACK succeeded; otherwise it is closed.
   */
  private async transaction<T>(scope: DbScope, fn: () => Promise<T>): Promise<T> {
    let conn: pg.PoolClient;
    try {
      conn = await this.pool.connect();
    } catch (error) {
      throw new DbUnavailableError(error);
    }
    const onError = (): void => undefined; // surfaces on the next query; unhandled, it would crash the process
    conn.on('error', onError);
    const lane = this.freeLanes.pop() ?? this.newLane();
    const active: ActiveTransaction = { tx: lane.client, conn, scope: {}, closed: false };
    active.tx = lane.clientFor(active);
    let released = false;
    let timedOut = false;
    const release = (destroy: boolean): void => {
      if (released) return;
      released = true;
      active.closed = true;
      clearTimeout(timer);
      lane.unbind();
      this.freeLanes.push(lane);
      conn.removeListener('error', onError);
      conn.release(destroy);
    };
    // Like Prisma's interactive-transaction timeout: closing the connection makes Postgres roll back.
    const timer = setTimeout(() => {
      timedOut = true;
      release(true);
    }, TX_TIMEOUT_MS);
    try {
      const uuidsOnly = !scope.loginEmail && !scope.authLookup;
      await conn.query(uuidsOnly ? `BEGIN; ${scopeSql(scope)}` : 'BEGIN');
      if (uuidsOnly) active.scope = { tenantId: scope.tenantId ?? null, userId: scope.userId ?? null };
      lane.bind(conn, active);
      const result = await this.als.run(active, async () => {
        if (!uuidsOnly) await this.rescope(scope);
        return fn();
      });
      if (timedOut) throw timeoutError();
      clearTimeout(timer);
      await conn.query('COMMIT');
      release(false);
      return result;
    } catch (error) {
      if (timedOut) throw timeoutError();
      if (!released) release(!(await rollback(conn)));
      throw error;
    }
  }

  private newLane(): ConnectionLane {
    const lane = new ConnectionLane(() => this.als.getStore());
    this.lanes.push(lane);
    return lane;
  }
}

const timeoutError = (): DbScopeError =>
  new DbScopeError(`the transaction exceeded ${TX_TIMEOUT_MS} ms and was rolled back`);

/** True when ROLLBACK went through (after a failed COMMIT too: Postgres then only warns). */
const rollback = (conn: pg.PoolClient): Promise<boolean> =>
  conn.query('ROLLBACK').then(
    () => true,
    () => false,
  );

function checkScope(scope: DbScope): void {
  for (const key of ['tenantId', 'userId'] as const) {
    const value = scope[key];
    if (value && !isUuid(value)) throw new DbScopeError(`${key} must be a UUID`);
  }
}

/** The settings of a UUID-only scope as literals (checkScope validated them). */
function scopeSql(scope: DbScope): string {
  const literal = (v: string | null | undefined): string => `'${v ?? ''}'`;
  return `SELECT set_config('app.tenant_id', ${literal(scope.tenantId)}, true),
    set_config('app.user_id', ${literal(scope.userId)}, true),
    set_config('app.login_email', '', true), set_config('app.auth_lookup', '', true)`;
}
