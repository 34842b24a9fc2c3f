import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bootstrapDatabase, startEmbeddedPostgres, verifyAppRole } from '@arca/api-db';
import type { ArcaConfig, Logger, ServerSecrets } from '@arca/api-core';
import { derivedAppRolePassword } from './server-secrets.js';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../prisma/migrations');

export interface PreparedDatabase {
  adminUrl: string;
  appUrl: string;
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * External Postgres when DATABASE_URL is set, otherwise an embedded PostgreSQL under ARCA_DATA_DIR. Applies
 * migrations as the owner, provisions the arca_app role unless DATABASE_APP_URL is given, and refuses to run the
 * API on a role that could bypass row-level security.
 */
export async function prepareDatabase(
  config: ArcaConfig,
  secrets: ServerSecrets,
  logger: Logger,
): Promise<PreparedDatabase> {
  let adminUrl = config.database.url;
  let stop = async (): Promise<void> => {};
  if (!adminUrl) {
    const pg = await startEmbeddedPostgres({
      dataDir: join(config.dataDir, 'postgres'),
      persistent: true,
      log: (line) => logger.debug({ component: 'embedded-postgres' }, line),
    });
    logger.info({ port: pg.port }, 'embedded PostgreSQL started');
    adminUrl = pg.adminUrl;
    stop = () => pg.stop();
  }
  try {
    const log = (msg: string): void => logger.info({ component: 'migrations' }, msg);
    const { appUrl: provisioned } = await bootstrapDatabase({
      adminUrl,
      migrationsDir: MIGRATIONS_DIR,
      appPassword: config.database.appUrl ? undefined : derivedAppRolePassword(secrets),
      log,
    });
    const appUrl = config.database.appUrl ?? provisioned;
    await verifyAppRole(appUrl);
    return { adminUrl, appUrl, embedded: !config.database.url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
