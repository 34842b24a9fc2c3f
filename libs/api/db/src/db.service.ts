import { AsyncLocalStorage } from 'node:async_hooks';
import type pg from 'pg';
import { isUuid } from '@arca/contracts';
import { poolOf, type PrismaClient, type TxClient } from './prisma-client.js';
import { ConnectionLane } from './connection-lane.js';
import { DbUnavailableError, isUnavailable } from './db-errors.js';
import {
  DbScopeError,
  PgTransaction,
  type ActiveTransaction,
  type DbScope,
  type DeferredOpening,
} from './pg-transaction.js';
import { CredentialCheck } from './credential-check.js';
import { statementName } from './statement-names.js';
import { TransactionGate } from './transaction-gate.js';
import { commitInsert, type CommitValue } from './commit-inserts.js';

export { CredentialRejectedError, DbUnavailableError } from './db-errors.js';
export { DbScopeError, type DbScope } from './pg-transaction.js';
export { CommitInsertError, type CommitValue } from './commit-inserts.js';

const SCOPE_KEYS = ['tenantId', 'userId', 'loginEmail', 'authLookup'] as const;

/** A transaction opened together with a request's credential lookup, waiting for the request to use it. */
interface Pending {
  tenantId: string;
  transaction: PgTransaction;
  /** Frees the transaction's gate slot. */
  settle: () => void;
}

/** What Db keeps per async context. */
interface DbContext {
  request?: RequestScope;
  active?: ActiveTransaction;
}

/** One HTTP request (see requestScope). */
interface RequestScope {
  pending?: Pending;
  /** A cached credential still to be re-checked (deferCheck). */
  check?: CredentialCheck;
  /** Some read-write transaction of the request has committed (read-only work does not count). */
  committed?: boolean;
  lookupStarted: boolean;
  ended: boolean;
}

/**
 * The only way the API reaches Postgres. Every request's queries run in a transaction whose settings carry the
 * tenant (and, during authentication flows, the acting user): `set_config(…, true)` is transaction-local, so a
 * pooled connection never carries one request's tenant into the next. Repositories ask for `tx(tenantId)`, which
 * refuses to hand out a transaction scoped to another tenant.
 */
export class Db {
  /**
   * Per async context, the HTTP request's scope and the transaction open in this context: one store, not two,
   * since every promise created pays for each AsyncLocalStorage in use.
   */
  private readonly context = new AsyncLocalStorage<DbContext>();

  private readonly requestScopes = new WeakMap<object, RequestScope>();

  private readonly gate: TransactionGate;

  private readonly pool: pg.Pool;

  /** One lane per admitted transaction; the gate admits at most `maxTransactions`, so there are never more. */
  private readonly freeLanes: ConnectionLane[] = [];
  private readonly lanes: ConnectionLane[] = [];

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

  /**
   * Runs `fn` in one transaction scoped to `tenantId`; nested calls for the same tenant join it. The first call
   * of a request adopts the transaction its credential lookup opened for this tenant (lookupAndBegin).
   */
  tenantTransaction<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
    return this.transaction(tenantId, fn, false);
  }

  /**
   * Like tenantTransaction, for work that only reads: each statement runs as a read-only transaction of its own,
   * sent in one socket write with what opens it and its COMMIT (PgTransaction.readOnly), so the work costs one
   * round trip per statement and none besides. Postgres refuses writes and row locks in it (SQLSTATE 25006) and
   * insertAtCommit throws; a transaction-level advisory lock would end with its statement, so take none here.
   * Nested calls, of either kind, join the open transaction in its mode.
   */
  readTransaction<T>(tenantId: string, fn: () => Promise<T>): Promise<T> {
    return this.transaction(tenantId, fn, true);
  }

  private async transaction<T>(tenantId: string, fn: () => Promise<T>, readOnly: boolean): Promise<T> {
    const active = this.openTransaction;
    if (active) {
      if (active.scope.tenantId !== tenantId) {
        throw new DbScopeError('a transaction for another tenant is already open');
      }
      return fn();
    }
    const request = this.currentRequest;
    const check = request?.check;
    if (check && !check.confirmed) {
      check.assertNotRejected();
      if (check.tenantId === tenantId) {
        return this.deferredTransaction(tenantId, check.opening(), fn, readOnly);
      }
    }
    const pending = request?.pending;
    if (pending?.tenantId === tenantId && pending.transaction.isOpen) {
      request!.pending = undefined;
      try {
        if (readOnly) pending.transaction.readOnly(reopenSql(tenantId));
        const result = await pending.transaction.run(this.enter, fn);
        return readOnly ? result : noteCommit(request, result);
      } catch (error) {
        throw isUnavailable(error) ? new DbUnavailableError(error) : error;
      } finally {
        pending.settle();
      }
    }
    if (readOnly) return this.deferredTransaction(tenantId, null, fn, true);
    return this.scopedTransaction({ tenantId }, fn);
  }

  /** Runs `fn` in one transaction with the given policy settings (authentication and provisioning flows). */
  async scopedTransaction<T>(scope: DbScope, fn: () => Promise<T>): Promise<T> {
    if (this.openTransaction) throw new DbScopeError('nested scoped transactions are not supported');
    checkScope(scope);
    await this.currentRequest?.check?.settle(this.pool);
    // Never hold a pending transaction's slot while waiting for another one.
    await this.closePending(this.currentRequest);
    const uuidsOnly = !scope.loginEmail && !scope.authLookup;
    try {
      const result = await this.gate.run(async () => {
        // UUID-only scopes (validated) go out as literals with BEGIN; emails and hashes as bind parameters.
        const { transaction } = await this.open(uuidsOnly ? `BEGIN; ${scopeSql(scope)}` : 'BEGIN');
        if (uuidsOnly) {
          transaction.active.scope = { tenantId: scope.tenantId ?? null, userId: scope.userId ?? null };
          return transaction.run(this.enter, fn);
        }
        return transaction.run(this.enter, async () => {
          await this.rescope(scope);
          return fn();
        });
      });
      return noteCommit(this.currentRequest, result);
    } catch (error) {
      throw isUnavailable(error) ? new DbUnavailableError(error) : error;
    }
  }

  /**
   * Runs `fn` in a transaction in which the secret_lookup policies expose exactly the rows whose secret hashes to
   * `secretHash` (invitation, upload and download tokens), before their tenant is known.
   */
  secretLookup<T>(secretHash: Uint8Array, fn: () => Promise<T>): Promise<T> {
    return this.scopedTransaction({ authLookup: Buffer.from(secretHash).toString('hex') }, fn);
  }

  /** Changes the settings of the open transaction (e.g. once login has identified the user and tenant). */
  async rescope(scope: DbScope): Promise<void> {
    const active = this.openTransaction;
    if (!active) throw new DbScopeError('no transaction is open');
    if (active.readOnly) throw new DbScopeError('a read-only transaction cannot change its settings');
    checkScope(scope);
    const next = { ...active.scope, ...scope };
    await active.query({
      name: 'arca_scope',
      text: `SELECT set_config('app.tenant_id', $1, true), set_config('app.user_id', $2, true),
                    set_config('app.login_email', $3, true), set_config('app.auth_lookup', $4, true)`,
      values: SCOPE_KEYS.map((k) => next[k] ?? ''),
    });
    active.scope = next;
  }

  /** The open transaction, which must be scoped to `tenantId`. */
  tx(tenantId: string): TxClient {
    return this.activeFor(tenantId).tx;
  }

  /**
   * One statement on the bare pg driver inside the open transaction scoped to `tenantId` (bulk bytea I/O and row
   * locks, where Prisma's marshalling costs or cannot express). Repositories only; values are bind parameters.
   */
  async sql<R extends pg.QueryResultRow>(tenantId: string, config: pg.QueryConfig): Promise<R[]> {
    const result = await this.openFor(tenantId).query<R>(config);
    return result.rows;
  }

  /**
   * Queues a row to be inserted by the message that commits the open transaction scoped to `tenantId`: written
   * with the transaction's other changes or not at all, without a round trip (or a Prisma call) of its own. For
   * append-only rows nothing in the transaction reads back (audit events). Values are UUIDs or bytes only; the
   * row is checked by the policies under the tenant setting of the moment it was queued. Errors (a policy, a
   * trigger, a constraint) surface from the transaction's commit, which then rolls back.
   */
  insertAtCommit(tenantId: string, table: string, row: Record<string, CommitValue>): void {
    const active = this.openFor(tenantId);
    if (active.readOnly) throw new DbScopeError('a read-only transaction cannot write');
    active.atCommit.push(commitInsert(tenantId, table, row));
  }

  /** The open transaction whatever its scope (authentication flows only). */
  currentTx(): TxClient {
    const active = this.openTransaction;
    if (!active) throw new DbScopeError('no transaction is open');
    return active.tx;
  }

  /** Runs `fn` as if no transaction were open (records that must survive the caller's rollback). */
  outsideTransaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.context.run({ request: this.currentRequest }, fn);
  }

  get inTransaction(): boolean {
    return this.openTransaction !== undefined;
  }

  /**
   * One statement outside any transaction, as a prepared statement straight through the pg pool (a fifth of
   * Prisma's per-statement CPU). For the authentication functions, which run on every request.
   */
  async lookup<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    return (await this.pool.query<R>({ name: statementName(text), text, values })).rows;
  }

  /**
   * A request's credential lookup, sent in one message with the BEGIN of the transaction its first
   * tenantTransaction will adopt: one round trip instead of two. `fn` is a SQL function taking the credential's
   * HMAC that sets `app.tenant_id` transaction-locally only for a usable credential; the transaction is kept
   * for that tenant (and only for it), and is committed unused if the request never asks for it. Outside a
   * request scope, or for a second lookup in one request, this is a plain `lookup`.
   */
  async lookupAndBegin<R extends pg.QueryResultRow>(fn: string, secretHash: Uint8Array): Promise<R[]> {
    const request = this.currentRequest;
    if (!/^[a-z_]+$/.test(fn)) throw new DbScopeError('invalid lookup function name');
    if (!request || request.lookupStarted || request.ended || this.openTransaction) {
      return this.lookup<R>(`SELECT * FROM ${fn}($1::bytea)`, [secretHash]);
    }
    request.lookupStarted = true;
    // Hex of our own HMAC output: the only value interpolated, and only [0-9a-f] by construction.
    const hex = Buffer.from(secretHash).toString('hex');
    return new Promise<R[]>((resolve, reject) => {
      this.gate
        .run(async () => {
          const { transaction, results } = await this.open(
            `BEGIN; SELECT * FROM ${fn}('\\x${hex}'::bytea); ` +
              `SELECT current_setting('app.tenant_id', true) AS scope`,
          );
          resolve((results[1]?.rows ?? []) as R[]);
          const tenantId = (results[2]?.rows[0] as { scope?: string } | undefined)?.scope ?? '';
          if (!isUuid(tenantId) || request.ended) return transaction.close();
          transaction.active.scope = { tenantId, userId: null };
          // Holds the gate slot until the request adopts or ends the transaction, or it times out.
          const settled = new Promise<void>(
            (settle) => (request.pending = { tenantId, transaction, settle }),
          );
          await Promise.race([settled, transaction.ended]);
        })
        .catch((error: unknown) =>
          reject(isUnavailable(error) ? new DbUnavailableError(error) : (error as Error)),
        );
    });
  }

  /**
   * For a credential answered from a cache: `fn(secretHash, fingerprint, tenantId)`, a SQL function that raises
   * AR001 unless tenant `tenantId` has that credential with that fingerprint, and sets `app.tenant_id` to
   * `tenantId`, is sent with the first statement of the request's first transaction for `tenantId` (one socket
   * write, no round trip of its own), or on its own before the response if the request opens none
   * (confirmRequestScope). A failed check calls `rejected` and fails that transaction (or the response) with
   * CredentialRejectedError. Returns false, and defers nothing, outside a request scope or for a second
   * credential in one request: the caller then looks the credential up instead.
   */
  deferCheck(
    tenantId: string,
    fn: string,
    secretHash: Uint8Array,
    fingerprint: string,
    rejected: () => void,
  ): boolean {
    if (!isUuid(tenantId)) throw new DbScopeError('tenantId must be a UUID');
    if (!/^[a-z_]+$/.test(fn)) throw new DbScopeError('invalid check function name');
    if (!/^[0-9a-f]{64}$/.test(fingerprint)) throw new DbScopeError('invalid credential fingerprint');
    const request = this.currentRequest;
    if (!request || request.lookupStarted || request.ended || this.openTransaction) return false;
    request.lookupStarted = true;
    // Hex of our own HMAC output, a validated fingerprint and a validated UUID: safe as literals.
    const hex = Buffer.from(secretHash).toString('hex');
    const statement = `SELECT public.${fn}('\\x${hex}'::bytea, '${fingerprint}', '${tenantId}'::uuid)`;
    // `rejected` runs outside the refused request: what it starts (an audit record) is not refused with it.
    request.check = new CredentialCheck(tenantId, statement, () => this.context.exit(rejected));
    return true;
  }

  /**
   * Before a request's response goes out: throws CredentialRejectedError if the request's cached credential was
   * refused by a re-check, and runs the re-check now if none went through (the request opened no transaction
   * for the credential's tenant, or they all failed before it).
   */
  async confirmRequestScope(key: object): Promise<void> {
    await this.requestScopes.get(key)?.check?.settle(this.pool);
  }

  /**
   * Runs `fn` (the rest of an HTTP request's handling, keyed by `key`) in a request scope, which lets the request's
   * credential lookup open its transaction. `endRequestScope(key)` must follow when the response is sent.
   */
  requestScope(key: object, fn: () => void): void {
    const scope: RequestScope = { lookupStarted: false, ended: false };
    this.requestScopes.set(key, scope);
    this.context.run({ request: scope }, fn);
  }

  /** Whether a read-write transaction of the request (keyed as in requestScope) has committed. */
  requestCommitted(key: object): boolean {
    return this.requestScopes.get(key)?.committed === true;
  }

  /** Commits a transaction the request opened but never used (e.g. its guard refused the operation). */
  async endRequestScope(key: object): Promise<void> {
    const scope = this.requestScopes.get(key);
    if (!scope) return;
    scope.ended = true;
    await this.closePending(scope);
  }

  async close(): Promise<void> {
    await Promise.all(this.lanes.map((lane) => lane.client.$disconnect()));
    await this.client.$disconnect();
  }

  /**
   * A transaction for `tenantId` that sends nothing before its first statement: either its opening carries the
   * request's credential re-check (deferCheck) and goes out with that statement, or it is read-only and every
   * statement opens its own transaction (readTransaction), or both.
   */
  private async deferredTransaction<T>(
    tenantId: string,
    opening: DeferredOpening | null,
    fn: () => Promise<T>,
    readOnly: boolean,
  ): Promise<T> {
    checkScope({ tenantId });
    const request = this.currentRequest;
    if (!opening) await request?.check?.settle(this.pool); // a check for another tenant goes first, on its own
    await this.closePending(request);
    try {
      return await this.gate.run(async () => {
        const transaction = await PgTransaction.openDeferred(this.pool, this.takeLane(), this.freeLane, {
          opening,
          reopen: readOnly ? reopenSql(tenantId) : null,
        });
        transaction.active.scope = { tenantId, userId: null };
        const result = await transaction.run(this.enter, fn);
        return readOnly ? result : noteCommit(request, result); // read-only work commits nothing to replay over
      });
    } catch (error) {
      throw isUnavailable(error) ? new DbUnavailableError(error) : error;
    }
  }

  /** The transaction open in this context, which must be scoped to `tenantId`. */
  private activeFor(tenantId: string): ActiveTransaction {
    const active = this.openTransaction;
    if (!active) throw new DbScopeError('no transaction is open; wrap the call in tenantTransaction()');
    if (active.scope.tenantId !== tenantId) {
      throw new DbScopeError('the open transaction belongs to another tenant');
    }
    return active;
  }

  /** Like activeFor, and the transaction must not have ended (for work done on its connection directly). */
  private openFor(tenantId: string): ActiveTransaction {
    const active = this.activeFor(tenantId);
    if (active.closed) throw new DbScopeError('the transaction has ended');
    return active;
  }

  private async closePending(request: RequestScope | undefined): Promise<void> {
    const pending = request?.pending;
    if (!pending) return;
    request.pending = undefined;
    await pending.transaction.close().finally(pending.settle);
  }

  private open(sql: string): ReturnType<typeof PgTransaction.open> {
    return PgTransaction.open(this.pool, this.takeLane(), this.freeLane, sql);
  }

  /** A free lane, or a new one (the gate bounds how many exist). */
  private takeLane(): ConnectionLane {
    const free = this.freeLanes.pop();
    if (free) return free;
    const lane = new ConnectionLane(() => this.openTransaction);
    this.lanes.push(lane);
    return lane;
  }

  private get openTransaction(): ActiveTransaction | undefined {
    return this.context.getStore()?.active;
  }

  private get currentRequest(): RequestScope | undefined {
    return this.context.getStore()?.request;
  }

  /** Runs `fn` with `active` as this context's transaction, in the same request scope. */
  private readonly enter = <R>(active: ActiveTransaction, fn: () => Promise<R>): Promise<R> =>
    this.context.run({ request: this.currentRequest, active }, fn);

  private readonly freeLane = (lane: ConnectionLane): void => {
    this.freeLanes.push(lane);
  };
}

/** Records on the request's scope that one of its transactions committed; returns the transaction's result. */
function noteCommit<T>(request: RequestScope | undefined, result: T): T {
  if (request) request.committed = true;
  return result;
}

function checkScope(scope: DbScope): void {
  for (const key of ['tenantId', 'userId'] as const) {
    const value = scope[key];
    if (value && !isUuid(value)) throw new DbScopeError(`${key} must be a UUID`);
  }
}

/** What opens each statement's transaction in read-only mode (`tenantId` validated by the caller). */
function reopenSql(tenantId: string): string {
  return `BEGIN READ ONLY; ${scopeSql({ tenantId })}`;
}

/** The settings of a UUID-only scope as literals (checkScope validated them). */
function scopeSql(scope: DbScope): string {
  const literal = (v: string | null | undefined): string => `'${v ?? ''}'`;
  return `SELECT set_config('app.tenant_id', ${literal(scope.tenantId)}, true),
    set_config('app.user_id', ${literal(scope.userId)}, true),
    set_config('app.login_email', '', true), set_config('app.auth_lookup', '', true)`;
}
