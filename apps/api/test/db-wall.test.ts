import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
// apps/api/package.json does not list pg (it reaches the app through @arca/api-db); see the report.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Db, DbScopeError, createPrismaClient } from '@arca/api-db';

// The tenant wall at the SQL level (api-security.md §3.4), exercised as the real application role `arca_app`
// with plain `pg` connections, plus once through Prisma and `Db`. Tenant tables are enumerated from the
// catalog, never from a hand-written list, so a new table is covered (or flagged as unseeded) automatically.

const MIGRATION_NAME = '20261127000000_init';
const MIGRATION_FILE = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../prisma/migrations',
  MIGRATION_NAME,
  'migration.sql',
);

/** Global tables the app role may read without any tenant setting (documented: keyed hashes only). */
const GLOBAL_TABLES = new Set(['auth_throttle']);

/**
 * Tenant tables that hold rows only briefly: the audit outbox, which the sequencer (running in every test app that
 * shares this database) drains within milliseconds, and which the app role may only INSERT into. It passes the
 * catalog gate like every tenant table and has its own test below; the seeded-row matrices skip it.
 */
const TRANSIENT_TABLES = new Set(['audit_outbox']);

/**
 * The SECURITY DEFINER functions: the audit sequencer's (migration *_audit_log) and the tenant-id listing of
 * master-key rotation (*_model_versions). Any other one fails the gate.
 */
const DEFINERS = [
  'arca_audit_pending_checkpoints',
  'arca_audit_sequence',
  'arca_audit_store_checkpoint',
  'arca_tenant_ids',
];

/** §3.4 catalog gate, verbatim: every public table with tenant_id must have RLS enabled, forced and a policy. */
const CATALOG_GATE = `
  SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
  WHERE n.nspname = 'public' AND c.relkind IN ('r','p')
    AND (NOT c.relrowsecurity OR NOT c.relforcerowsecurity
         OR NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))`;

const TENANT_TABLES_SQL = `
  SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
  WHERE n.nspname = 'public' AND c.relkind IN ('r','p') ORDER BY 1`;

const adminUrl = inject('databaseAdminUrl');
const appUrl = inject('databaseAppUrl');

interface SeededTenant {
  id: string;
  ownerId: string;
  /** A user who belongs to this tenant only. */
  memberId: string;
  sessionHash: Buffer;
  apiKeyHash: Buffer;
  modelId: string;
}

let admin: pg.Client;
let tenantTables: string[];
let A: SeededTenant;
let B: SeededTenant;

const q = (name: string): string => pg.escapeIdentifier(name);

async function connectApp(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: appUrl });
  await client.connect();
  return client;
}

async function withApp<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = await connectApp();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function setTenant(c: pg.Client, tenantId: string): Promise<void> {
  await c.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenantId]);
}

async function count(c: pg.Client, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await c.query<{ n: string }>(sql, params);
  return Number(rows[0]?.n);
}

/** Runs `sql` inside a savepoint and returns the SQLSTATE it failed with (or null and the row count). */
async function attempt(
  c: pg.Client,
  sql: string,
  params: unknown[] = [],
): Promise<{ code: string | null; rowCount: number | null }> {
  await c.query('SAVEPOINT probe');
  try {
    const res = await c.query(sql, params);
    await c.query('RELEASE SAVEPOINT probe');
    return { code: null, rowCount: res.rowCount };
  } catch (err) {
    await c.query('ROLLBACK TO SAVEPOINT probe');
    return { code: (err as { code?: string }).code ?? 'unknown', rowCount: null };
  }
}

/** One row in every tenant table (and the tenant and its users), written as the superuser. */
async function seedTenant(c: pg.Client): Promise<SeededTenant> {
  const tag = randomBytes(5).toString('hex');
  const t: SeededTenant = {
    id: randomUUID(),
    ownerId: randomUUID(),
    memberId: randomUUID(),
    sessionHash: randomBytes(32),
    apiKeyHash: randomBytes(32),
    modelId: randomUUID(),
  };
  await c.query('BEGIN');
  await c.query(`INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $2)`, [t.id, `wall-${tag}`]);
  await c.query(
    `INSERT INTO users (id, email, display_name, password_hash)
     VALUES ($1, $2, 'owner', 'x'), ($3, $4, 'member', 'x')`,
    [t.ownerId, `owner-${tag}@wall.test`, t.memberId, `member-${tag}@wall.test`],
  );
  await c.query(
    `INSERT INTO memberships (tenant_id, user_id, role) VALUES ($1, $2, 'owner'), ($1, $3, 'viewer')`,
    [t.id, t.ownerId, t.memberId],
  );
  await c.query(
    `INSERT INTO sessions (tenant_id, user_id, token_hash, idle_expires_at, expires_at)
     VALUES ($1, $2, $3, now() + interval '1 hour', now() + interval '8 hours'),
            ($1, $4, $5, now() + interval '1 hour', now() + interval '8 hours')`,
    [t.id, t.ownerId, t.sessionHash, t.memberId, randomBytes(32)],
  );
  await c.query(
    `INSERT INTO api_keys (tenant_id, created_by, name, key_hash, display_prefix, scopes, model_ids, expires_at)
     VALUES ($1, $2, 'k', $3, 'arca_xxxxxxxx', ARRAY['models:read'], ARRAY[]::uuid[], now() + interval '1 day')`,
    [t.id, t.ownerId, t.apiKeyHash],
  );
  await c.query(
    `INSERT INTO invitations (tenant_id, email, role, token_hash, invited_by, expires_at)
     VALUES ($1, $2, 'viewer', $3, $4, now() + interval '7 days')`,
    [t.id, `invitee-${tag}@wall.test`, randomBytes(32), t.ownerId],
  );
  await c.query(`INSERT INTO models (id, tenant_id, name, created_by) VALUES ($1, $2, $3, $4)`, [
    t.modelId,
    t.id,
    `model-${tag}`,
    t.ownerId,
  ]);
  await c.query(
    `INSERT INTO model_grants (tenant_id, model_id, user_id, role, created_by) VALUES ($1, $2, $3, 'viewer', $4)`,
    [t.id, t.modelId, t.memberId, t.ownerId],
  );
  await seedAuditLog(c, t);
  await seedWebhooks(c, t);
  await seedArtifacts(c, t);
  await c.query('COMMIT');
  return t;
}

/** A KEK, an upload with its key and a segment, a version, a grant, an alias, a promotion (*_model_versions). */
async function seedArtifacts(c: pg.Client, t: SeededTenant): Promise<void> {
  const blobId = randomUUID();
  await c.query(
    `INSERT INTO tenant_keys (tenant_id, version, state, is_active, wrapped_kek, master_key_id)
     VALUES ($1, 1, 'active', TRUE, $2, 'seed')`,
    [t.id, randomBytes(60)],
  );
  await c.query(
    `INSERT INTO uploads (id, tenant_id, model_id, token_hash, state, declared_size, received_size,
                          segments_written, header, created_by, expires_at)
     VALUES ($1, $2, $3, $4, 'finalized', 1, 1, 1, $5, $6, now() + interval '1 day')`,
    [blobId, t.id, t.modelId, randomBytes(32), randomBytes(40), t.ownerId],
  );
  await c.query(
    `INSERT INTO blob_keys (blob_id, tenant_id, kek_version, wrapped_dek) VALUES ($1, $2, 1, $3)`,
    [blobId, t.id, randomBytes(60)],
  );
  await c.query(`INSERT INTO blob_segments (blob_id, idx, tenant_id, ciphertext) VALUES ($1, 0, $2, $3)`, [
    blobId,
    t.id,
    randomBytes(17),
  ]);
  await c.query(
    `INSERT INTO model_versions (id, tenant_id, model_id, number, state, size_bytes, sha256, format, created_by)
     VALUES ($1, $2, $3, 1, 'ready', 1, $4, '{}', $5)`,
    [blobId, t.id, t.modelId, randomBytes(32), t.ownerId],
  );
  await c.query(
    `INSERT INTO download_grants (tenant_id, version_id, token_hash, created_by, expires_at)
     VALUES ($1, $2, $3, $4, now() + interval '5 minutes')`,
    [t.id, blobId, randomBytes(32), t.ownerId],
  );
  await c.query(
    `INSERT INTO model_aliases (tenant_id, model_id, name, version_id, updated_by) VALUES ($1, $2, 'staging', $3, $4)`,
    [t.id, t.modelId, blobId, t.ownerId],
  );
  await c.query(
    `INSERT INTO promotion_requests (tenant_id, model_id, alias, version_id, requested_by)
     VALUES ($1, $2, 'production', $3, $4)`,
    [t.id, t.modelId, blobId, t.ownerId],
  );
}

/** A webhook endpoint and one delivery (migration *_jobs_and_webhooks). */
async function seedWebhooks(c: pg.Client, t: SeededTenant): Promise<void> {
  const webhookId = randomUUID();
  await c.query(
    `INSERT INTO webhooks (id, tenant_id, url, event_types, sealed_secret, created_by)
     VALUES ($1, $2, 'https://hooks.wall.test/x', ARRAY['version.created'], $3, $4)`,
    [webhookId, t.id, randomBytes(48), t.ownerId],
  );
  await c.query(
    `INSERT INTO webhook_deliveries (tenant_id, webhook_id, event_id, event_type, payload)
     VALUES ($1, $2, $3, 'version.created', $4)`,
    [t.id, webhookId, randomUUID(), Buffer.from('{}')],
  );
}

/** One row in each audit table of the tenant (as the superuser: the app role only appends through the outbox). */
async function seedAuditLog(c: pg.Client, t: SeededTenant): Promise<void> {
  const hash = (): Buffer => randomBytes(32);
  const eventId = randomUUID();
  const entry = Buffer.from(
    JSON.stringify({
      action: 'wall.seed',
      actor: { kind: 'system' },
      id: eventId,
      outcome: 'success',
      tenant: t.id,
      time: '2026-11-27T00:00:00.000Z',
      v: 1,
    }),
  );
  const leaf = hash();
  await c.query(
    `INSERT INTO audit_entries (tenant_id, seq, event_id, entry, leaf_hash, sequenced_at, event_time, action,
                                outcome, actor_kind)
     VALUES ($1, 0, $2, $3, $4, now(), now(), 'wall.seed', 'success', 'system')`,
    [t.id, eventId, entry, leaf],
  );
  await c.query(`INSERT INTO audit_nodes (tenant_id, level, idx, hash) VALUES ($1, 8, 0, $2)`, [
    t.id,
    hash(),
  ]);
  await c.query(
    `INSERT INTO audit_heads (tenant_id, size, frontier, root, checkpoint_size) VALUES ($1, 1, ARRAY[$2::bytea], $2, 1)`,
    [t.id, leaf],
  );
  await c.query(`INSERT INTO audit_checkpoints (tenant_id, size, root, note) VALUES ($1, 1, $2, 'seed')`, [
    t.id,
    leaf,
  ]);
  await c.query(
    `INSERT INTO audit_log_keys (tenant_id, origin, public_key, sealed_private_key) VALUES ($1, 'wall', $2, $3)`,
    [t.id, hash(), hash()],
  );
  await c.query(`INSERT INTO audit_pii (event_id, tenant_id, salt, data) VALUES ($1, $2, $3, $4)`, [
    eventId,
    t.id,
    hash(),
    Buffer.from('{}'),
  ]);
  await c.query(
    `INSERT INTO audit_key_networks (tenant_id, api_key_id, network, first_seq) VALUES ($1, $2, '10.0.0.0/24', 0)`,
    [t.id, randomUUID()],
  );
  await c.query(
    `INSERT INTO audit_alerts (tenant_id, rule, subject, window_start, event_count, first_seq, last_seq)
     VALUES ($1, 'wall_seed', 'seed', now(), 1, 0, 0)`,
    [t.id],
  );
}

async function privilege(table: string, verb: 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE'): Promise<boolean> {
  const { rows } = await admin.query<{ ok: boolean }>(
    `SELECT has_table_privilege('arca_app', $1, $2) AS ok`,
    [`public.${q(table)}`, verb],
  );
  return rows[0]?.ok === true;
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  A = await seedTenant(admin);
  B = await seedTenant(admin);
  tenantTables = (await admin.query<{ name: string }>(TENANT_TABLES_SQL)).rows
    .map((r) => r.name)
    .filter((t) => !TRANSIENT_TABLES.has(t));
});

afterAll(async () => {
  if (A && B) await admin.query('DELETE FROM tenants WHERE id = ANY($1::uuid[])', [[A.id, B.id]]);
  if (A && B) {
    await admin.query('DELETE FROM users WHERE id = ANY($1::uuid[])', [
      [A.ownerId, A.memberId, B.ownerId, B.memberId],
    ]);
  }
  await admin?.end();
});

describe('catalog gate (§3.4.1)', () => {
  it('finds the tenant tables and reports 0 rows: RLS enabled, forced and with a policy on each', async () => {
    expect(tenantTables).toEqual(
      expect.arrayContaining([
        'api_keys',
        'invitations',
        'memberships',
        'model_grants',
        'models',
        'sessions',
      ]),
    );
    expect((await admin.query(CATALOG_GATE)).rows).toEqual([]);
    // The gate runs the same for the app role (the catalog is world-readable).
    expect(await withApp(async (c) => (await c.query(CATALOG_GATE)).rows)).toEqual([]);
  });

  it('catches a new tenant table without RLS, without FORCE, or without a policy', async () => {
    const probe = `zz_gate_probe_${randomBytes(4).toString('hex')}`;
    const flagged = async (): Promise<boolean> =>
      (await admin.query<{ relname: string }>(CATALOG_GATE)).rows.some((r) => r.relname === probe);
    await admin.query('BEGIN');
    try {
      await admin.query(`CREATE TABLE public.${q(probe)} (id int PRIMARY KEY, tenant_id uuid NOT NULL)`);
      expect(await flagged()).toBe(true); // no RLS at all
      await admin.query(`ALTER TABLE public.${q(probe)} ENABLE ROW LEVEL SECURITY`);
      expect(await flagged()).toBe(true); // enabled, not forced: the owner would bypass it
      await admin.query(`ALTER TABLE public.${q(probe)} FORCE ROW LEVEL SECURITY`);
      expect(await flagged()).toBe(true); // forced, but no policy
      await admin.query(
        `CREATE POLICY tenant_isolation ON public.${q(probe)}
           USING (tenant_id = (SELECT NULLIF(current_setting('app.tenant_id', true), '')::uuid))`,
      );
      expect(await flagged()).toBe(false);
      // A partitioned parent counts too.
      await admin.query(
        `CREATE TABLE public.${q(`${probe}_p`)} (tenant_id uuid NOT NULL) PARTITION BY HASH (tenant_id)`,
      );
      expect((await admin.query<{ relname: string }>(CATALOG_GATE)).rows.map((r) => r.relname)).toContain(
        `${probe}_p`,
      );
    } finally {
      await admin.query('ROLLBACK');
    }
    expect(await flagged()).toBe(false);
    const { rowCount } = await admin.query('SELECT 1 FROM pg_class WHERE relname = $1', [probe]);
    expect(rowCount).toBe(0);
  });

  it('has no view that would run as its owner (security_invoker) and no SECURITY DEFINER function but the pinned ones', async () => {
    const views = await admin.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm')
          AND NOT coalesce(c.reloptions && ARRAY['security_invoker=true', 'security_invoker=on'], false)`,
    );
    expect(views.rows).toEqual([]);
    const definers = await admin.query<{ proname: string }>(
      `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prosecdef ORDER BY 1`,
    );
    // Each of these pins its search_path and is EXECUTE-able by arca_app only (checked below).
    expect(definers.rows.map((r) => r.proname)).toEqual(DEFINERS);
    const loose = await admin.query<{ proname: string }>(
      `SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.prosecdef
          AND (NOT coalesce(p.proconfig::text[] @> ARRAY['search_path=public, pg_temp'], false)
               OR has_function_privilege('public', p.oid, 'EXECUTE'))`,
    );
    expect(loose.rows).toEqual([]);
  });
});

describe('the application role', () => {
  it('is arca_app: not superuser, not BYPASSRLS, owns nothing, inherits nothing, cannot create tables', async () => {
    const row = await withApp(async (c) => {
      const { rows } = await c.query<{
        user: string;
        rolsuper: boolean;
        rolbypassrls: boolean;
        owned: string;
        memberships: string;
        can_create: boolean;
        owner_of_member: string;
      }>(
        `SELECT current_user AS user, r.rolsuper, r.rolbypassrls,
                (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                  WHERE c.relowner = r.oid AND n.nspname NOT IN ('pg_catalog', 'information_schema')) AS owned,
                (SELECT count(*) FROM pg_tables t WHERE t.tableowner = current_user
                    OR pg_has_role(current_user, t.tableowner, 'MEMBER')) AS owner_of_member,
                (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid) AS memberships,
                has_schema_privilege(current_user, 'public', 'CREATE') AS can_create
           FROM pg_roles r WHERE r.rolname = current_user`,
      );
      return rows[0];
    });
    expect(row).toEqual({
      user: 'arca_app',
      rolsuper: false,
      rolbypassrls: false,
      owned: '0',
      owner_of_member: '0',
      memberships: '0',
      can_create: false,
    });
  });

  it('cannot turn RLS off, assume the superuser role, read _prisma_migrations, or skip RLS with row_security = off', async () => {
    await withApp(async (c) => {
      await c.query('BEGIN');
      expect((await attempt(c, 'ALTER TABLE models DISABLE ROW LEVEL SECURITY')).code).toBe('42501');
      expect((await attempt(c, 'ALTER TABLE models NO FORCE ROW LEVEL SECURITY')).code).toBe('42501');
      expect((await attempt(c, 'SELECT count(*) FROM _prisma_migrations')).code).toBe('42501');
      const superuser = (await admin.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u;
      expect((await attempt(c, `SET ROLE ${q(superuser)}`)).code).toBe('42501');
      // With row_security = off, a query that RLS would filter raises instead of bypassing.
      await c.query('SET LOCAL row_security = off');
      expect((await attempt(c, 'SELECT count(*) FROM models')).code).toBe('42501');
      await c.query('ROLLBACK');
    });
  });
});

describe('fail-closed reads (§3.4.2)', () => {
  it('every tenant table is seeded for both tenants (so no check below is vacuous)', async () => {
    for (const table of tenantTables) {
      for (const t of [A, B]) {
        const n = await count(admin, `SELECT count(*) AS n FROM ${q(table)} WHERE tenant_id = $1`, [t.id]);
        expect(n, `seed a row for ${table} in db-wall.test.ts`).toBeGreaterThan(0);
      }
    }
  });

  it('as tenant B, the app role sees B’s rows and none of A’s (or anyone else’s) in every tenant table', async () => {
    await withApp(async (c) => {
      await c.query('BEGIN');
      await setTenant(c, B.id);
      for (const table of tenantTables) {
        const ofA = await count(c, `SELECT count(*) AS n FROM ${q(table)} WHERE tenant_id = $1`, [A.id]);
        const notB = await count(
          c,
          `SELECT count(*) AS n FROM ${q(table)} WHERE tenant_id IS DISTINCT FROM $1`,
          [B.id],
        );
        const ofB = await count(c, `SELECT count(*) AS n FROM ${q(table)} WHERE tenant_id = $1`, [B.id]);
        expect({ table, ofA, notB }).toEqual({ table, ofA: 0, notB: 0 });
        expect(ofB, table).toBeGreaterThan(0);
      }
      // The global tables with RLS follow the tenant too.
      expect(await count(c, 'SELECT count(*) AS n FROM tenants WHERE id <> $1', [B.id])).toBe(0);
      expect(await count(c, 'SELECT count(*) AS n FROM tenants WHERE id = $1', [B.id])).toBe(1);
      expect(
        await count(c, 'SELECT count(*) AS n FROM users WHERE id = ANY($1::uuid[])', [
          [A.ownerId, A.memberId],
        ]),
      ).toBe(0);
      expect(
        await count(c, 'SELECT count(*) AS n FROM users WHERE id = ANY($1::uuid[])', [
          [B.ownerId, B.memberId],
        ]),
      ).toBe(2);
      await c.query('COMMIT');
    });
  });

  it("with no tenant set, every readable table except the documented global ones shows 0 rows — on a fresh connection and on one that served a tenant (the '' gotcha)", async () => {
    const readable = (
      await admin.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
            AND has_table_privilege('arca_app', c.oid, 'SELECT') ORDER BY 1`,
      )
    ).rows.map((r) => r.name);
    expect(readable).toEqual(expect.arrayContaining([...tenantTables, 'tenants', 'users']));
    await withApp(async (c) => {
      const check = async (when: string): Promise<void> => {
        for (const table of readable.filter((t) => !GLOBAL_TABLES.has(t))) {
          const n = await count(c, `SELECT count(*) AS n FROM ${q(table)}`);
          expect({ when, table, n }).toEqual({ when, table, n: 0 });
        }
      };
      const setting = async (): Promise<string | null> =>
        (await c.query<{ v: string | null }>(`SELECT current_setting('app.tenant_id', true) AS v`)).rows[0]!
          .v;
      expect(await setting()).toBeNull(); // never set on this connection
      await check('fresh connection');
      await c.query('BEGIN');
      await setTenant(c, A.id);
      expect(await count(c, 'SELECT count(*) AS n FROM models WHERE tenant_id = $1', [A.id])).toBe(1);
      await c.query('COMMIT');
      expect(await setting()).toBe(''); // the placeholder survives as '' — NULLIF must handle it
      await check('after a tenant transaction (autocommit)');
      await c.query('BEGIN');
      await check('after a tenant transaction (in a transaction)');
      await c.query('COMMIT');
      // A tenant transaction that failed leaves nothing behind either.
      await c.query('BEGIN');
      await setTenant(c, A.id);
      await c.query('ROLLBACK');
      await check('after a rolled-back tenant transaction');
    });
  });
});

describe('audit outbox (a transient tenant table)', () => {
  it('the app role appends only its own tenant’s well-formed events and can neither read, change nor empty the outbox', async () => {
    const event = (tenant: string) => {
      const id = randomUUID();
      const body = {
        action: 'wall.outbox',
        actor: { kind: 'system' },
        id,
        outcome: 'success',
        tenant,
        time: '2026-11-27T00:00:00.000Z',
        v: 1,
      };
      return [tenant, id, Buffer.from(JSON.stringify(body))] as const;
    };
    const insert = 'INSERT INTO audit_outbox (tenant_id, event_id, entry) VALUES ($1, $2, $3)';
    await withApp(async (c) => {
      await c.query('BEGIN');
      await setTenant(c, A.id);
      expect(await attempt(c, insert, [...event(A.id)])).toEqual({ code: null, rowCount: 1 });
      expect((await attempt(c, insert, [...event(B.id)])).code).toBe('42501');
      await c.query('ROLLBACK');
      await c.query('BEGIN');
      await setTenant(c, A.id);
      // The entry must be the event it claims to be: tenant and id inside the bytes match the columns.
      const [, id, bytes] = event(B.id);
      expect((await attempt(c, insert, [A.id, id, bytes])).code).toBe('23514');
      await c.query('ROLLBACK');
      // Malformed entries: not JSON, a bad action, time or outcome, an actor id that is no UUID.
      const base = {
        action: 'wall.outbox',
        actor: { kind: 'system' },
        outcome: 'success',
        tenant: A.id,
        time: '2026-11-27T00:00:00.000Z',
        v: 1,
      };
      const bad: [string, Record<string, unknown> | string][] = [
        ['22P02', 'not json at all'],
        ['23514', { ...base, action: 'Bad Action' }],
        ['23514', { ...base, time: '2026-11-27 00:00:00' }],
        ['23514', { ...base, outcome: 'maybe' }],
        ['23514', { ...base, actor: { kind: 'robot' } }],
        ['22P02', { ...base, actor: { kind: 'user', id: 'not-a-uuid' } }],
      ];
      for (const [code, body] of bad) {
        const eventId = randomUUID();
        const entry = typeof body === 'string' ? body : JSON.stringify({ ...body, id: eventId });
        await c.query('BEGIN');
        await setTenant(c, A.id);
        expect((await attempt(c, insert, [A.id, eventId, Buffer.from(entry)])).code, entry).toBe(code);
        await c.query('ROLLBACK');
      }
      for (const sql of [
        'SELECT count(*) FROM audit_outbox',
        'UPDATE audit_outbox SET entry = entry',
        'DELETE FROM audit_outbox',
        'TRUNCATE audit_outbox',
      ]) {
        await c.query('BEGIN');
        await setTenant(c, A.id);
        expect((await attempt(c, sql)).code, sql).toBe('42501');
        await c.query('ROLLBACK');
      }
    });
  });
});

describe('cross-tenant writes (§3.4.3)', () => {
  it('as tenant A, UPDATE/DELETE of B’s rows affect 0 rows and INSERT/UPDATE into B fail WITH CHECK, in every tenant table', async () => {
    const before = new Map<string, number>();
    for (const table of tenantTables) {
      before.set(
        table,
        await count(admin, `SELECT count(*) AS n FROM ${q(table)} WHERE tenant_id = $1`, [B.id]),
      );
    }
    const exercised: string[] = [];
    await withApp(async (c) => {
      await c.query('BEGIN');
      await setTenant(c, A.id);
      for (const table of tenantTables) {
        const t = q(table);
        const ofA = await count(c, `SELECT count(*) AS n FROM ${t} WHERE tenant_id = $1`, [A.id]);
        expect(ofA, table).toBeGreaterThan(0);
        if (await privilege(table, 'UPDATE')) {
          exercised.push(`${table}:update`);
          expect(
            await attempt(c, `UPDATE ${t} SET tenant_id = tenant_id WHERE tenant_id = $1`, [B.id]),
          ).toEqual({
            code: null,
            rowCount: 0,
          });
          // Unfiltered, it touches exactly A's rows.
          expect(await attempt(c, `UPDATE ${t} SET tenant_id = tenant_id`)).toEqual({
            code: null,
            rowCount: ofA,
          });
          // Moving A's row into B is refused by WITH CHECK.
          expect((await attempt(c, `UPDATE ${t} SET tenant_id = $1`, [B.id])).code, table).toBe('42501');
        } else {
          expect((await attempt(c, `UPDATE ${t} SET tenant_id = tenant_id`)).code, table).toBe('42501');
        }
        if (await privilege(table, 'DELETE')) {
          exercised.push(`${table}:delete`);
          expect(await attempt(c, `DELETE FROM ${t} WHERE tenant_id = $1`, [B.id])).toEqual({
            code: null,
            rowCount: 0,
          });
        } else {
          expect((await attempt(c, `DELETE FROM ${t} WHERE tenant_id = $1`, [B.id])).code, table).toBe(
            '42501',
          );
        }
        // A copy of one of A's rows, re-labelled as B's (every NOT NULL column filled from a real row).
        const insertAsB = `INSERT INTO ${t} SELECT (r).* FROM (
            SELECT jsonb_populate_record(NULL::${t}, to_jsonb(s) || jsonb_build_object('tenant_id', $1::uuid)) AS r
              FROM ${t} s WHERE s.tenant_id = $2 LIMIT 1) x`;
        const insert = await attempt(c, insertAsB, [B.id, A.id]);
        if (await privilege(table, 'INSERT')) exercised.push(`${table}:insert`);
        expect({ table, code: insert.code }).toEqual({ table, code: '42501' });
      }
      await c.query('ROLLBACK');
    });
    // The matrix really ran the verbs the app role holds.
    expect(exercised).toEqual(
      expect.arrayContaining(['models:update', 'models:insert', 'sessions:delete', 'memberships:delete']),
    );
    for (const table of tenantTables) {
      expect(
        await count(admin, `SELECT count(*) AS n FROM ${q(table)} WHERE tenant_id = $1`, [B.id]),
        table,
      ).toBe(before.get(table));
    }
  });

  it('with no tenant set, INSERT into any tenant fails and UPDATE/DELETE touch nothing', async () => {
    await withApp(async (c) => {
      await c.query('BEGIN');
      const insert = await attempt(
        c,
        `INSERT INTO models (tenant_id, name, created_by) VALUES ($1, 'sneaky', $2)`,
        [B.id, B.ownerId],
      );
      expect(insert.code).toBe('42501');
      expect(await attempt(c, 'UPDATE models SET name = name')).toEqual({ code: null, rowCount: 0 });
      expect(await attempt(c, 'DELETE FROM sessions')).toEqual({ code: null, rowCount: 0 });
      await c.query('ROLLBACK');
    });
  });

  it('as tenant A, the tenants and users rows of B cannot be changed', async () => {
    await withApp(async (c) => {
      await c.query('BEGIN');
      await setTenant(c, A.id);
      expect(await attempt(c, 'UPDATE tenants SET name = name WHERE id = $1', [B.id])).toEqual({
        code: null,
        rowCount: 0,
      });
      expect(await attempt(c, 'UPDATE tenants SET name = name')).toEqual({ code: null, rowCount: 1 });
      expect(
        await attempt(c, 'UPDATE users SET display_name = display_name WHERE id = ANY($1::uuid[])', [
          [B.ownerId, B.memberId, A.ownerId],
        ]),
      ).toEqual({ code: null, rowCount: 0 });
      const newTenant = await attempt(c, `INSERT INTO tenants (id, slug, name) VALUES ($1, $2, 'x')`, [
        randomUUID(),
        `wall-new-${randomBytes(4).toString('hex')}`,
      ]);
      expect(newTenant.code).toBe('42501');
      await c.query('ROLLBACK');
    });
  });

  it('an authentication-flow transaction (acting user set) cannot write the user’s session rows into a tenant they do not belong to', async () => {
    // The acting_user policy on sessions is FOR ALL with WITH CHECK (user_id = app.user_id) only: permissive
    // policies are OR-ed, so during login / changePassword (app.user_id set) a session row for the user can be
    // inserted into, or moved to, ANY tenant. See the report: acting_user must not authorize INSERT, and UPDATE
    // must keep the row inside a tenant the user is a member of.
    await withApp(async (c) => {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('app.user_id', $1, true)`, [A.ownerId]);
      const insert = await attempt(
        c,
        `INSERT INTO sessions (tenant_id, user_id, token_hash, idle_expires_at, expires_at)
         VALUES ($1, $2, $3, now() + interval '1 hour', now() + interval '8 hours')`,
        [B.id, A.ownerId, randomBytes(32)],
      );
      const move = await attempt(c, 'UPDATE sessions SET tenant_id = $1 WHERE user_id = $2', [
        B.id,
        A.ownerId,
      ]);
      await c.query('ROLLBACK');
      expect({ insert: insert.code, move: move.code }).toEqual({ insert: '42501', move: '42501' });
    });
  });
});

describe('pooled connections', () => {
  it('pg.Pool({ max: 1 }): B’s transaction on the connection that just served A sees none of A’s rows', async () => {
    const pool = new pg.Pool({ connectionString: appUrl, max: 1 });
    try {
      const pids = new Set<number>();
      for (const [me, other] of [
        [A, B],
        [B, A],
        [A, B],
      ] as const) {
        const c = await pool.connect();
        try {
          pids.add((await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
          await c.query('BEGIN');
          await c.query(`SELECT set_config('app.tenant_id', $1, true)`, [me.id]);
          for (const table of tenantTables) {
            const { rows } = await c.query<{ mine: string; theirs: string }>(
              `SELECT count(*) FILTER (WHERE tenant_id = $1) AS mine,
                      count(*) FILTER (WHERE tenant_id IS DISTINCT FROM $1) AS theirs FROM ${q(table)}`,
              [me.id],
            );
            expect({ table, theirs: rows[0]!.theirs }).toEqual({ table, theirs: '0' });
            expect(Number(rows[0]!.mine), table).toBeGreaterThan(0);
          }
          const o = await c.query('SELECT 1 FROM models WHERE id = $1', [other.modelId]);
          expect(o.rowCount).toBe(0);
          await c.query('COMMIT');
          const after = await c.query<{ v: string | null }>(
            `SELECT current_setting('app.tenant_id', true) AS v`,
          );
          expect(after.rows[0]!.v).toBe('');
          expect((await c.query('SELECT 1 FROM models')).rowCount).toBe(0);
        } finally {
          c.release();
        }
      }
      expect(pids.size).toBe(1); // really the same backend every time
    } finally {
      await pool.end();
    }
  });

  it('Db.tenantTransaction on a Prisma pool of size 1, alternating tenants 50 times, never sees the other’s rows', async () => {
    const db = new Db(
      createPrismaClient({ connectionString: appUrl, poolMax: 1, statementTimeoutMs: 5_000 }),
    );
    try {
      const pids = new Set<number>();
      const run = async (i: number): Promise<void> => {
        const me = i % 2 === 0 ? A : B;
        const other = me === A ? B : A;
        await db.tenantTransaction(me.id, async () => {
          const tx = db.tx(me.id);
          // No tenant filter on purpose: RLS alone must scope these.
          const models = await tx.model.findMany({ select: { id: true, tenantId: true } });
          const sessions = await tx.session.findMany({ select: { tenantId: true } });
          const keys = await tx.apiKey.findMany({ select: { tenantId: true } });
          const grants = await tx.modelGrant.findMany({ select: { tenantId: true } });
          expect(models.map((m) => m.id)).toEqual([me.modelId]);
          for (const row of [...models, ...sessions, ...keys, ...grants]) expect(row.tenantId).toBe(me.id);
          expect(sessions.length).toBeGreaterThan(0);
          expect(await tx.model.findFirst({ where: { id: other.modelId } })).toBeNull();
          const s = await tx.$queryRaw<{ v: string; pid: number }[]>`
            SELECT current_setting('app.tenant_id', true) AS v, pg_backend_pid() AS pid`;
          expect(s[0]!.v).toBe(me.id);
          pids.add(s[0]!.pid);
          // A repository cannot borrow this transaction for the other tenant.
          expect(() => db.tx(other.id)).toThrow(DbScopeError);
          await expect(db.tenantTransaction(other.id, () => Promise.resolve(1))).rejects.toThrow(
            DbScopeError,
          );
        });
        // Between transactions, on the same single connection: nothing is visible and nothing is set.
        const out = await db.client.$queryRaw<{ v: string | null; n: bigint }[]>`
          SELECT current_setting('app.tenant_id', true) AS v, (SELECT count(*) FROM models) AS n`;
        expect(out[0]!.v ?? '').toBe('');
        expect(Number(out[0]!.n)).toBe(0);
      };
      for (let i = 0; i < 50; i++) await run(i);
      // And concurrently: 50 transactions queued on one connection, each in its own async context.
      await Promise.all(Array.from({ length: 50 }, (_, i) => run(i)));
      expect(pids.size).toBe(1);
    } finally {
      await db.close();
    }
  });
});

describe('authentication functions', () => {
  const settings = async (c: pg.Client): Promise<Record<string, string | null>> =>
    (
      await c.query<Record<string, string | null>>(
        `SELECT current_setting('app.tenant_id', true) AS tenant_id,
                current_setting('app.auth_lookup', true) AS auth_lookup,
                current_setting('app.user_id', true) AS user_id`,
      )
    ).rows[0]!;

  it('arca_resolve_api_key with a random hash returns 0 rows and leaves no settings behind', async () => {
    await withApp(async (c) => {
      await c.query('BEGIN');
      const { rowCount } = await c.query('SELECT * FROM arca_resolve_api_key($1)', [randomBytes(32)]);
      expect(rowCount).toBe(0);
      const s = await settings(c);
      expect(s['auth_lookup'] ?? '').toBe('');
      expect(s['tenant_id'] ?? '').toBe('');
      expect(await count(c, 'SELECT count(*) AS n FROM api_keys')).toBe(0);
      await c.query('COMMIT');
      expect(await count(c, 'SELECT count(*) AS n FROM api_keys')).toBe(0);
    });
  });

  it('arca_resolve_api_key / arca_resolve_session with a real hash resolve it and still leave nothing visible', async () => {
    await withApp(async (c) => {
      await c.query('BEGIN');
      const key = await c.query<{ tenant_id: string; user_id: string; role: string }>(
        'SELECT * FROM arca_resolve_api_key($1)',
        [A.apiKeyHash],
      );
      expect(key.rows).toEqual([
        expect.objectContaining({ tenant_id: A.id, user_id: A.ownerId, role: 'owner' }),
      ]);
      expect(await settings(c)).toEqual({ tenant_id: '', auth_lookup: '', user_id: null });
      for (const table of tenantTables) {
        expect(await count(c, `SELECT count(*) AS n FROM ${q(table)}`), table).toBe(0);
      }
      const session = await c.query<{ tenant_id: string; user_id: string }>(
        'SELECT * FROM arca_resolve_session($1, 1800)',
        [B.sessionHash],
      );
      expect(session.rows).toEqual([expect.objectContaining({ tenant_id: B.id, user_id: B.ownerId })]);
      expect(await settings(c)).toEqual({ tenant_id: '', auth_lookup: '', user_id: null });
      for (const table of tenantTables) {
        expect(await count(c, `SELECT count(*) AS n FROM ${q(table)}`), table).toBe(0);
      }
      await c.query('COMMIT');
    });
  });

  it('secret_lookup exposes exactly the row whose hash is presented, read-only', async () => {
    await withApp(async (c) => {
      await c.query('BEGIN');
      await c.query(`SELECT set_config('app.auth_lookup', $1, true)`, [A.sessionHash.toString('hex')]);
      expect(await count(c, 'SELECT count(*) AS n FROM sessions')).toBe(1);
      expect(await count(c, 'SELECT count(*) AS n FROM api_keys')).toBe(0);
      expect(await count(c, 'SELECT count(*) AS n FROM invitations')).toBe(0);
      expect(await attempt(c, 'UPDATE sessions SET revoked_at = now()')).toEqual({ code: null, rowCount: 0 });
      expect(await attempt(c, 'DELETE FROM sessions')).toEqual({ code: null, rowCount: 0 });
      await c.query('ROLLBACK');
    });
  });
});

describe('migration history', () => {
  it('_prisma_migrations records the init migration with the sha256 of the file', async () => {
    const expected = createHash('sha256').update(readFileSync(MIGRATION_FILE)).digest('hex');
    const { rows } = await admin.query<{
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      applied_steps_count: number;
    }>(
      `SELECT checksum, finished_at, rolled_back_at, applied_steps_count FROM _prisma_migrations
        WHERE migration_name = $1`,
      [MIGRATION_NAME],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]!.checksum).toBe(expected);
    expect(rows[0]!.finished_at).toBeInstanceOf(Date);
    expect(rows[0]!.rolled_back_at).toBeNull();
    expect(rows[0]!.applied_steps_count).toBe(1);
  });
});
