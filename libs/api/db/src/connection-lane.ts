import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import type { ActiveTransaction } from './pg-transaction.js';
import { PrismaClient } from './generated/prisma/client.js';
import { statementName } from './statement-names.js';

/** A query through a lane whose transaction has ended, or from outside the transaction that holds the lane. */
export class LaneClosedError extends Error {
  override readonly name = 'LaneClosedError';
  constructor() {
    super('the transaction is closed (a transaction client was used outside its transaction)');
  }
}

const NOTHING = { command: '', rowCount: 0, rows: [], fields: [], oid: 0 };
const CONTROL = new Set(['BEGIN', 'COMMIT', 'ROLLBACK']);

/**
 * One PrismaClient that runs the queries of one `Db` transaction at a time, on the pooled connection that `Db`
 * checked out and opened the transaction on (`bind`). `Db` does BEGIN/COMMIT itself on that connection with the
 * bare pg driver, which costs a fraction of Prisma's interactive-transaction machinery.
 *
 * A transaction client kept past its transaction must fail, never run in the transaction that holds the lane
 * next: `Db` hands out `clientFor(transaction)`, which refuses use once the transaction has ended, and every
 * query also checks that it comes from the async context of the transaction that holds the lane (`owner`).
 * Prisma's own internal transactions (multi-statement writes) run inline, exactly as they do inside an
 * interactive transaction: the lane is already in one.
 */
export class ConnectionLane {
  readonly client: PrismaClient;
  private owner: ActiveTransaction | null = null;

  constructor(private readonly currentOwner: () => object | undefined) {
    // A pg.Pool the adapter accepts, whose connection is always the bound one.
    const pool = Object.assign(new pg.Pool({ max: 1 }), {
      query: (config: pg.QueryConfig) => this.query(config),
      connect: () =>
        Promise.resolve({
          query: (config: pg.QueryConfig) =>
            CONTROL.has(config.text) ? Promise.resolve(NOTHING) : this.query(config),
          release: () => undefined,
          on: () => undefined,
          removeListener: () => undefined,
        }),
      end: () => Promise.resolve(),
    });
    this.client = new PrismaClient({
      adapter: new PrismaPg(pool, { statementNameGenerator: (q) => statementName(q.sql) }),
    });
  }

  /** The lane's client as seen by one transaction: unusable once `owner.closed` is set. */
  clientFor(owner: { closed: boolean }): PrismaClient {
    return new Proxy(this.client, {
      get(target, prop) {
        if (owner.closed) throw new LaneClosedError();
        const value: unknown = Reflect.get(target, prop, target);
        return typeof value === 'function' ? (value.bind(target) as unknown) : value;
      },
    });
  }

  /** Queries go to `owner`'s connection, through `owner.query` (which may carry its deferred opening). */
  bind(owner: ActiveTransaction): void {
    this.owner = owner;
  }

  unbind(): void {
    this.owner = null;
  }

  private query(config: pg.QueryConfig): Promise<pg.QueryResult> {
    if (!this.owner || this.currentOwner() !== this.owner) return Promise.reject(new LaneClosedError());
    return this.owner.query(config);
  }
}
