import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { deleteRawTenants, insertRawApiKey, insertRawTenant, rawTenant } from './support/db-fixtures.js';
import { asRequest, settingAndVisible, traffic } from './support/db-traffic.js';
import { CredentialRejectedError, Db, DbScopeError, createPrismaClient } from '@arca/api-db';

// Db.readTransaction: every statement a read-only transaction of its own, sent in one socket write with what
// opens it and its COMMIT. Pool of one connection, so every transaction reuses the backend the previous one left.

const adminUrl = inject('databaseAdminUrl');
const appUrl = inject('databaseAppUrl');
const RECHECK = 'arca_recheck_api_key';

let admin: pg.Client;
let db: Db;
const A = rawTenant();
const B = rawTenant();
const modelsOfA = 3;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  for (const t of [A, B]) await insertRawTenant(admin, t, 'ro');
  for (let i = 0; i < modelsOfA; i++) {
    await admin.query('INSERT INTO models (tenant_id, name, created_by) VALUES ($1, $2, $3)', [
      A.id,
      `ro-${i}`,
      A.ownerId,
    ]);
  }
  db = new Db(createPrismaClient({ connectionString: appUrl, poolMax: 1, statementTimeoutMs: 5_000 }));
});

afterAll(async () => {
  await db?.close();
  await deleteRawTenants(admin, [A, B]);
  await admin.end();
});

const countModels = (tenantId: string) => db.tx(tenantId).model.count();
/** The same count on the bare driver (its errors reach the caller unwrapped). */
const countRaw = (tenantId: string) => db.sql(tenantId, { text: 'SELECT count(*) FROM models' });
const codeOf = (error: unknown) => (error as { code?: string }).code;
const clean = { v: '', n: 0 };
const reopen = (tenantId: string) =>
  `BEGIN READ ONLY; SELECT set_config('app.tenant_id', '${tenantId}', true)`;

/** A usable API key of tenant A and the fingerprint its lookup returns. */
const keyOfA = () => insertRawApiKey(admin, db, A);

describe('Db.readTransaction', () => {
  it('sends each statement with its opening and its COMMIT in one write, scoped to the tenant', async () => {
    const { result, writes, sql } = await traffic(db, () =>
      db.readTransaction(A.id, async () => [await countModels(A.id), await countModels(A.id)]),
    );
    expect(result).toEqual([modelsOfA, modelsOfA]);
    expect(writes).toBe(2);
    expect(sql).toHaveLength(6);
    for (const i of [0, 3]) {
      expect(sql[i]).toMatch(
        new RegExp(`^BEGIN READ ONLY; SELECT set_config\\('app.tenant_id', '${A.id}', true\\)`),
      );
      expect(sql[i + 1]).toMatch(/^SELECT COUNT\(\*\)/);
      expect(sql[i + 2]).toBe('COMMIT');
    }
    expect(await db.readTransaction(B.id, () => countModels(B.id))).toBe(0);
    expect(await settingAndVisible(db)).toEqual(clean);
  });

  it('sends nothing for work without statements, and no ROLLBACK when the work fails', async () => {
    const none = await traffic(db, () => db.readTransaction(A.id, () => Promise.resolve('nothing')));
    expect(none).toMatchObject({ result: 'nothing', writes: 0, sql: [] });
    const failed = await traffic(db, () =>
      db
        .readTransaction(A.id, async () => {
          await countModels(A.id);
          throw new Error('after one statement');
        })
        .catch((e: unknown) => (e as Error).message),
    );
    expect(failed.result).toBe('after one statement');
    expect(failed.writes).toBe(1);
    expect(failed.sql).not.toContain('ROLLBACK');
    expect(await settingAndVisible(db)).toEqual(clean);
  });

  it('refuses writes, row locks, queued inserts and new settings; nothing is written, the connection stays clean', async () => {
    const name = `ro-write-${randomUUID()}`;
    const write = await db
      .readTransaction(A.id, () =>
        db.tx(A.id).model.create({ data: { tenantId: A.id, name, createdById: A.ownerId } }),
      )
      .catch((e: unknown) => e);
    expect(JSON.stringify(write)).toMatch(/read-only transaction|25006/);
    const lock = await db
      .readTransaction(A.id, () => db.sql(A.id, { text: 'SELECT id FROM models FOR UPDATE' }))
      .catch((e: unknown) => e);
    expect(codeOf(lock)).toBe('25006');
    // A write behind a read in the same work: the read's result stands, the write is refused.
    const nested = await db
      .readTransaction(A.id, async () => {
        const n = await countModels(A.id);
        const refused = await db
          .tenantTransaction(A.id, () => db.sql(A.id, { text: 'DELETE FROM models' }))
          .catch((e: unknown) => codeOf(e));
        return { n, refused };
      })
      .catch((e: unknown) => e);
    expect(nested).toEqual({ n: modelsOfA, refused: '25006' });
    await db.readTransaction(A.id, async () => {
      expect(() => db.insertAtCommit(A.id, 'audit_outbox', { tenant_id: A.id })).toThrow(DbScopeError);
      await expect(db.rescope({ userId: A.ownerId })).rejects.toThrow(DbScopeError);
    });
    const { rows } = await admin.query('SELECT count(*)::int AS n FROM models WHERE tenant_id = $1', [A.id]);
    expect(rows[0].n).toBe(modelsOfA);
    expect(await settingAndVisible(db)).toEqual(clean);
  });

  it('a failed statement fails alone: the next one in the same work runs in a transaction of its own', async () => {
    const { result, sql } = await traffic(db, () =>
      db.readTransaction(A.id, async () => {
        const bad = await db
          .sql(A.id, { text: 'SELECT no_such_column FROM models' })
          .catch((e: unknown) => codeOf(e));
        return { bad, after: await countModels(A.id) };
      }),
    );
    expect(result).toEqual({ bad: '42703', after: modelsOfA });
    expect(sql.filter((s) => s === 'COMMIT')).toHaveLength(2);
    expect(await settingAndVisible(db)).toEqual(clean);
  });

  it('runs concurrent statements of one piece of work one after another, each in its own transaction', async () => {
    const { result, writes } = await traffic(db, () =>
      db.readTransaction(A.id, () => Promise.all([countModels(A.id), countModels(A.id), countModels(A.id)])),
    );
    expect(result).toEqual([modelsOfA, modelsOfA, modelsOfA]);
    expect(writes).toBe(3);
    expect(await settingAndVisible(db)).toEqual(clean);
  });

  it('joins an open read-write transaction in its mode', async () => {
    const name = `ro-join-${randomUUID()}`;
    await db.tenantTransaction(A.id, async () => {
      await db.readTransaction(A.id, () =>
        db.tx(A.id).model.create({ data: { tenantId: A.id, name, createdById: A.ownerId } }),
      );
      await expect(db.readTransaction(B.id, () => countModels(B.id))).rejects.toThrow(DbScopeError);
    });
    const { rows } = await admin.query('DELETE FROM models WHERE name = $1 RETURNING id', [name]);
    expect(rows).toHaveLength(1);
  });
});

describe('Db.readTransaction in a request', () => {
  it('carries a cached key re-check with its first statement: the whole request is one socket write', async () => {
    const k = await keyOfA();
    const { result, writes, sql } = await traffic(db, () =>
      asRequest(db, async () => {
        expect(db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined)).toBe(true);
        return db.readTransaction(A.id, () => countModels(A.id));
      }),
    );
    expect(result).toBe(modelsOfA);
    expect(writes).toBe(1);
    expect(sql[0]).toMatch(
      new RegExp(`^BEGIN; SELECT public\\.${RECHECK}\\(.*\\); SET TRANSACTION READ ONLY$`),
    );
    expect(sql.slice(2)).toEqual(['COMMIT']);
    expect(await settingAndVisible(db)).toEqual(clean);
  });

  it('a key revoked since it was cached: nothing read is handed out, the request stays refused', async () => {
    const k = await keyOfA();
    await admin.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [k.id]);
    const rejected: string[] = [];
    const outcome = await asRequest(db, async () => {
      db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => rejected.push('changed'));
      const first = await db.readTransaction(A.id, () => countModels(A.id)).catch((e: unknown) => e);
      const again = await db.readTransaction(A.id, () => countModels(A.id)).catch((e: unknown) => e);
      return { first, again };
    }).catch((e: unknown) => ({ response: e }));
    expect(outcome).toEqual({ response: expect.any(CredentialRejectedError) });
    expect(rejected).toEqual(['changed']);
    expect(await settingAndVisible(db)).toEqual(clean);
  });

  it('a refused check fails the rest of the work too, even where the work caught the refusal', async () => {
    const k = await keyOfA();
    await admin.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [k.id]);
    const seen: unknown[] = [];
    const { result, sql } = await traffic(db, () =>
      asRequest(db, async () => {
        db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined);
        return db
          .readTransaction(A.id, async () => {
            seen.push(await countRaw(A.id).catch((e: unknown) => e));
            seen.push(await countRaw(A.id).catch((e: unknown) => e));
            return 'finished';
          })
          .catch((e: unknown) => e);
      }).catch((e: unknown) => ({ response: e })),
    );
    expect(seen).toEqual([expect.any(CredentialRejectedError), expect.any(CredentialRejectedError)]);
    expect(result).toEqual({ response: expect.any(CredentialRejectedError) });
    // Only the first statement went out; no statement ran after the refusal.
    expect(sql.filter((q) => /count\(\*\)/i.test(q))).toHaveLength(1);
    expect(await settingAndVisible(db)).toEqual(clean);
  });

  it('once the work has failed, a statement a sibling issues while the rollback is on its way is refused, not sent', async () => {
    const k = await keyOfA();
    let second: unknown = 'not run';
    let sibling: Promise<void> = Promise.resolve();
    const { result, sql } = await traffic(db, () =>
      asRequest(db, async () => {
        await db.lookupAndBegin('arca_resolve_api_key_scoped', k.hash);
        // Adopting the lookup's transaction: failing before any statement rolls it back in a round trip.
        return db
          .readTransaction(A.id, () => {
            sibling = (async () => {
              await new Promise((resolve) => setImmediate(resolve)); // the ROLLBACK is on its way by now
              second = await countRaw(A.id).catch((e: unknown) => e);
            })();
            return Promise.reject(new Error('the work failed'));
          })
          .catch((e: unknown) => (e as Error).message);
      }),
    );
    await sibling;
    expect(result).toBe('the work failed');
    expect(second).toBeInstanceOf(DbScopeError);
    expect(sql.slice(1)).toEqual(['ROLLBACK']);
    expect(await settingAndVisible(db)).toEqual(clean);
  });

  it('adopts the transaction a lookup opened: its first statement makes it read-only and commits the lookup', async () => {
    const k = await keyOfA();
    await admin.query("UPDATE api_keys SET last_used_at = now() - interval '1 hour' WHERE id = $1", [k.id]);
    const { result, writes, sql } = await traffic(db, () =>
      asRequest(db, async () => {
        const rows = await db.lookupAndBegin('arca_resolve_api_key_scoped', k.hash);
        expect(rows).toHaveLength(1);
        return db.readTransaction(A.id, async () => [await countModels(A.id), await countModels(A.id)]);
      }),
    );
    expect(result).toEqual([modelsOfA, modelsOfA]);
    // lookup + BEGIN; SET TRANSACTION READ ONLY, count, COMMIT; reopen, count, COMMIT
    expect(writes).toBe(3);
    expect(sql.slice(1)).toEqual([
      'SET TRANSACTION READ ONLY',
      expect.stringMatching(/^SELECT COUNT/),
      'COMMIT',
      expect.stringMatching(new RegExp(`^${escape(reopen(A.id))}`)),
      expect.stringMatching(/^SELECT COUNT/),
      'COMMIT',
    ]);
    const { rows } = await admin.query<{ fresh: boolean }>(
      "SELECT last_used_at > now() - interval '1 minute' AS fresh FROM api_keys WHERE id = $1",
      [k.id],
    );
    expect(rows[0]!.fresh).toBe(true);
    expect(await settingAndVisible(db)).toEqual(clean);
  });

  it("reads another tenant's data only after the request's check has run on its own", async () => {
    const k = await keyOfA();
    const { result, sql } = await traffic(db, () =>
      asRequest(db, async () => {
        db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined);
        return db.readTransaction(B.id, () => countModels(B.id));
      }),
    );
    expect(result).toBe(0);
    expect(sql[0]).toMatch(new RegExp(`^SELECT public\\.${RECHECK}\\(`));
    expect(sql[1]).toMatch(new RegExp(`^${escape(reopen(B.id))}`));
    expect(await settingAndVisible(db)).toEqual(clean);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
