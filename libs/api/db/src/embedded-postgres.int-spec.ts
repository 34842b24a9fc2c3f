import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded-postgres.js';

// Two cluster starts in total (~1 s each): create + restart of one persistent cluster.

describe('startEmbeddedPostgres (persistent)', () => {
  let dir: string | undefined;
  const running: EmbeddedPostgresHandle[] = [];

  afterAll(async () => {
    await Promise.all(running.map((server) => server.stop()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps data and the password file across a restart; stop() is idempotent', async () => {
    dir = await mkdtemp(join(tmpdir(), 'arca-embedded-'));
    const dataDir = join(dir, 'data');
    const passwordFile = `${dataDir}.password`;

    const first = await startEmbeddedPostgres({ dataDir, persistent: true });
    running.push(first);
    const url = new URL(first.adminUrl);
    expect(url.hostname).toBe('127.0.0.1');
    expect(url.port).toBe(String(first.port));
    expect(url.pathname).toBe('/arca');
    expect(url.username).toBe('postgres');
    const password = (await readFile(passwordFile, 'utf8')).trim();
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect(url.password).toBe(password);
    expect((await stat(passwordFile)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o755); // mkdtemp made it 0700
    expect(await query(first.adminUrl, 'SHOW server_version')).toEqual([
      { server_version: expect.stringMatching(/^18\./) },
    ]);
    await query(first.adminUrl, 'CREATE TABLE kept (v TEXT)');
    await query(first.adminUrl, "INSERT INTO kept VALUES ('still here')");

    await first.stop();
    await first.stop();
    await expect(query(first.adminUrl, 'SELECT 1')).rejects.toThrow();

    const second = await startEmbeddedPostgres({ dataDir, persistent: true });
    running.push(second);
    expect((await readFile(passwordFile, 'utf8')).trim()).toBe(password);
    expect(new URL(second.adminUrl).password).toBe(password);
    expect(await query(second.adminUrl, 'SELECT v FROM kept')).toEqual([{ v: 'still here' }]);
    await second.stop();
    expect((await stat(join(dataDir, 'PG_VERSION'))).isFile()).toBe(true);
  });
});

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
