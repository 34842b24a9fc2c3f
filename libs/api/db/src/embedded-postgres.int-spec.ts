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
    // Through the Unix socket in the data directory, which only the cluster's user (and root) can enter.
    expect(first.socketDir).toBe(dataDir);
    expect(url.searchParams.get('host')).toBe(dataDir);
    expect((await stat(join(dataDir, `.s.PGSQL.${first.port}`))).isSocket()).toBe(true);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect(await query(first.adminUrl, 'SELECT inet_server_addr() AS addr')).toEqual([{ addr: null }]);
    // The socket still asks for the password; TCP on loopback works too.
    const noPassword = new URL(first.adminUrl);
    noPassword.password = '';
    await expect(query(noPassword.toString(), 'SELECT 1')).rejects.toThrow(/password/);
    const tcp = new URL(first.adminUrl);
    tcp.searchParams.delete('host');
    expect(await query(tcp.toString(), 'SELECT inet_server_addr()::text AS addr')).toEqual([
      { addr: '127.0.0.1/32' },
    ]);
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
