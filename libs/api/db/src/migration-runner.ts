import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

// A tiny `prisma migrate deploy` equivalent that needs no schema-engine binary. It reads and writes
// Prisma's own `_prisma_migrations` table exactly as the engine does, so both tools can take turns
// on the same database (see docs/adr/0003-migrations.md and environment.md §3.6).

/** Prisma's advisory lock key for migrations (`sql-schema-connector`, postgres flavour). */
const PRISMA_MIGRATE_LOCK_ID = 72707369;

export interface MigrationFile {
  /** Folder name, e.g. `20261127000000_init`; also `_prisma_migrations.migration_name`. */
  name: string;
  /** Absolute path of `migration.sql`. */
  path: string;
  /** Exact file text. */
  sql: string;
  /** Lowercase hex SHA-256 of the exact file bytes. */
  checksum: string;
}

export interface ApplyMigrationsOptions {
  connectionString: string;
  migrationsDir: string;
  log?: (msg: string) => void;
}

interface MigrationRow {
  id: string;
  checksum: string;
  migration_name: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** Lists `<dir>/<name>/migration.sql` in lexical folder-name order, after checking migration_lock.toml. */
export async function listMigrations(dir: string): Promise<MigrationFile[]> {
  await assertLockFile(dir);
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort(compareCodeUnits);
  return Promise.all(names.map((name) => readMigration(dir, name)));
}

/** Applies every pending migration under an advisory lock; returns the names it applied, in order. */
export async function applyMigrations(opts: ApplyMigrationsOptions): Promise<{ applied: string[] }> {
  const log = opts.log ?? (() => undefined);
  const migrations = await listMigrations(opts.migrationsDir);
  const client = new pg.Client({ connectionString: opts.connectionString });
  // A dropped connection also rejects the pending query; this only keeps it from crashing the process.
  client.on('error', (err) => log(`migration connection error: ${err.message}`));
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_ID]);
    try {
      const table = migrationsTable(opts.connectionString);
      await ensureMigrationsTable(client, table);
      const pending = await pendingMigrations(client, table, migrations, log);
      const applied: string[] = [];
      for (const migration of pending) {
        await applyOne(client, table, migration, log);
        applied.push(migration.name);
      }
      log(applied.length ? `applied ${applied.length} migration(s)` : 'database is up to date');
      return { applied };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_ID]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function assertLockFile(dir: string): Promise<void> {
  const lockPath = join(dir, 'migration_lock.toml');
  let text: string;
  try {
    text = await readFile(lockPath, 'utf8');
  } catch (err) {
    throw new Error(
      `Missing ${lockPath}: expected a Prisma migration lock file with provider = "postgresql"`,
      {
        cause: err,
      },
    );
  }
  const provider = /^\s*provider\s*=\s*"([^"]*)"/m.exec(text)?.[1];
  if (provider !== 'postgresql') {
    throw new Error(
      `${lockPath} must declare provider = "postgresql" (found ${provider ? `"${provider}"` : 'none'})`,
    );
  }
}

async function readMigration(dir: string, name: string): Promise<MigrationFile> {
  const path = join(dir, name, 'migration.sql');
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new Error(`Migration folder "${name}" has no migration.sql (${path})`, { cause: err });
  }
  return { name, path, sql: bytes.toString('utf8'), checksum: sha256Hex(bytes) };
}

/** `public` unless the URL says `?schema=` (Prisma's convention); returned quoted for SQL. */
function migrationsTable(connectionString: string): string {
  const schema = new URL(connectionString).searchParams.get('schema') ?? 'public';
  return `${pg.escapeIdentifier(schema)}."_prisma_migrations"`;
}

/** Prisma's DDL, verbatim apart from IF NOT EXISTS. */
async function ensureMigrationsTable(client: pg.Client, table: string): Promise<void> {
  await client.query(`CREATE TABLE IF NOT EXISTS ${table} (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
  )`);
}

/** Checks the recorded history against the folders and returns what is left to apply. */
async function pendingMigrations(
  client: pg.Client,
  table: string,
  migrations: MigrationFile[],
  log: (msg: string) => void,
): Promise<MigrationFile[]> {
  const { rows } = await client.query<MigrationRow>(
    `SELECT id, checksum, migration_name, finished_at, rolled_back_at FROM ${table} ORDER BY started_at, id`,
  );
  // Rolled-back rows are history only: Prisma treats those migrations as not applied.
  const live = rows.filter((r) => r.rolled_back_at === null);
  assertNoFailedMigration(live);
  const byName = new Map(migrations.map((m) => [m.name, m]));
  const appliedNames = new Set<string>();
  for (const row of live) {
    appliedNames.add(row.migration_name);
    const file = byName.get(row.migration_name);
    if (!file) {
      log(`warning: migration "${row.migration_name}" is recorded in the database but has no folder`);
    } else if (!checksumMatches(file, row.checksum)) {
      throw new Error(
        `Migration "${row.migration_name}" was modified after it was applied (checksum mismatch for ${file.path}); ` +
          'restore the original file and put the change in a new migration',
      );
    }
  }
  return migrations.filter((m) => !appliedNames.has(m.name));
}

/** Prisma P3009: a started-but-unfinished migration blocks everything until it is resolved. */
function assertNoFailedMigration(rows: MigrationRow[]): void {
  const failed = rows.filter((r) => r.finished_at === null).map((r) => `"${r.migration_name}"`);
  if (failed.length > 0) {
    throw new Error(
      `Migration ${failed.join(', ')} failed earlier and is still recorded as started (Prisma P3009). ` +
        'Fix the database by hand, then mark it with `prisma migrate resolve --applied` or `--rolled-back`; ' +
        'no migrations were applied.',
    );
  }
}

async function applyOne(
  client: pg.Client,
  table: string,
  migration: MigrationFile,
  log: (msg: string) => void,
): Promise<void> {
  const id = randomUUID();
  log(`applying migration ${migration.name}`);
  await client.query(
    `INSERT INTO ${table} (id, checksum, migration_name, started_at) VALUES ($1, $2, $3, now())`,
    [id, migration.checksum, migration.name],
  );
  try {
    // No parameters → one simple-query message → one implicit transaction for the whole script.
    await client.query(migration.sql);
  } catch (err) {
    const message = describePgError(err);
    await client.query(`UPDATE ${table} SET logs = $2 WHERE id = $1`, [id, message]);
    throw new Error(`Migration "${migration.name}" failed and was rolled back: ${message}`, { cause: err });
  }
  await client.query(
    `UPDATE ${table} SET applied_steps_count = applied_steps_count + 1, finished_at = now() WHERE id = $1`,
    [id],
  );
}

function describePgError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const { code, detail, position } = err as Error & { code?: string; detail?: string; position?: string };
  const extras = [code && `code ${code}`, position && `position ${position}`, detail].filter(Boolean);
  return extras.length ? `${err.message} (${extras.join('; ')})` : err.message;
}

/** Like Prisma: the exact text, or its CRLF→LF / LF→CRLF variants; old rows may lack zero padding. */
function checksumMatches(file: MigrationFile, recorded: string): boolean {
  if (recorded === file.checksum) return true;
  const lf = file.sql.replace(/\r\n/g, '\n');
  const variants = [file.sql, lf, lf.replace(/\n/g, '\r\n')];
  return variants.some((text) => {
    const digest = createHash('sha256').update(text, 'utf8').digest();
    return recorded === digest.toString('hex') || recorded === unpaddedHex(digest);
  });
}

function sha256Hex(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function unpaddedHex(bytes: Buffer): string {
  return [...bytes].map((b) => b.toString(16)).join('');
}

/** Byte-wise order like Rust's `str` ordering, independent of locale. */
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
