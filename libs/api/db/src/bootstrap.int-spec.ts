import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { bootstrapDatabase, verifyAppRole } from './bootstrap.js';

// Roles are cluster-wide, so these tests use their own role names and never touch `arca_app`'s password.

const adminUrl = inject('databaseAdminUrl');
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('verifyAppRole', () => {
  it('accepts the suite’s arca_app URL', async () => {
    await expect(verifyAppRole(inject('databaseAppUrl'))).resolves.toBeUndefined();
    expect(await query(inject('databaseAppUrl'), 'SELECT current_user AS u')).toEqual([{ u: 'arca_app' }]);
  });

  it('refuses the superuser admin URL', async () => {
    await expect(verifyAppRole(adminUrl)).rejects.toThrow(/privileged database role: .*is a superuser/);
  });
});

describe('bootstrapDatabase', () => {
  it('migrates, enables login for the app role and returns a working, unprivileged app URL', async () => {
    const role = `arca_t_${randomBytes(4).toString('hex')}`;
    const scratch = await scratchDatabase(role, '?application_name=arca_bootstrap_test');
    const migrationsDir = await migrations({
      '001_init': `CREATE ROLE ${role} NOLOGIN;
        CREATE TABLE widgets (id INT PRIMARY KEY);
        INSERT INTO widgets VALUES (1);
        GRANT SELECT ON widgets TO ${role};`,
    });
    const appPassword = `q'uote\\back"slash %41 ${randomBytes(8).toString('hex')}`;

    const { appUrl } = await bootstrapDatabase({
      adminUrl: scratch,
      migrationsDir,
      appRole: role,
      appPassword,
    });

    const app = new URL(appUrl);
    const admin = new URL(scratch);
    expect([app.host, app.pathname, app.search]).toEqual([admin.host, admin.pathname, admin.search]);
    expect(app.username).toBe(role);
    expect(await query(appUrl, 'SELECT current_user AS u, id FROM widgets')).toEqual([{ u: role, id: 1 }]);
    await expect(verifyAppRole(appUrl)).resolves.toBeUndefined();

    // Same call again: nothing to migrate, password still valid.
    await bootstrapDatabase({ adminUrl: scratch, migrationsDir, appRole: role, appPassword });
    await expect(verifyAppRole(appUrl)).resolves.toBeUndefined();

    await query(scratch, `ALTER TABLE widgets OWNER TO ${role}`);
    await expect(verifyAppRole(appUrl)).rejects.toThrow(/owns tables \(public\.widgets\)/);
    await query(scratch, `ALTER TABLE widgets OWNER TO CURRENT_USER`);
    await query(scratch, `ALTER ROLE ${role} BYPASSRLS`);
    await expect(verifyAppRole(appUrl)).rejects.toThrow(/has BYPASSRLS/);
  });

  it('creates the app role when the migrations did not, as NOLOGIN without a password', async () => {
    const role = `arca_t_${randomBytes(4).toString('hex')}`;
    const scratch = await scratchDatabase(role);
    const migrationsDir = await migrations({ '001_init': 'CREATE TABLE things (id INT);' });

    const { appUrl } = await bootstrapDatabase({ adminUrl: scratch, migrationsDir, appRole: role });

    expect(new URL(appUrl).username).toBe(role);
    expect(new URL(appUrl).password).toBe('');
    expect(
      await query(
        scratch,
        `SELECT rolcanlogin, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole
                                   FROM pg_roles WHERE rolname = '${role}'`,
      ),
    ).toEqual([
      { rolcanlogin: false, rolsuper: false, rolbypassrls: false, rolcreatedb: false, rolcreaterole: false },
    ]);
  });
});

/** A fresh database (dropped after the test) plus cleanup of the cluster-wide test role. */
async function scratchDatabase(role: string, search = ''): Promise<string> {
  const name = `arca_boot_${randomBytes(6).toString('hex')}`;
  await query(adminUrl, `CREATE DATABASE ${name}`);
  cleanups.push(async () => {
    await query(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await query(adminUrl, `DROP ROLE IF EXISTS ${role}`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  url.search = search;
  return url.toString();
}

async function migrations(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'arca-boot-migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'migration_lock.toml'), 'provider = "postgresql"\n');
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

async function query(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}
