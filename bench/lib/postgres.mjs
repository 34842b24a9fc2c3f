// A database for a bench run: DATABASE_URL (superuser or schema owner) when set, otherwise a throwaway
// embedded PostgreSQL 18 in a temp dir. Migrations are applied and the arca_app role gets a fresh password.

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { bootstrapDatabase, startEmbeddedPostgres, verifyAppRole } from '@arca/api-db';

/**
 * @returns {Promise<{adminUrl: string, appUrl: string, embedded: boolean, version: string,
 *                    postmasterPid: number | undefined, stop(): Promise<void>}>}
 */
export async function acquireDatabase(repo) {
  let adminUrl = process.env.DATABASE_URL;
  let stop = async () => {};
  let postmasterPid;
  const embedded = !adminUrl;
  if (embedded) {
    const dir = await mkdtemp(join(tmpdir(), 'arca-bench-pg-'));
    try {
      const server = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), persistent: false });
      adminUrl = server.adminUrl;
      // First line of postmaster.pid; used to account the CPU time of the backends.
      postmasterPid = Number((await readFile(join(dir, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
      stop = async () => {
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      };
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }
  try {
    const { appUrl } = await bootstrapDatabase({
      adminUrl,
      migrationsDir: join(repo, 'prisma', 'migrations'),
      appPassword: randomBytes(24).toString('hex'),
    });
    await verifyAppRole(appUrl);
    const version = await withClient(adminUrl, async (c) => (await c.query('SHOW server_version')).rows[0]);
    return { adminUrl, appUrl, embedded, version: version.server_version, postmasterPid, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export async function withClient(connectionString, fn) {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
