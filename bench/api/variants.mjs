// The server variants of the `api` bench. All of them are the same NestJS + Apollo + Fastify application
// (AppModule: same guard, resolver, service, repository, GraphQL limits, logging hooks); they differ only in the
// providers listed below. Everything that bypasses security lives here, in bench/, and never in the product.
//
//   secure       the real app, exactly as `arca-server start` builds it (createApp)
//   bypass       baseline: no credential lookup (fixed TenantContext) and no tenant transaction, queries run as
//                the database superuser, so RLS does not apply. Its client comes from the app's own
//                createPrismaClient, so the generic gains (prepared statements) apply to it too
//   control      the real providers, but built through @nestjs/testing + the createApp mirror below: shows that
//                the way `bypass` is assembled costs nothing by itself
//   nocache      the real app with ARCA_API_KEY_CACHE_SECONDS=0: every request looks its API key up in a round trip
//                of its own (with BEGIN) instead of re-checking a cached key with its first statement (ADR 0011)

import { Test } from '@nestjs/testing';
import { CREDENTIAL_RESOLVER, PinoNestLogger } from '@arca/api-core';
import { Db, createPrismaClient } from '@arca/api-db';
import { permissionsOf } from '@arca/contracts';
import { AppModule } from '../../apps/api/dist/app.module.js';
import { createApp, createFastifyAdapter, initHttp } from '../../apps/api/dist/create-app.js';

export const VARIANTS = ['secure', 'bypass', 'control', 'nocache'];

/** Throws on a variant name the bench does not know. */
export function parseVariant(variant) {
  if (!VARIANTS.includes(variant)) {
    throw new Error(`unknown variant "${variant}": use ${VARIANTS.join(', ')}`);
  }
}

/**
 * @param {string} variant
 * @param {{ config: object, secrets: object, logger: object, appUrl: string, adminUrl: string,
 *           fixedContext: object }} opts
 */
export async function buildApp(variant, opts) {
  const appOpts = { config: opts.config, secrets: opts.secrets, logger: opts.logger, appUrl: opts.appUrl };
  const db = opts.config.database;
  parseVariant(variant);
  if (variant === 'secure') return createApp(appOpts);
  if (variant === 'control') return createAppViaTestingModule(appOpts, (b) => b);
  if (variant === 'nocache') {
    return createApp({ ...appOpts, config: { ...opts.config, apiKeyCacheSeconds: 0 } });
  }
  const superuser = prismaClient({ url: opts.adminUrl, db });
  return createAppViaTestingModule(appOpts, (b) =>
    b
      .overrideProvider(CREDENTIAL_RESOLVER)
      .useValue(new FixedCredentialResolver(opts.fixedContext))
      .overrideProvider(Db)
      .useValue(new BypassDb(superuser)),
  );
}

/** The app's createPrismaClient with the app's pool settings, for another URL. */
export function prismaClient({ url, db }) {
  return createPrismaClient({
    connectionString: url,
    poolMax: db.poolMax,
    statementTimeoutMs: db.statementTimeoutMs,
  });
}

// ---------------------------------------------------------------------------------------------------------
// createApp, rebuilt on a TestingModule so providers can be overridden. The adapter and HTTP setup are the app's
// own (createFastifyAdapter, initHttp); the bench still compares every variant's response headers with `secure`.

async function createAppViaTestingModule(opts, override) {
  const nestLogger = new PinoNestLogger(opts.logger.child({ component: 'nest' }));
  const builder = override(Test.createTestingModule({ imports: [AppModule.forRoot(opts)] }));
  const moduleRef = await builder.setLogger(nestLogger).compile();
  const app = moduleRef.createNestApplication(createFastifyAdapter(opts), {
    logger: nestLogger,
    abortOnError: false,
  });
  return initHttp(app, opts);
}

// ---------------------------------------------------------------------------------------------------------
// Baseline: auth and RLS bypassed.

/** Accepts any bearer token and returns the bench tenant's owner context without touching the database. */
class FixedCredentialResolver {
  constructor(fixed) {
    this.fixed = { ...fixed, permissions: permissionsOf(fixed.role) };
  }
  resolveBearer(_token, request) {
    return Promise.resolve({ ...this.fixed, request });
  }
  resolveSessionCookie(_token, request) {
    return Promise.resolve({ ...this.fixed, request });
  }
}

/** No transaction, no set_config: `fn` runs directly and repositories get the superuser client. */
class BypassDb extends Db {
  tenantTransaction(_tenantId, fn) {
    return fn();
  }
  readTransaction(_tenantId, fn) {
    return fn();
  }
  scopedTransaction(_scope, fn) {
    return fn();
  }
  rescope() {
    return Promise.resolve();
  }
  tx() {
    return this.client;
  }
  currentTx() {
    return this.client;
  }
}
