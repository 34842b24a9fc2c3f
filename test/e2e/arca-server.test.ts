import { mkdtempSync, chmodSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { checkApiKey } from '@arca/contracts';
import { main as cli, type CliIo } from '../../apps/cli/src/main.js';
import { main } from '../../apps/api/src/main.js';
import { TEST_MASTER_KEY, TEST_PEPPER } from '../../apps/api/test/support/harness.js';

// End to end across apps: the server's admin command and start-up, driven together with the `arca` CLI.

interface Captured {
  out: string[];
  err: string[];
}

function io(env: Record<string, string>, stop?: Promise<unknown>) {
  const captured: Captured = { out: [], err: [] };
  return {
    captured,
    io: {
      out: (t: string) => captured.out.push(t),
      err: (t: string) => captured.err.push(t),
      env: { LOG_LEVEL: 'silent', ARCA_DATA_DIR: mkdtempSync(join(tmpdir(), 'arca-srv-')), ...env },
      stop,
    },
  };
}

const external = () => ({
  DATABASE_URL: inject('databaseAdminUrl'),
  DATABASE_APP_URL: inject('databaseAppUrl'),
  ARCA_API_KEY_PEPPER: TEST_PEPPER,
  ARCA_MASTER_KEY: TEST_MASTER_KEY,
});

describe('arca-server', () => {
  it('rotate-master-key refuses to run without the previous key, and says how to run it', async () => {
    const run = io({ ...external(), ARCA_AUDIT_SEQUENCER: 'false', ARCA_JOBS_ENABLED: 'false' });
    const code = await main(['node', 'arca-server', 'rotate-master-key'], run.io);
    expect(code).toBe(2);
    expect(run.captured.err.join('\n')).toMatch(/ARCA_MASTER_KEY_PREVIOUS/);
  });

  it('create-tenant --json prints the owner password and a working API key', async () => {
    const slug = `srv-${Date.now().toString(36)}`;
    const run = io(external());
    const code = await main(
      [
        'node',
        'arca-server',
        'create-tenant',
        '--slug',
        slug,
        '--owner-email',
        'Boss@Example.test',
        '--json',
      ],
      run.io,
    );
    expect(run.captured.err).toEqual([]);
    expect(code).toBe(0);
    const result = JSON.parse(run.captured.out.join('\n')) as {
      tenant: { slug: string };
      owner: { email: string; password: string };
      apiKey: string;
    };
    expect(result.tenant.slug).toBe(slug);
    expect(result.owner.email).toBe('boss@example.test');
    expect(result.owner.password.length).toBeGreaterThanOrEqual(16);
    expect(checkApiKey(result.apiKey)).toBe('ok');

    const again = io(external());
    expect(
      await main(
        ['node', 'arca-server', 'create-tenant', '--slug', slug, '--owner-email', 'x@example.test'],
        again.io,
      ),
    ).toBe(1);
    expect(again.captured.err.join('\n')).toMatch(/taken/);
  });

  it('rejects bad arguments and bad configuration with clear messages', async () => {
    const bad = io(external());
    expect(
      await main(
        ['node', 'arca-server', 'create-tenant', '--slug', 'Bad Slug!', '--owner-email', 'a@b.test'],
        bad.io,
      ),
    ).toBe(2);
    expect(bad.captured.err.join('\n')).toMatch(/slug/);
    const missing = io(external());
    expect(await main(['node', 'arca-server', 'create-tenant', '--slug', 'abc'], missing.io)).toBe(2);
    expect(missing.captured.err.join('\n')).toMatch(/owner-email/);
    const config = io({ ...external(), PORT: 'eighty' });
    expect(await main(['node', 'arca-server', 'migrate'], config.io)).toBe(1);
    expect(config.captured.err.join('\n')).toMatch(/PORT/);
  });

  it('start: embedded Postgres, demo tenant once, CLI login, clean stop, data reused on restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'arca-start-'));
    chmodSync(dataDir, 0o755);
    const env = { ARCA_DATA_DIR: join(dataDir, 'data'), PORT: '0', LOG_LEVEL: 'silent' };
    const boot = async () => {
      let release!: () => void;
      const run = io(env, new Promise<void>((r) => (release = r)));
      const done = main(['node', 'arca-server', 'start'], run.io);
      const deadline = Date.now() + 60_000;
      while (!run.captured.out.some((l) => l.startsWith('Log in:')) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const url = /at (http:\/\/localhost:\d+)\/graphql/.exec(run.captured.out.join('\n'))?.[1];
      return { run, done, url, release };
    };

    const first = await boot();
    expect(first.url).toBeDefined();
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    const output = first.run.captured.out.join('\n');
    expect(output).toMatch(/Created the demo tenant "demo"/);
    const credsFile = join(env.ARCA_DATA_DIR, 'demo-credentials.json');
    expect(statSync(credsFile).mode & 0o777).toBe(0o600);
    const creds = JSON.parse(readFileSync(credsFile, 'utf8')) as { apiKey: string; password: string };
    expect(output).toContain(creds.apiKey);

    const cliOut: string[] = [];
    const cliIo = {
      stdout: { write: (s: string) => (cliOut.push(s), true) },
      stderr: { write: (s: string) => (cliOut.push(s), true) },
      env: { ARCA_CONFIG_DIR: join(dataDir, 'cli'), ARCA_API_KEY: creds.apiKey },
    } as unknown as CliIo;
    expect(await cli(['node', 'arca', 'login', '--server', first.url as string], cliIo)).toBe(0);
    expect(await cli(['node', 'arca', 'models', 'create', 'persisted-model'], cliIo)).toBe(0);
    first.release();
    expect(await first.done).toBe(0);
    expect(first.run.captured.out.at(-1)).toBe('Arca stopped.');

    const second = await boot();
    expect(second.run.captured.out.join('\n')).toMatch(/Demo tenant "demo" .*credentials are in/);
    expect(await cli(['node', 'arca', 'login', '--server', second.url as string], cliIo)).toBe(0);
    cliOut.length = 0;
    expect(await cli(['node', 'arca', 'models', 'show', 'persisted-model', '--json'], cliIo)).toBe(0);
    expect(cliOut.join('')).toContain('"name": "persisted-model"');
    second.release();
    expect(await second.done).toBe(0);
  }, 120_000);

  it('arca audit verify: valid on first use (key pinned), then names the first bad sequence number after a superuser edit', async () => {
    const env = {
      ...external(),
      PORT: '0',
      ARCA_DEMO_TENANT: 'false',
      ARCA_AUDIT_CHECKPOINT_INTERVAL_MS: '200',
    };
    let release!: () => void;
    const server = io(env, new Promise<void>((r) => (release = r)));
    const done = main(['node', 'arca-server', 'start'], server.io);
    const deadline = Date.now() + 60_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /at (http:\/\/localhost:\d+)\/graphql/.exec(server.captured.out.join('\n'))?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 100));
    }
    expect(url).toBeDefined();
    const slug = `aud-${Date.now().toString(36)}`;
    const created = io(external());
    expect(
      await main(
        ['node', 'arca-server', 'create-tenant', '--slug', slug, '--owner-email', `o@${slug}.test`, '--json'],
        created.io,
      ),
    ).toBe(0);
    const { apiKey, tenant } = JSON.parse(created.captured.out.join('\n')) as {
      apiKey: string;
      tenant: { id: string };
    };
    const out: string[] = [];
    const cliIo = {
      stdout: { write: (s: string) => (out.push(s), true) },
      stderr: { write: (s: string) => (out.push(s), true) },
      env: {
        ARCA_CONFIG_DIR: mkdtempSync(join(tmpdir(), 'arca-cli-audit-')),
        ARCA_API_KEY: apiKey,
        ARCA_SERVER: url!,
      },
    } as unknown as CliIo;
    for (let i = 0; i < 4; i++) {
      expect(await cli(['node', 'arca', 'models', 'create', `audited-${i}`], cliIo)).toBe(0);
    }
    // Wait until a checkpoint covers the models (the sequencer signs at most every 200 ms here).
    let verdict = 1;
    for (let i = 0; i < 100 && verdict !== 0; i++) {
      out.length = 0;
      // --reset: every poll is a first use, so the run that counts pins the key.
      verdict = await cli(['node', 'arca', 'audit', 'verify', '--reset', '--json'], cliIo);
      const report = JSON.parse(out.join('') || '{}') as { checkpoint?: { size: number } };
      if (verdict === 0 && (report.checkpoint?.size ?? 0) < 7) verdict = 1;
      if (verdict !== 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(verdict).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ valid: true, pinnedNow: true });
    out.length = 0;
    expect(
      await cli(['node', 'arca', 'audit', 'events', '--action', 'model.', '--oldest-first'], cliIo),
    ).toBe(0);
    expect(out.join('')).toMatch(/model\.create/);

    const admin = new pg.Client({ connectionString: inject('databaseAdminUrl') });
    await admin.connect();
    try {
      await admin.query('BEGIN');
      await admin.query('SET LOCAL session_replication_role = replica');
      await admin.query(
        `UPDATE audit_entries SET entry = convert_to(replace(convert_from(entry, 'UTF8'), 'audited-2', 'audited-X'), 'UTF8')
          WHERE tenant_id = $1 AND action = 'model.create' AND convert_from(entry, 'UTF8') LIKE '%audited-2%'`,
        [tenant.id],
      );
      await admin.query('COMMIT');
      const { rows } = await admin.query<{ seq: string }>(
        `SELECT seq FROM audit_entries WHERE tenant_id = $1 AND convert_from(entry, 'UTF8') LIKE '%audited-X%'`,
        [tenant.id],
      );
      out.length = 0;
      expect(await cli(['node', 'arca', 'audit', 'verify'], cliIo)).toBe(1);
      expect(out.join('')).toContain(`first bad sequence number: ${rows[0]!.seq}`);
    } finally {
      await admin.end();
    }
    release();
    expect(await done).toBe(0);
  }, 120_000);
});
