import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
// apps/api/package.json does not list pg (it reaches the app through @arca/api-db), as in db-wall.test.ts.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deleteRawTenants, insertRawTenant, rawTenant } from './support/db-fixtures.js';
import { CommitInsertError, Db, DbScopeError, createPrismaClient, poolOf, type TxClient } from '@arca/api-db';

// Db's own transaction control (BEGIN + settings in one message on a pooled connection, COMMIT/ROLLBACK by the
// pg driver, Prisma running the queries through a per-transaction lane): rollback, no leaked settings, stale
// transaction clients refused, Prisma's multi-statement writes inside the transaction. Pool of one connection,
// so every transaction reuses the backend the previous one left.

const adminUrl = inject('databaseAdminUrl');
const appUrl = inject('databaseAppUrl');

let admin: pg.Client;
let db: Db;
const A = rawTenant();
const B = rawTenant();

const settingAndVisible = async (): Promise<{ v: string; n: number }> => {
  const rows = await db.lookup<{ v: string | null; n: string }>(
    `SELECT current_setting('app.tenant_id', true) AS v, (SELECT count(*) FROM models) AS n`,
    [],
  );
  return { v: rows[0]!.v ?? '', n: Number(rows[0]!.n) };
};

beforeAll(async () => {
  admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  for (const t of [A, B]) await insertRawTenant(admin, t, 'tx');
  db = new Db(createPrismaClient({ connectionString: appUrl, poolMax: 1, statementTimeoutMs: 5_000 }));
});

afterAll(async () => {
  await db?.close();
  await admin.query('DELETE FROM audit_pii WHERE tenant_id = ANY($1::uuid[])', [[A.id, B.id]]);
  await deleteRawTenants(admin, [A, B]);
  await admin.end();
});

const newModel = (tx: TxClient, t: typeof A, name: string) =>
  tx.model.create({ data: { tenantId: t.id, name, createdById: t.ownerId }, include: { grants: true } });

describe('Db transactions', () => {
  it('commits, and leaves neither the tenant setting nor visibility on the pooled connection', async () => {
    const name = `kept-${randomUUID()}`;
    const created = await db.tenantTransaction(A.id, () => newModel(db.tx(A.id), A, name));
    expect(created).toMatchObject({ name, tenantId: A.id, grants: [] });
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
    const { rowCount } = await admin.query('SELECT 1 FROM models WHERE id = $1', [created.id]);
    expect(rowCount).toBe(1);
  });

  it('rolls back every write, including Prisma multi-statement writes, when fn throws', async () => {
    const name = `gone-${randomUUID()}`;
    await expect(
      db.tenantTransaction(A.id, async () => {
        await newModel(db.tx(A.id), A, name);
        await db.tx(A.id).model.upsert({
          where: { tenantId_name: { tenantId: A.id, name: `${name}-2` } },
          create: { tenantId: A.id, name: `${name}-2`, createdById: A.ownerId },
          update: {},
        });
        expect(await db.tx(A.id).model.count({ where: { name: { startsWith: name } } })).toBe(2);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rowCount } = await admin.query('SELECT 1 FROM models WHERE name LIKE $1', [`${name}%`]);
    expect(rowCount).toBe(0);
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
  });

  it('a failed statement aborts the transaction; the connection is clean afterwards', async () => {
    const name = `dup-${randomUUID()}`;
    await db.tenantTransaction(A.id, () => newModel(db.tx(A.id), A, name));
    await expect(db.tenantTransaction(A.id, () => newModel(db.tx(A.id), A, name))).rejects.toMatchObject({
      code: 'P2002',
    });
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
    const n = await db.tenantTransaction(B.id, () => db.tx(B.id).model.count());
    expect(n).toBe(0); // B, on the same backend, sees none of A's models
  });

  it('refuses a transaction client used after its transaction ended, even while another one is open', async () => {
    let stale: TxClient | undefined;
    await db.tenantTransaction(A.id, async () => {
      stale = db.tx(A.id);
      await stale.model.count();
    });
    const useStale = async (): Promise<unknown> => stale!.model.findMany();
    await expect(useStale()).rejects.toThrow(/transaction is closed/);
    await db.tenantTransaction(B.id, async () => {
      // B's transaction holds the lane (and the only connection) now; A's stale client must not run in it.
      await expect(useStale()).rejects.toThrow(/transaction is closed/);
      expect(await db.tx(B.id).model.count()).toBe(0);
    });
  });

  it('nested calls join; another tenant or a nested scoped transaction is refused', async () => {
    await db.tenantTransaction(A.id, async () => {
      const outer = await db.tx(A.id).$queryRaw<{ x: string }[]>`SELECT txid_current()::text AS x`;
      const inner = await db.tenantTransaction(
        A.id,
        () => db.tx(A.id).$queryRaw<{ x: string }[]>`SELECT txid_current()::text AS x`,
      );
      expect(inner[0]!.x).toBe(outer[0]!.x);
      await expect(db.tenantTransaction(B.id, () => Promise.resolve())).rejects.toThrow(DbScopeError);
      await expect(db.scopedTransaction({ userId: A.ownerId }, () => Promise.resolve())).rejects.toThrow(
        DbScopeError,
      );
    });
  });

  it('binds non-UUID settings as parameters and rejects a non-UUID tenant before any SQL', async () => {
    const email = "o'brien\\@example.test";
    const seen = await db.scopedTransaction(
      { tenantId: A.id, loginEmail: email },
      () =>
        db.currentTx().$queryRaw<{ t: string; e: string }[]>`
        SELECT current_setting('app.tenant_id', true) AS t, current_setting('app.login_email', true) AS e`,
    );
    expect(seen).toEqual([{ t: A.id, e: email }]);
    await expect(db.tenantTransaction(`${A.id}'; --`, () => Promise.resolve())).rejects.toThrow(DbScopeError);
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
  });
});

describe('arca_resolve_api_key (through Db.lookup)', () => {
  const resolve = (hash: Buffer) =>
    db.lookup<{ api_key_id: string; role: string | null; revoked_at: Date | null }>(
      'SELECT * FROM arca_resolve_api_key($1::bytea)',
      [hash],
    );
  const lastUsed = async (id: string): Promise<Date | null> =>
    (await admin.query<{ t: Date | null }>('SELECT last_used_at AS t FROM api_keys WHERE id = $1', [id]))
      .rows[0]!.t;
  const newKey = async (extra = ''): Promise<{ id: string; hash: Buffer }> => {
    const hash = randomBytes(32);
    const { rows } = await admin.query<{ id: string }>(
      `INSERT INTO api_keys (tenant_id, created_by, name, key_hash, display_prefix, scopes, model_ids, expires_at${extra ? ', revoked_at' : ''})
       VALUES ($1, $2, 'k', $3, 'arca_xxxxxxxx', ARRAY['models:read'], ARRAY[]::uuid[], now() + interval '1 day'${extra ? ', now()' : ''})
       RETURNING id`,
      [A.id, A.ownerId, hash],
    );
    return { id: rows[0]!.id, hash };
  };

  it('resolves a usable key and touches last_used_at at most once a minute', async () => {
    const key = await newKey();
    expect(await resolve(key.hash)).toEqual([
      expect.objectContaining({ api_key_id: key.id, role: 'owner', revoked_at: null }),
    ]);
    const first = await lastUsed(key.id);
    expect(first).toBeInstanceOf(Date);
    await resolve(key.hash);
    expect(await lastUsed(key.id)).toEqual(first);
    await admin.query(`UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = $1`, [
      key.id,
    ]);
    const stale = await lastUsed(key.id);
    await resolve(key.hash);
    expect((await lastUsed(key.id))!.getTime()).toBeGreaterThan(stale!.getTime() + 60_000);
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
  });

  it('returns a revoked key (so the caller can say why) without touching it; unknown hashes return nothing', async () => {
    const key = await newKey('revoked');
    expect(await resolve(key.hash)).toEqual([expect.objectContaining({ api_key_id: key.id })]);
    expect((await resolve(key.hash))[0]!.revoked_at).toBeInstanceOf(Date);
    expect(await lastUsed(key.id)).toBeNull();
    expect(await resolve(randomBytes(32))).toEqual([]);
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
  });
});

describe('Db.lookupAndBegin (credential lookup in the BEGIN message, adopted by the request)', () => {
  const LOOKUP = 'arca_resolve_api_key_scoped';
  const keyFor = async (t: typeof A, revoked = false): Promise<Buffer> => {
    const hash = randomBytes(32);
    await admin.query(
      `INSERT INTO api_keys (tenant_id, created_by, name, key_hash, display_prefix, scopes, model_ids, expires_at, revoked_at)
       VALUES ($1, $2, 'k', $3, 'arca_xxxxxxxx', ARRAY['models:read'], ARRAY[]::uuid[], now() + interval '1 day', $4)`,
      [t.id, t.ownerId, hash, revoked ? new Date() : null],
    );
    return hash;
  };
  /** Runs `fn` as one request (request scope, then its end) and counts the pool checkouts it made. */
  const asRequest = async <T>(fn: () => Promise<T>): Promise<{ result: T; checkouts: number }> => {
    const pool = poolOf(db.client);
    const connect = pool.connect;
    let checkouts = 0;
    pool.connect = function (this: typeof pool, ...args: unknown[]) {
      checkouts++;
      return (connect as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof pool.connect;
    const key = {};
    try {
      const result = await new Promise<T>((resolve, reject) =>
        db.requestScope(key, () => void fn().then(resolve, reject)),
      );
      await db.endRequestScope(key);
      return { result, checkouts };
    } finally {
      pool.connect = connect;
    }
  };
  const modelIn = async (t: typeof A): Promise<string> =>
    (
      await admin.query<{ id: string }>(
        `INSERT INTO models (tenant_id, name, created_by) VALUES ($1, $2, $3) RETURNING id`,
        [t.id, `m-${randomUUID()}`, t.ownerId],
      )
    ).rows[0]!.id;

  it("the request's first tenantTransaction for the key's tenant runs in the lookup's transaction", async () => {
    const hash = await keyFor(A);
    const modelId = await modelIn(A);
    const { result, checkouts } = await asRequest(async () => {
      const rows = await db.lookupAndBegin<{ tenant_id: string }>(LOOKUP, hash);
      expect(rows).toEqual([expect.objectContaining({ tenant_id: A.id })]);
      return db.tenantTransaction(A.id, async () => {
        const s = await db.tx(A.id).$queryRaw<
          { t: string }[]
        >`SELECT current_setting('app.tenant_id', true) AS t`;
        return {
          setting: s[0]!.t,
          ids: (await db.tx(A.id).model.findMany({ select: { id: true } })).map((m) => m.id),
        };
      });
    });
    expect(checkouts).toBe(1); // one connection, one transaction
    expect(result.setting).toBe(A.id);
    expect(result.ids).toContain(modelId);
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
  });

  it('a revoked key scopes nothing; a transaction for another tenant never adopts the pending one', async () => {
    const revoked = await keyFor(A, true);
    const { checkouts } = await asRequest(async () => {
      const rows = await db.lookupAndBegin<{ revoked_at: Date | null }>(LOOKUP, revoked);
      expect(rows[0]!.revoked_at).toBeInstanceOf(Date);
      expect(await db.tenantTransaction(A.id, () => db.tx(A.id).model.count())).toBeGreaterThan(0);
    });
    expect(checkouts).toBe(2); // the lookup's transaction was closed, not adopted
    const usable = await keyFor(A);
    const other = await asRequest(async () => {
      await db.lookupAndBegin(LOOKUP, usable);
      // Pool of one: the pending transaction must be closed first, or this would wait forever.
      return db.tenantTransaction(B.id, async () => {
        const s = await db.tx(B.id).$queryRaw<
          { t: string }[]
        >`SELECT current_setting('app.tenant_id', true) AS t`;
        return { setting: s[0]!.t, n: await db.tx(B.id).model.count() };
      });
    });
    expect(other.result).toEqual({ setting: B.id, n: 0 });
    expect(other.checkouts).toBe(2);
  });

  it('an unused pending transaction is committed at the end of the request; outside a request it is a plain lookup', async () => {
    const hash = await keyFor(A);
    const { checkouts } = await asRequest(() => db.lookupAndBegin(LOOKUP, hash));
    expect(checkouts).toBe(1);
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
    expect(await db.lookupAndBegin(LOOKUP, hash)).toEqual([expect.objectContaining({ tenant_id: A.id })]);
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
    await expect(db.lookupAndBegin("x'; --", hash)).rejects.toThrow(DbScopeError);
  });
});

describe('Db.insertAtCommit (rows written by the COMMIT message)', () => {
  const piiRow = (t: typeof A, eventId: string) => ({
    event_id: eventId,
    tenant_id: t.id,
    salt: randomBytes(16),
    data: randomBytes(40),
  });
  const piiCount = async (eventIds: string[]) =>
    Number(
      (await admin.query('SELECT count(*) AS n FROM audit_pii WHERE event_id = ANY($1::uuid[])', [eventIds]))
        .rows[0].n,
    );

  it('writes the queued rows with the business change, in one message with COMMIT', async () => {
    const events = [randomUUID(), randomUUID()];
    const row = piiRow(A, events[0]!);
    const name = `with-rows-${randomUUID()}`;
    const { sawBeforeCommit } = await db.tenantTransaction(A.id, async () => {
      await newModel(db.tx(A.id), A, name);
      db.insertAtCommit(A.id, 'audit_pii', row);
      db.insertAtCommit(A.id, 'audit_pii', piiRow(A, events[1]!));
      return { sawBeforeCommit: await db.tx(A.id).auditPii.count({ where: { eventId: { in: events } } }) };
    });
    expect(sawBeforeCommit).toBe(0); // queued, not yet written
    expect(await piiCount(events)).toBe(2);
    const stored = await admin.query('SELECT tenant_id, salt, data FROM audit_pii WHERE event_id = $1', [
      events[0],
    ]);
    expect(stored.rows[0]).toEqual({ tenant_id: A.id, salt: row.salt, data: row.data });
    expect((await admin.query('SELECT 1 FROM models WHERE name = $1', [name])).rowCount).toBe(1);
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
  });

  it('a queued row that fails at commit rolls the whole transaction back, and the connection stays usable', async () => {
    const taken = randomUUID();
    await db.tenantTransaction(A.id, () =>
      Promise.resolve(db.insertAtCommit(A.id, 'audit_pii', piiRow(A, taken))),
    );
    const name = `rolled-back-${randomUUID()}`;
    const fresh = randomUUID();
    await expect(
      db.tenantTransaction(A.id, async () => {
        await newModel(db.tx(A.id), A, name);
        db.insertAtCommit(A.id, 'audit_pii', piiRow(A, fresh));
        db.insertAtCommit(A.id, 'audit_pii', piiRow(A, taken)); // primary key violation
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await admin.query('SELECT 1 FROM models WHERE name = $1', [name])).rowCount).toBe(0);
    expect(await piiCount([fresh])).toBe(0);
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
    expect(await db.tenantTransaction(B.id, () => db.tx(B.id).model.count())).toBe(0);
  });

  it('drops the queued rows when fn throws', async () => {
    const eventId = randomUUID();
    await expect(
      db.tenantTransaction(A.id, () => {
        db.insertAtCommit(A.id, 'audit_pii', piiRow(A, eventId));
        return Promise.reject(new Error('boom'));
      }),
    ).rejects.toThrow('boom');
    expect(await piiCount([eventId])).toBe(0);
  });

  it('checks each row under the tenant of its transaction: another tenant’s row is refused by the policy', async () => {
    const eventId = randomUUID();
    await expect(
      db.tenantTransaction(A.id, () =>
        Promise.resolve(db.insertAtCommit(A.id, 'audit_pii', { ...piiRow(A, eventId), tenant_id: B.id })),
      ),
    ).rejects.toThrow(/row-level security/);
    expect(await piiCount([eventId])).toBe(0);
  });

  it('refuses rows outside a transaction, for another tenant, and values that are neither UUIDs nor bytes', async () => {
    const row = piiRow(A, randomUUID());
    expect(() => db.insertAtCommit(A.id, 'audit_pii', row)).toThrow(DbScopeError);
    await db.tenantTransaction(A.id, () => {
      expect(() => db.insertAtCommit(B.id, 'audit_pii', piiRow(B, randomUUID()))).toThrow(DbScopeError);
      for (const bad of [
        { ...row, event_id: "00000000-0000-4000-8000-000000000000'); DROP TABLE models; --" },
        { ...row, event_id: 'not-a-uuid' },
        { ...row, salt: 'x' as unknown as Uint8Array },
      ]) {
        expect(() => db.insertAtCommit(A.id, 'audit_pii', bad)).toThrow(CommitInsertError);
      }
      expect(() => db.insertAtCommit(A.id, 'audit_pii; DROP TABLE models', row)).toThrow(CommitInsertError);
      expect(() => db.insertAtCommit(A.id, 'audit_pii', { 'event_id) --': row.event_id })).toThrow(
        CommitInsertError,
      );
      return Promise.resolve();
    });
    expect(await piiCount([row.event_id])).toBe(0);
    expect((await admin.query("SELECT to_regclass('public.models') AS t")).rows[0].t).toBe('models');
  });
});
