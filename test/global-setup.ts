import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { bootstrapDatabase, verifyAppRole } from '../libs/api/db/src/bootstrap.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../libs/api/db/src/embedded-postgres.js';

// One Postgres for the whole run: DATABASE_URL when set (CI gives a fresh database), otherwise a
// throwaway embedded PostgreSQL 18. Tests receive the URLs through `inject()` (test/provided-context.d.ts).

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  buildWorkspace();
  const { adminUrl, teardown } = await acquireDatabase();
  try {
    const { appUrl } = await bootstrapDatabase({
      adminUrl,
      migrationsDir: join(repoRoot, 'prisma', 'migrations'),
      appPassword: randomBytes(24).toString('hex'),
    });
    await verifyAppRole(appUrl);
    process.stderr.write(`[global-setup] tests run on ${await describeServer(adminUrl)}\n`);
    project.provide('databaseAdminUrl', adminUrl);
    project.provide('databaseAppUrl', appUrl);
  } catch (err) {
    await teardown();
    throw err;
  }
  return teardown;
}

/**
 * The ONNX validation worker runs as a child process from libs/onnx/dist, so that package is built first (its build
 * also copies the generated protobuf code). ARCA_TEST_SKIP_BUILD=1 skips it when the caller has just built.
 */
function buildWorkspace(): void {
  if (process.env['ARCA_TEST_SKIP_BUILD'] === '1') return;
  const started = Date.now();
  const r = spawnSync('npm', ['run', 'build', '--silent', '-w', '@arca/onnx'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NO_COLOR: '1' },
  });
  if (r.status !== 0) throw new Error(`building libs/onnx failed (exit ${r.status ?? r.signal})`);
  process.stderr.write(`[global-setup] libs/onnx built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

async function acquireDatabase(): Promise<{ adminUrl: string; teardown: () => Promise<void> }> {
  const external = process.env['DATABASE_URL'];
  if (external) return { adminUrl: external, teardown: () => Promise.resolve() };
  const dir = await mkdtemp(join(tmpdir(), 'arca-test-pg-'));
  let server: EmbeddedPostgresHandle;
  try {
    server = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), persistent: false });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    adminUrl: server.adminUrl,
    teardown: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** e.g. `PostgreSQL 18.4 (embedded) at 127.0.0.1:41234/arca`: no credentials. */
async function describeServer(adminUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    const url = new URL(adminUrl);
    const origin = process.env['DATABASE_URL'] ? 'DATABASE_URL' : 'embedded';
    return `PostgreSQL ${rows[0]?.server_version ?? '?'} (${origin}) at ${url.host}${url.pathname}`;
  } finally {
    await client.end();
  }
}
