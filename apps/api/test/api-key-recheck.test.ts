import { randomBytes, randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  deleteRawTenants,
  insertRawApiKey,
  insertRawTenant,
  rawTenant,
  type RawApiKey,
} from './support/db-fixtures.js';
import * as support from './support/db-traffic.js';
import { CredentialRejectedError, Db, DbScopeError, createPrismaClient, poolOf } from '@arca/api-db';

// A cached API key re-checked in the request's own transaction (ADR 0011): Db.deferCheck and the SQL functions
// arca_resolve_api_key_scoped (fingerprint) and arca_recheck_api_key. Pool of one connection, so every
// transaction reuses the backend the previous one left, failed or not.

const adminUrl = inject('databaseAdminUrl');
const appUrl = inject('databaseAppUrl');
const LOOKUP = 'arca_resolve_api_key_scoped';
const RECHECK = 'arca_recheck_api_key';

let admin: pg.Client;
let db: Db;
const A = rawTenant();
const B = rawTenant();

beforeAll(async () => {
  admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  for (const t of [A, B]) await insertRawTenant(admin, t, 'rc');
  db = new Db(createPrismaClient({ connectionString: appUrl, poolMax: 1, statementTimeoutMs: 5_000 }));
});

afterAll(async () => {
  await db?.close();
  await deleteRawTenants(admin, [A, B]);
  await admin.end();
});

type Key = RawApiKey;

/** A usable key of tenant `t` and the fingerprint its lookup returns. */
const newKey = (t: typeof A): Promise<Key> => insertRawApiKey(admin, db, t);

const revoke = (k: Key) => admin.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [k.id]);

const asRequest = <T>(fn: (key: object) => Promise<T>) => support.asRequest(db, fn);
const traffic = <T>(fn: () => Promise<T>) => support.traffic(db, fn);
const settingAndVisible = () => support.settingAndVisible(db);

const refused = (error: unknown) => (error as { code?: string }).code;

describe('arca_recheck_api_key', () => {
  it('passes for an unchanged key and scopes the transaction to its tenant; a touch of last_used_at changes nothing', async () => {
    const k = await newKey(A);
    expect(k.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    await admin.query("UPDATE api_keys SET last_used_at = now() - interval '1 hour' WHERE id = $1", [k.id]);
    const rows = await db.lookup<{ t: string }>(
      `SELECT ${RECHECK}($1::bytea, $2, $3::uuid), current_setting('app.tenant_id', true) AS t`,
      [k.hash, k.fingerprint, A.id],
    );
    expect(rows[0]!.t).toBe(A.id);
    const { rows: used } = await admin.query<{ fresh: boolean }>(
      "SELECT last_used_at > now() - interval '1 minute' AS fresh FROM api_keys WHERE id = $1",
      [k.id],
    );
    expect(used[0]!.fresh).toBe(true);
  });

  it('computes the fingerprint exactly as the lookup does, for keys with model restrictions and no expiry too', async () => {
    const hash = randomBytes(32);
    const { rows } = await admin.query<{ id: string }>(
      `INSERT INTO models (tenant_id, name, created_by) VALUES ($1, $2, $3) RETURNING id`,
      [A.id, `fp-${randomUUID()}`, A.ownerId],
    );
    const modelId = rows[0]!.id;
    try {
      await admin.query(
        `INSERT INTO api_keys (tenant_id, created_by, name, key_hash, display_prefix, scopes, model_ids)
         VALUES ($1, $2, 'k''"|,{}', $3, 'arca_xxxxxxxx', ARRAY['models:read', 'a|b', 'c''d'], $4::uuid[])`,
        [A.id, A.ownerId, hash, [modelId]],
      );
      const looked = await db.lookup<{ fingerprint: string }>(`SELECT * FROM ${LOOKUP}($1::bytea)`, [hash]);
      await expect(
        db.lookup(`SELECT ${RECHECK}($1::bytea, $2, $3::uuid)`, [hash, looked[0]!.fingerprint, A.id]),
      ).resolves.toHaveLength(1);
    } finally {
      await admin.query('DELETE FROM api_keys WHERE key_hash = $1', [hash]);
      await admin.query('DELETE FROM models WHERE id = $1', [modelId]);
    }
  });

  it('raises AR001 for a wrong fingerprint, a revoked or expired key, a changed role, an unknown key', async () => {
    const call = (hash: Buffer, fingerprint: string, tenantId = A.id) =>
      db.lookup(`SELECT ${RECHECK}($1::bytea, $2, $3::uuid)`, [hash, fingerprint, tenantId]).then(
        () => 'ok',
        (e: unknown) => refused(e),
      );
    const k = await newKey(A);
    expect(await call(k.hash, k.fingerprint)).toBe('ok');
    expect(await call(k.hash, 'f'.repeat(64))).toBe('AR001');
    expect(await call(randomBytes(32), k.fingerprint)).toBe('AR001');
    // Another tenant's key is not found, whatever fingerprint comes with it.
    expect(await call(k.hash, k.fingerprint, B.id)).toBe('AR001');
    expect(await call(k.hash, k.fingerprint, randomUUID())).toBe('AR001');
    await admin.query("UPDATE memberships SET role = 'viewer' WHERE tenant_id = $1 AND user_id = $2", [
      A.id,
      A.ownerId,
    ]);
    try {
      expect(await call(k.hash, k.fingerprint)).toBe('AR001');
    } finally {
      await admin.query("UPDATE memberships SET role = 'owner' WHERE tenant_id = $1 AND user_id = $2", [
        A.id,
        A.ownerId,
      ]);
    }
    expect(await call(k.hash, k.fingerprint)).toBe('ok');
    await admin.query("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1", [k.id]);
    expect(await call(k.hash, k.fingerprint)).toBe('AR001');
    const r = await newKey(A);
    await revoke(r);
    expect(await call(r.hash, r.fingerprint)).toBe('AR001');
    const b = await newKey(B);
    expect(await call(b.hash, b.fingerprint, B.id)).toBe('ok');
    await admin.query('UPDATE tenants SET deleted_at = now() WHERE id = $1', [B.id]);
    try {
      expect(await call(b.hash, b.fingerprint, B.id)).toBe('AR001');
    } finally {
      await admin.query('UPDATE tenants SET deleted_at = NULL WHERE id = $1', [B.id]);
    }
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
  });

  it('is executable by the app role and nobody else', async () => {
    const { rows } = await admin.query<{ app: boolean; public: boolean }>(
      `SELECT has_function_privilege('arca_app', $1, 'EXECUTE') AS app,
              bool_or(a.grantee = 0) AS public
         FROM pg_proc p, aclexplode(p.proacl) a
        WHERE p.oid = $1::regprocedure`,
      [`${RECHECK}(bytea, text, uuid)`],
    );
    expect(rows[0]).toEqual({ app: true, public: false });
  });
});

describe('Db.deferCheck (a cached key re-checked with the first statement of the request)', () => {
  it('sends the re-check with the first statement in one socket write, then runs the request normally', async () => {
    const k = await newKey(A);
    const rejected: string[] = [];
    const { result, writes, sql } = await traffic(() =>
      asRequest(async () => {
        expect(db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => rejected.push('x'))).toBe(true);
        const first = await db.tenantTransaction(A.id, async () => {
          const s = await db.tx(A.id).$queryRaw<
            { t: string }[]
          >`SELECT current_setting('app.tenant_id', true) AS t`;
          return s[0]!.t;
        });
        // Confirmed: the next transaction opens as usual, without the re-check.
        const second = await db.tenantTransaction(A.id, () => db.tx(A.id).model.count());
        return { first, second };
      }),
    );
    expect(result).toEqual({ first: A.id, second: 0 });
    expect(rejected).toEqual([]);
    expect(sql[0]).toMatch(
      new RegExp(
        `^BEGIN; SELECT public\\.${RECHECK}\\('\\\\x[0-9a-f]{64}'::bytea, '[0-9a-f]{64}', '${A.id}'::uuid\\)$`,
      ),
    );
    expect(sql.filter((s) => s.includes(RECHECK))).toHaveLength(1);
    // first transaction: opening + query (one write), COMMIT; second: BEGIN, query, COMMIT
    expect(writes).toBe(5);
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
  });

  it('a key revoked since it was cached fails the request: nothing runs, nothing is kept, the request stays refused', async () => {
    const k = await newKey(A);
    await revoke(k);
    const rejected: string[] = [];
    const name = `never-${randomUUID()}`;
    const outcome = await asRequest(async () => {
      db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => rejected.push('x'));
      const first = await db
        .tenantTransaction(A.id, async () => {
          await Promise.all([
            db.tx(A.id).model.create({ data: { tenantId: A.id, name, createdById: A.ownerId } }),
            db.tx(A.id).model.count(),
          ]);
          return 'ran';
        })
        .catch((e: unknown) => e);
      const later = await db
        .tenantTransaction(A.id, () => db.tx(A.id).model.count())
        .catch((e: unknown) => e);
      const scoped = await db
        .scopedTransaction({ tenantId: B.id }, () => Promise.resolve('ran'))
        .catch((e: unknown) => e);
      return { first, later, scoped };
    }).catch((e: unknown) => ({ confirm: e }));
    expect(outcome).toEqual({ confirm: expect.any(CredentialRejectedError) });
    expect(rejected).toEqual(['x']); // once, however often the request was refused
    expect((await admin.query('SELECT 1 FROM models WHERE name = $1', [name])).rowCount).toBe(0);
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
    // The pooled connection is usable afterwards.
    expect(await db.tenantTransaction(A.id, () => db.tx(A.id).model.count())).toBe(0);
  });

  it('each refusal inside the request surfaces as CredentialRejectedError', async () => {
    const k = await newKey(A);
    await revoke(k);
    const seen: unknown[] = [];
    const key = {};
    await new Promise<void>((resolve) =>
      db.requestScope(key, () => {
        void (async () => {
          db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined);
          seen.push(
            await db.tenantTransaction(A.id, () => db.tx(A.id).model.count()).catch((e: unknown) => e),
          );
          seen.push(
            await db.tenantTransaction(A.id, () => db.tx(A.id).model.count()).catch((e: unknown) => e),
          );
          seen.push(
            await db
              .scopedTransaction({ userId: A.ownerId }, () => Promise.resolve(1))
              .catch((e: unknown) => e),
          );
          resolve();
        })();
      }),
    );
    await expect(db.confirmRequestScope(key)).rejects.toBeInstanceOf(CredentialRejectedError);
    await db.endRequestScope(key);
    expect(seen).toEqual([
      expect.any(CredentialRejectedError),
      expect.any(CredentialRejectedError),
      expect.any(CredentialRejectedError),
    ]);
  });

  it('concurrent first statements, a statement failing on its own, and the connection state afterwards', async () => {
    const k = await newKey(A);
    const conn = await poolOf(db.client).connect();
    conn.release();
    const state = () => {
      const c = conn as unknown as { pipeline: boolean; connection: { stream: Socket } };
      return { pipeline: c.pipeline, corked: c.connection.stream.writableCorked };
    };
    const name = `dup-${randomUUID()}`;
    await admin.query('INSERT INTO models (tenant_id, name, created_by) VALUES ($1, $2, $3)', [
      A.id,
      name,
      A.ownerId,
    ]);
    const outcome = await asRequest(async (key) => {
      db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined);
      const counts = await db.tenantTransaction(A.id, () =>
        Promise.all([db.tx(A.id).model.count(), db.tx(A.id).model.count(), db.tx(A.id).model.count()]),
      );
      const afterSuccess = state();
      const duplicate = await db
        .tenantTransaction(A.id, () =>
          db.tx(A.id).model.create({ data: { tenantId: A.id, name, createdById: A.ownerId } }),
        )
        .catch((e: unknown) => e);
      return { counts, afterSuccess, duplicate, committed: db.requestCommitted(key) };
    });
    expect(outcome.counts).toEqual([1, 1, 1]);
    expect(outcome.afterSuccess).toEqual({ pipeline: false, corked: 0 });
    expect(outcome.duplicate).not.toBeInstanceOf(CredentialRejectedError); // the check passed; the INSERT did not
    expect(outcome.committed).toBe(true);

    await revoke(k);
    const refused = await new Promise<{ error: unknown; committed: boolean }>((resolve) => {
      const key = {};
      db.requestScope(key, () => {
        db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined);
        void db
          .tenantTransaction(A.id, () => db.tx(A.id).model.count())
          .catch((e: unknown) => e)
          .then(async (error) => {
            await db.endRequestScope(key);
            resolve({ error, committed: db.requestCommitted(key) });
          });
      });
    });
    expect(refused).toEqual({ error: expect.any(CredentialRejectedError), committed: false });
    expect(state()).toEqual({ pipeline: false, corked: 0 });
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
  });

  it('a transaction without statements carries the re-check in its COMMIT message', async () => {
    const k = await newKey(A);
    const ok = await traffic(() =>
      asRequest(async () => {
        db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined);
        return db.tenantTransaction(A.id, () => Promise.resolve('done'));
      }),
    );
    expect(ok.result).toBe('done');
    expect(ok.sql).toEqual([
      expect.stringMatching(new RegExp(`^BEGIN; SELECT public\\.${RECHECK}\\(.*\\); COMMIT$`)),
    ]);
    await revoke(k);
    await expect(
      asRequest(async () => {
        db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined);
        return db.tenantTransaction(A.id, () => Promise.resolve('done'));
      }),
    ).rejects.toBeInstanceOf(CredentialRejectedError);
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
  });

  it('a transaction that fails before its first statement still re-checks: a refused key wins over the error', async () => {
    const k = await newKey(A);
    const boom = new Error('boom');
    const run = () =>
      asRequest(async () => {
        db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined);
        return db.tenantTransaction(A.id, () => Promise.reject(boom));
      });
    await expect(run()).rejects.toBe(boom);
    await revoke(k);
    await expect(run()).rejects.toBeInstanceOf(CredentialRejectedError);
    expect(await settingAndVisible()).toEqual({ v: '', n: 0 });
  });

  it('a request that opens no transaction for the key has it re-checked before its response', async () => {
    const k = await newKey(A);
    const { sql } = await traffic(() =>
      asRequest(() => {
        db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined);
        return Promise.resolve('answered from memory');
      }),
    );
    expect(sql).toEqual([expect.stringMatching(new RegExp(`^SELECT public\\.${RECHECK}\\(`))]);
    await revoke(k);
    await expect(
      asRequest(() => {
        db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined);
        return Promise.resolve('answered from memory');
      }),
    ).rejects.toBeInstanceOf(CredentialRejectedError);
  });

  it('a transaction for another tenant, or with another scope, runs the re-check on its own first', async () => {
    const k = await newKey(A);
    const { result, sql } = await traffic(() =>
      asRequest(async () => {
        db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined);
        return db.tenantTransaction(B.id, async () => {
          const s = await db.tx(B.id).$queryRaw<
            { t: string }[]
          >`SELECT current_setting('app.tenant_id', true) AS t`;
          return s[0]!.t;
        });
      }),
    );
    expect(result).toBe(B.id);
    expect(sql[0]).toMatch(new RegExp(`^SELECT public\\.${RECHECK}\\(`));
    expect(sql.filter((s) => s.includes(RECHECK))).toHaveLength(1);
  });

  it('defers nothing outside a request scope or for a second credential, and refuses malformed arguments', async () => {
    const k = await newKey(A);
    expect(db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined)).toBe(false);
    await asRequest(() => {
      expect(db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined)).toBe(true);
      expect(db.deferCheck(A.id, RECHECK, k.hash, k.fingerprint, () => undefined)).toBe(false);
      return Promise.resolve();
    });
    await asRequest(() => {
      expect(() => db.deferCheck('x', RECHECK, k.hash, k.fingerprint, () => undefined)).toThrow(DbScopeError);
      expect(() => db.deferCheck(A.id, 'f(); DROP', k.hash, k.fingerprint, () => undefined)).toThrow(
        DbScopeError,
      );
      expect(() => db.deferCheck(A.id, RECHECK, k.hash, "'; --", () => undefined)).toThrow(DbScopeError);
      expect(() => db.deferCheck(A.id, RECHECK, k.hash, 'F'.repeat(64), () => undefined)).toThrow(
        DbScopeError,
      );
      return Promise.resolve();
    });
  });
});
