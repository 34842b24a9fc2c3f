import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import {
  ConfigError,
  DomainError,
  createLogger,
  loadConfig,
  type ArcaConfig,
  type Logger,
} from '@arca/api-core';
import { TenantsService } from '@arca/api-tenancy';
import { TenantKeysService } from '@arca/api-artifacts';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from './create-app.js';
import { prepareDatabase, type PreparedDatabase } from './database.js';
import { DEMO_EMAIL, ensureDemoTenant } from './demo-tenant.js';
import { loadServerSecrets } from './server-secrets.js';

export interface ServerIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** `start` stops when this settles (tests); otherwise on SIGINT/SIGTERM. */
  stop?: Promise<unknown>;
}

interface Booted {
  config: ArcaConfig;
  logger: Logger;
  db: PreparedDatabase;
  app: NestFastifyApplication;
}

async function boot(io: ServerIo): Promise<Booted> {
  const config = loadConfig(io.env);
  const logger = createLogger(config.logLevel);
  const secrets = loadServerSecrets(config);
  const db = await prepareDatabase(config, secrets, logger);
  try {
    const app = await createApp({ config, secrets, logger, appUrl: db.appUrl });
    return { config, logger, db, app };
  } catch (error) {
    await db.stop();
    throw error;
  }
}

async function shutdown(b: Booted): Promise<void> {
  await b.app.close();
  await b.db.stop();
}

async function start(io: ServerIo): Promise<number> {
  const b = await boot(io);
  const { host, port } = b.config.http;
  await b.app.listen({ host, port });
  const address = b.app.getHttpServer().address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const base = `http://${host === '0.0.0.0' || host === '127.0.0.1' ? 'localhost' : host}:${actualPort}`;
  io.out(
    `Arca is serving GraphQL at ${base}/graphql (${b.db.embedded ? 'embedded PostgreSQL' : 'external PostgreSQL'})`,
  );
  if (b.config.demoTenant) {
    const demo = await ensureDemoTenant(b.app.get(TenantsService), b.config.dataDir);
    if (demo.created && demo.credentials) {
      io.out(
        `Created the demo tenant "demo" with owner ${DEMO_EMAIL}. Shown once, also saved to ${demo.file} (mode 0600):`,
      );
      io.out(`  password: ${demo.credentials.password ?? '(existing account)'}`);
      io.out(`  API key:  ${demo.credentials.apiKey}`);
      io.out(`Log in:  npx arca login --server ${base} --api-key ${demo.credentials.apiKey}`);
    } else {
      io.out(`Demo tenant "demo" (owner ${DEMO_EMAIL}); its credentials are in ${demo.file}.`);
      io.out(
        `Log in:  npx arca login --server ${base} --api-key "$(node -p "require('${demo.file}').apiKey")"`,
      );
    }
  }
  await (io.stop ?? untilSignal(b.logger));
  await shutdown(b);
  io.out('Arca stopped.');
  return 0;
}

function untilSignal(logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function migrate(io: ServerIo): Promise<number> {
  const config = loadConfig(io.env);
  const logger = createLogger(config.logLevel);
  const db = await prepareDatabase(config, loadServerSecrets(config), logger);
  await db.stop();
  io.out('migrations applied');
  return 0;
}

async function createTenant(
  io: ServerIo,
  opts: { slug: string; ownerEmail: string; name?: string; json?: boolean },
): Promise<number> {
  const b = await boot(io);
  try {
    const p = await b.app
      .get(TenantsService)
      .provision({ slug: opts.slug, name: opts.name, ownerEmail: opts.ownerEmail });
    const result = {
      tenant: { id: p.tenant.id, slug: p.tenant.slug, name: p.tenant.name },
      owner: { id: p.ownerUserId, email: opts.ownerEmail.trim().toLowerCase(), password: p.ownerPassword },
      apiKey: p.ownerApiKey,
    };
    if (opts.json) io.out(JSON.stringify(result));
    else {
      io.out(`tenant   ${result.tenant.slug} (${result.tenant.id})`);
      io.out(`owner    ${result.owner.email}`);
      io.out(`password ${result.owner.password ?? '(existing account: password unchanged)'}`);
      io.out(`api key  ${result.apiKey}`);
      io.out('These secrets are shown once.');
    }
    return 0;
  } finally {
    await shutdown(b);
  }
}

/**
 * Re-wraps every tenant KEK and audit log key under the current master key. Run with the new key in
 * ARCA_MASTER_KEY and the old one in ARCA_MASTER_KEY_PREVIOUS; safe to rerun after a crash (it resumes).
 */
async function rotateMasterKey(io: ServerIo, opts: { json?: boolean }): Promise<number> {
  const b = await boot(io);
  try {
    if (b.config.previousMasterKeys.length === 0) {
      io.err(
        'arca-server: set ARCA_MASTER_KEY to the new key and ARCA_MASTER_KEY_PREVIOUS to the old one, then rerun',
      );
      return 2;
    }
    const result = await b.app.get(TenantKeysService).rotateMasterKey();
    if (opts.json) io.out(JSON.stringify(result));
    else {
      io.out(
        `re-wrapped ${result.keks} tenant keys and ${result.logKeys} audit log keys in ${result.tenants} tenants`,
      );
      io.out('Every key is now under the current master key; ARCA_MASTER_KEY_PREVIOUS can be removed.');
    }
    return 0;
  } finally {
    await shutdown(b);
  }
}

/** Entry point of `arca-server`; bin/arca-server.js passes the process streams and environment. */
export async function main(argv: string[], io: ServerIo): Promise<number> {
  let exit = 0;
  const program = new Command('arca-server')
    .description('Arca server administration')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  program
    .command('start')
    .description('serve the API (embedded PostgreSQL unless DATABASE_URL is set)')
    .action(async () => {
      exit = await start(io);
    });
  program
    .command('migrate')
    .description('apply database migrations and exit')
    .action(async () => {
      exit = await migrate(io);
    });
  program
    .command('create-tenant')
    .description("create a tenant and its owner; prints the owner's one-time password and API key")
    .requiredOption('--slug <slug>', 'tenant slug (lowercase letters, digits, dashes)')
    .requiredOption('--owner-email <email>', 'email of the first owner')
    .option('--name <name>', 'display name of the tenant')
    .option('--json', 'machine-readable output')
    .action(async (opts: { slug: string; ownerEmail: string; name?: string; json?: boolean }) => {
      exit = await createTenant(io, opts);
    });
  program
    .command('rotate-master-key')
    .description('re-wrap every tenant key under ARCA_MASTER_KEY (old key in ARCA_MASTER_KEY_PREVIOUS)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      exit = await rotateMasterKey(io, opts);
    });
  try {
    await program.parseAsync(argv);
    return exit;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof ConfigError) io.err(`arca-server: ${error.message}`);
    else if (error instanceof DomainError) io.err(`arca-server: ${error.message} (${error.code})`);
    else io.err(`arca-server: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof DomainError && error.code === 'BAD_USER_INPUT' ? 2 : 1;
  }
}
