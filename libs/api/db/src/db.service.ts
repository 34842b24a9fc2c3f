import { AsyncLocalStorage } from 'node:async_hooks';
import { isUuid } from '@arca/contracts';
import type { PrismaClient, TxClient } from './prisma-client.js';
import { DbUnavailableError, isUnavailable } from './db-errors.js';
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
  scope: DbScope;
}

const TX_OPTIONS = { maxWait: 5_000, timeout: 15_000 } as const;

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

  /** `maxTransactions` should leave a few pool connections for the single-statement authentication lookups. */
  constructor(
    readonly client: PrismaClient,
    opts: { maxTransactions?: number; queueTimeoutMs?: number } = {},
  ) {
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
    try {
      return await this.gate.run(() =>
        this.client.$transaction(async (tx) => {
          const active: ActiveTransaction = { tx, scope: {} };
          await applyScope(active, scope);
          return this.als.run(active, fn);
        }, TX_OPTIONS),
      );
    } catch (error) {
      throw isUnavailable(error) ? new DbUnavailableError(error) : error;
    }
  }

  /** Changes the settings of the open transaction (e.g. once login has identified the user and tenant). */
  async rescope(scope: DbScope): Promise<void> {
    const active = this.als.getStore();
    if (!active) throw new DbScopeError('no transaction is open');
    await applyScope(active, scope);
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

  /** Runs `fn` as if no transaction were open (records that must survive the caller's rollback). */
  outsideTransaction<T>(fn: () => Promise<T>): Promise<T> {
    return this.als.exit(fn);
  }

  get inTransaction(): boolean {
    return this.als.getStore() !== undefined;
  }

  async close(): Promise<void> {
    await this.client.$disconnect();
  }
}

async function applyScope(active: ActiveTransaction, scope: DbScope): Promise<void> {
  for (const key of ['tenantId', 'userId'] as const) {
    const value = scope[key];
    if (value && !isUuid(value)) throw new DbScopeError(`${key} must be a UUID`);
  }
  const next = { ...active.scope, ...scope };
  await active.tx.$executeRaw`SELECT
    set_config('app.tenant_id', ${next.tenantId ?? ''}, true),
    set_config('app.user_id', ${next.userId ?? ''}, true),
    set_config('app.login_email', ${next.loginEmail ?? ''}, true),
    set_config('app.auth_lookup', ${next.authLookup ?? ''}, true)`;
  active.scope = next;
}
