import pg from 'pg';
import { applyMigrations } from './migration-runner.js';

// Brings a database to the current schema as the admin, then hands out a URL for the unprivileged
// application role that row-level security applies to (docs/adr/0001-tenant-wall.md).

export interface BootstrapDatabaseOptions {
  /** Superuser or schema-owner URL; used for migrations and role setup only. */
  adminUrl: string;
  migrationsDir: string;
  /** Application role; default `arca_app`. */
  appRole?: string;
  /** When given, the role gets LOGIN with this password. */
  appPassword?: string;
  log?: (msg: string) => void;
}

export const DEFAULT_APP_ROLE = 'arca_app';

/**
 * Applies pending migrations, makes sure the app role exists and (with `appPassword`) can log in.
 * `appUrl` is `adminUrl` with the app role's credentials; without `appPassword` it carries no password.
 */
export async function bootstrapDatabase(opts: BootstrapDatabaseOptions): Promise<{ appUrl: string }> {
  const role = opts.appRole ?? DEFAULT_APP_ROLE;
  await applyMigrations({
    connectionString: opts.adminUrl,
    migrationsDir: opts.migrationsDir,
    log: opts.log,
  });
  await withClient(opts.adminUrl, async (client) => {
    await ensureRole(client, role, opts.log);
    if (opts.appPassword !== undefined) await enableLogin(client, role, opts.appPassword);
  });
  return { appUrl: withCredentials(opts.adminUrl, role, opts.appPassword) };
}

/**
 * Refuses a privileged database identity: superuser, BYPASSRLS, or owner (directly or through role
 * membership) of any table outside the system schemas. Called by the server at boot.
 */
export async function verifyAppRole(appUrl: string): Promise<void> {
  const problems = await withClient(appUrl, async (client) => {
    const { rows } = await client.query<{
      role: string;
      rolsuper: boolean;
      rolbypassrls: boolean;
      owned: string[];
    }>(
      `SELECT r.rolname AS role, r.rolsuper, r.rolbypassrls,
              ARRAY(SELECT format('%I.%I', t.schemaname, t.tablename)
                      FROM pg_tables t
                     WHERE t.schemaname NOT IN ('pg_catalog', 'information_schema')
                       AND t.schemaname NOT LIKE 'pg\\_temp\\_%'
                       AND pg_has_role(current_user, t.tableowner, 'MEMBER')
                     ORDER BY 1 LIMIT 5) AS owned
         FROM pg_roles r
        WHERE r.rolname = current_user`,
    );
    const row = rows[0];
    if (!row) return ['current_user not found in pg_roles'];
    const found: string[] = [];
    if (row.rolsuper) found.push('is a superuser');
    if (row.rolbypassrls) found.push('has BYPASSRLS');
    if (row.owned.length > 0) found.push(`owns tables (${row.owned.join(', ')})`);
    return found.map((p) => `role "${row.role}" ${p}`);
  });
  if (problems.length > 0) {
    throw new Error(
      `Refusing to run with a privileged database role: ${problems.join('; ')}. ` +
        'Row-level security would not apply; connect as the unprivileged application role instead.',
    );
  }
}

async function ensureRole(client: pg.Client, role: string, log?: (msg: string) => void): Promise<void> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if (rowCount) return;
  log?.(`creating role ${role}`);
  try {
    await client.query(
      `CREATE ROLE ${pg.escapeIdentifier(role)} NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE`,
    );
  } catch (err) {
    // Roles are cluster-wide: another bootstrap may have created it between our check and CREATE.
    if (!isDuplicateRole(err)) throw err;
  }
}

async function enableLogin(client: pg.Client, role: string, password: string): Promise<void> {
  // Utility statements take no bind parameters, hence escapeLiteral.
  await client.query(
    `ALTER ROLE ${pg.escapeIdentifier(role)} WITH LOGIN NOSUPERUSER NOBYPASSRLS PASSWORD ${pg.escapeLiteral(password)}`,
  );
}

function isDuplicateRole(err: unknown): boolean {
  const code = (err as { code?: string } | null)?.code;
  return code === '42710' /* duplicate_object */ || code === '23505'; /* unique_violation */
}

/** Same host, port, database and query parameters; only the credentials change. */
function withCredentials(url: string, user: string, password: string | undefined): string {
  const out = new URL(url);
  out.username = encodeURIComponent(user);
  out.password = password === undefined ? '' : encodeURIComponent(password);
  return out.toString();
}

async function withClient<T>(connectionString: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
