import { randomBytes, randomUUID } from 'node:crypto';
// apps/api/package.json does not list pg (it reaches the app through @arca/api-db), as in db-wall.test.ts.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Db, DbScopeError, createPrismaClient } from '@arca/api-db';
import { JobQueue, JobQueueError, type Job, type JobData } from '@arca/api-jobs';

// The job queue (ADR 0007) against the suite's Postgres, as the application role: transactional enqueue, exactly
// one run across two "replicas", pg-boss retries with backoff, workers off, and the app role's grants on pgboss.

const adminUrl = inject('databaseAdminUrl');
const appUrl = inject('databaseAppUrl');

let admin: pg.Client;
let db: Db;
const queues: JobQueue[] = [];
const tenantId = randomUUID();

function queue(workers = true): JobQueue {
  const q = new JobQueue(db, { connectionString: appUrl, workers, pollIntervalMs: 500, poolMax: 2 });
  queues.push(q);
  return q;
}

/** Queues belong to migrations; tests create theirs as the owner, like a migration would. */
async function createQueue(options: Record<string, unknown> = {}): Promise<string> {
  const name = `test-${randomBytes(5).toString('hex')}`;
  await admin.query('SELECT pgboss.create_queue($1, $2::json)', [name, JSON.stringify(options)]);
  return name;
}

async function jobRows(name: string): Promise<{ id: string; state: string; retry_count: number }[]> {
  return (
    await admin.query<{ id: string; state: string; retry_count: number }>(
      'SELECT id::text, state::text, retry_count FROM pgboss.job WHERE name = $1 ORDER BY created_on',
      [name],
    )
  ).rows;
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  db = new Db(createPrismaClient({ connectionString: appUrl, poolMax: 4, statementTimeoutMs: 5_000 }));
});

afterAll(async () => {
  await Promise.all(queues.map((q) => q.stop(2_000)));
  await db?.close();
  await admin?.end();
});

describe('JobQueue.send inside a Db transaction', () => {
  it('a job sent in a rolled-back transaction never exists; one sent in a committed one runs exactly once on two replicas', async () => {
    const name = await createQueue();
    const runs: { replica: number; job: Job }[] = [];
    const [r1, r2] = [queue(), queue()];
    for (const [i, q] of [r1, r2].entries()) {
      await q.work<JobData>(name, {}, async (job) => {
        runs.push({ replica: i, job });
        await pause(20);
      });
      await q.start();
    }

    await expect(
      db.tenantTransaction(tenantId, async () => {
        await r1.send(name, { tenantId, kind: 'rolled-back' });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');

    const ids = await db.tenantTransaction(tenantId, async () => {
      const sent: string[] = [];
      for (let i = 0; i < 12; i++) sent.push((await r2.send(name, { tenantId, kind: 'committed', i }))!);
      // Not visible to anyone else before the business transaction commits.
      expect(await jobRows(name)).toEqual([]);
      return sent;
    });

    await until('12 runs', () => runs.length >= 12);
    await pause(1_500); // any duplicate would have been fetched by now
    expect(runs.map((r) => r.job.id).sort()).toEqual([...ids].sort());
    expect(new Set(runs.map((r) => r.job.id)).size).toBe(12);
    expect(runs.every((r) => r.job.data.kind === 'committed' && r.job.data.tenantId === tenantId)).toBe(true);
    const rows = await jobRows(name);
    expect(rows.map((r) => r.state)).toEqual(Array(12).fill('completed'));
  });

  it('refuses a job without a tenant, and a job for another tenant than the open transaction', async () => {
    const name = await createQueue();
    const q = queue(false);
    await expect(q.send(name, { tenantId: 'nope' })).rejects.toBeInstanceOf(JobQueueError);
    await expect(
      db.tenantTransaction(tenantId, () => q.send(name, { tenantId: randomUUID() })),
    ).rejects.toBeInstanceOf(DbScopeError);
    expect(await jobRows(name)).toEqual([]);
  });

  it('outside a transaction a job commits at once; with workers off nothing consumes it', async () => {
    const name = await createQueue();
    const q = queue(false);
    let ran = false;
    await q.work(name, {}, () => {
      ran = true;
      return Promise.resolve();
    });
    await q.start();
    const id = await q.send(name, { tenantId });
    await pause(1_200);
    expect(ran).toBe(false);
    expect(await jobRows(name)).toEqual([{ id, state: 'created', retry_count: 0 }]);
    expect(await q.queueSize(name)).toBe(1);
  });

  it('a handler works in its job’s tenant transaction (RLS context set, never bypassed)', async () => {
    const name = await createQueue();
    const q = queue();
    const seen: string[] = [];
    await q.work<JobData>(name, {}, (job) =>
      db.tenantTransaction(job.data.tenantId, async () => {
        const rows = await db.sql<{ t: string }>(job.data.tenantId, {
          text: `SELECT current_setting('app.tenant_id', true) AS t`,
        });
        seen.push(rows[0]!.t);
      }),
    );
    await q.start();
    await q.send(name, { tenantId });
    await until('the handler', () => seen.length === 1);
    expect(seen).toEqual([tenantId]);
  });
});

describe('retries', () => {
  it('a failing handler is retried with exponential backoff, then succeeds', async () => {
    const name = await createQueue();
    const q = queue();
    const runs: { at: number; retryCount: number }[] = [];
    await q.work(name, {}, (job) => {
      runs.push({ at: Date.now(), retryCount: job.retryCount });
      return runs.length < 3 ? Promise.reject(new Error(`attempt ${runs.length} fails`)) : Promise.resolve();
    });
    await q.start();
    const id = await q.send(name, { tenantId }, { retryLimit: 3, retryDelay: 1, retryBackoff: true });
    await until('three runs', () => runs.length === 3, 20_000);
    expect(runs.map((r) => r.retryCount)).toEqual([0, 1, 2]);
    // pg-boss: delay · 2^(n+1)/2 · (1 + random) seconds → ≥ 1 s, then ≥ 2 s.
    expect(runs[1]!.at - runs[0]!.at).toBeGreaterThanOrEqual(950);
    expect(runs[2]!.at - runs[1]!.at).toBeGreaterThanOrEqual(1_950);
    await until('completion', async () => (await jobRows(name))[0]?.state === 'completed');
    expect(await jobRows(name)).toEqual([{ id, state: 'completed', retry_count: 2 }]);
  }, 30_000);

  it('gives up (state failed) once the retry limit is spent', async () => {
    const name = await createQueue();
    const q = queue();
    let runs = 0;
    await q.work(name, {}, () => {
      runs++;
      return Promise.reject(new Error('always fails'));
    });
    await q.start();
    await q.send(name, { tenantId }, { retryLimit: 1, retryDelay: 1 });
    await until('failed state', async () => (await jobRows(name))[0]?.state === 'failed', 15_000);
    await pause(1_200);
    expect(runs).toBe(2);
  });
});

describe('the pgboss schema and the application role', () => {
  async function attempt(c: pg.Client, sql: string): Promise<string | null> {
    await c.query('SAVEPOINT probe');
    try {
      await c.query(sql);
      await c.query('RELEASE SAVEPOINT probe');
      return null;
    } catch (err) {
      await c.query('ROLLBACK TO SAVEPOINT probe');
      return (err as { code?: string }).code ?? 'unknown';
    }
  }

  it('arca_app may use the queue tables but not alter, drop, truncate or create anything', async () => {
    const c = new pg.Client({ connectionString: appUrl });
    await c.connect();
    try {
      await c.query('BEGIN');
      expect(await attempt(c, 'SELECT count(*) FROM pgboss.job')).toBeNull();
      expect(await attempt(c, 'SELECT version FROM pgboss.version')).toBeNull();
      for (const sql of [
        'DROP TABLE pgboss.job',
        'DROP SCHEMA pgboss CASCADE',
        'ALTER TABLE pgboss.job ADD COLUMN x int',
        'ALTER TABLE pgboss.archive DISABLE TRIGGER ALL',
        'TRUNCATE pgboss.job',
        'TRUNCATE pgboss.archive',
        'CREATE TABLE pgboss.sneaky (id int)',
        "SELECT pgboss.create_queue('sneaky', '{}'::json)",
        "SELECT pgboss.delete_queue('webhook-delivery')",
        "INSERT INTO pgboss.queue (name) VALUES ('sneaky')",
        "DELETE FROM pgboss.queue WHERE name = 'webhook-delivery'",
        'UPDATE pgboss.queue SET retry_limit = 100',
        'DELETE FROM pgboss.version',
        "INSERT INTO pgboss.schedule (name, cron) VALUES ('webhook-delivery', '* * * * *')",
        'SELECT * FROM pgboss.subscription',
      ]) {
        expect({ sql, code: await attempt(c, sql) }).toEqual({ sql, code: '42501' });
      }
      await c.query('ROLLBACK');
    } finally {
      await c.end();
    }
  });

  it('the migration installed pg-boss schema version 24 and the webhook-delivery queue', async () => {
    const { rows } = await admin.query<{ version: number; n: string }>(
      `SELECT version, (SELECT count(*) FROM pgboss.queue WHERE name = 'webhook-delivery') AS n FROM pgboss.version`,
    );
    expect(rows).toEqual([{ version: 24, n: '1' }]);
  });

  it('a worker for a queue no migration created is refused with a clear error', async () => {
    const q = queue();
    await q.start();
    await expect(q.work('no-such-queue', {}, () => Promise.resolve())).rejects.toThrow(
      /create it in a migration/,
    );
  });
});
