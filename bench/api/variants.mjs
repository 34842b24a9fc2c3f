// The server variants of the `api` bench. All of them are the same NestJS + Apollo + Fastify application
// (AppModule: same guard, resolver, service, repository, GraphQL limits, logging hooks); they differ only in the
// providers listed below. Everything that bypasses security lives here, in bench/, and never in the product.
//
//   secure       the real app, exactly as `arca-server start` builds it (createApp)
//   bypass       baseline: no credential lookup (fixed TenantContext) and no tenant transaction, queries run as
//                the database superuser, so RLS does not apply
//   control      the real providers, but built through @nestjs/testing + the createApp mirror below: shows that
//                the way `bypass` is assembled costs nothing by itself
//   cache        prototype: API key resolution cached for CACHE_TTL_MS (ApiKeyRepository subclass)
//   onert        prototype: BEGIN and the tenant set_config sent in one round trip (pg.Client subclass)
//   prep         prototype: named prepared statements (PrismaPg statementNameGenerator)
//   lean         prototype: models.find reads the viewer's grant only for restricted models (1 statement, not 2)
//   a+b+…        several prototypes, e.g. cache+onert+prep+lean; bypass+prep+lean is the baseline with the
//                prototypes that apply to it

import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { Test } from '@nestjs/testing';
import { CREDENTIAL_RESOLVER, PinoNestLogger } from '@arca/api-core';
import { Db, PrismaClient, createPrismaClient } from '@arca/api-db';
import { isUuid, permissionsOf } from '@arca/contracts';
import { AppModule } from '../../apps/api/dist/app.module.js';
import { createApp, createFastifyAdapter, initHttp } from '../../apps/api/dist/create-app.js';
// Not exported by the package entries; the dist files are the same module instances the modules use.
import { ApiKeyRepository } from '../../libs/api/identity/dist/api-key.repository.js';
import { ModelsRepository } from '../../libs/api/models/dist/models.repository.js';

/** Prototype patches, combinable with '+': e.g. `cache+onert+prep+lean`, `bypass+prep+lean`. */
export const PROTOTYPE_FEATURES = ['cache', 'onert', 'prep', 'lean'];
export const CACHE_TTL_MS = 5_000;

/** Validates a variant name: secure, control, bypass, or prototype features joined with '+'. */
export function parseVariant(variant) {
  if (variant === 'secure' || variant === 'control') return { base: variant, features: new Set() };
  const parts = variant.split('+');
  const base = parts[0] === 'bypass' ? 'bypass' : 'secure';
  const features = new Set(base === 'bypass' ? parts.slice(1) : parts);
  for (const f of features) {
    if (!PROTOTYPE_FEATURES.includes(f)) {
      throw new Error(
        `unknown variant "${variant}": use secure, control, bypass, or ${PROTOTYPE_FEATURES.join('/')} ` +
          "joined with '+' (optionally after bypass+)",
      );
    }
  }
  if (base === 'bypass' && (features.has('cache') || features.has('onert'))) {
    throw new Error(
      `${variant}: bypass has no key lookup or tenant transaction to optimize; only +prep applies`,
    );
  }
  return { base, features };
}

/**
 * @param {string} variant
 * @param {{ config: object, secrets: object, logger: object, appUrl: string, adminUrl: string,
 *           fixedContext: object }} opts
 */
export async function buildApp(variant, opts) {
  const appOpts = { config: opts.config, secrets: opts.secrets, logger: opts.logger, appUrl: opts.appUrl };
  const db = opts.config.database;
  const { base, features } = parseVariant(variant);
  if (base === 'secure' && features.size === 0) return createApp(appOpts);
  if (base === 'control') return createAppViaTestingModule(appOpts, (b) => b);
  if (base === 'bypass') {
    const superuser = prismaClient({ url: opts.adminUrl, db, prep: features.has('prep') });
    return createAppViaTestingModule(appOpts, (b) =>
      (features.has('lean') ? withLeanFind(b) : b)
        .overrideProvider(CREDENTIAL_RESOLVER)
        .useValue(new FixedCredentialResolver(opts.fixedContext))
        .overrideProvider(Db)
        .useValue(new BypassDb(superuser)),
    );
  }
  return createAppViaTestingModule(appOpts, (b) => {
    let builder = b;
    if (features.has('cache')) builder = withApiKeyCache(builder);
    if (features.has('lean')) builder = withLeanFind(builder);
    if (features.has('onert') || features.has('prep')) {
      const client = prismaClient({
        url: opts.appUrl,
        db,
        prep: features.has('prep'),
        scopedBegin: features.has('onert'),
      });
      const instance = features.has('onert') ? new OneRoundTripDb(client) : new Db(client);
      builder = builder.overrideProvider(Db).useValue(instance);
    }
    return builder;
  });
}

/**
 * The PrismaClient of createPrismaClient (libs/api/db/src/prisma-client.ts) with the same pool settings, plus the
 * prototype options: `prep` names every statement (Postgres keeps its parse tree and plan per connection) and
 * `scopedBegin` uses ScopedBeginClient.
 */
export function prismaClient({ url, db, prep = false, scopedBegin = false }) {
  if (!prep && !scopedBegin) {
    return createPrismaClient({
      connectionString: url,
      poolMax: db.poolMax,
      statementTimeoutMs: db.statementTimeoutMs,
    });
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: db.poolMax,
    statement_timeout: db.statementTimeoutMs,
    idle_in_transaction_session_timeout: db.statementTimeoutMs * 2,
    application_name: 'arca',
    ...(scopedBegin ? { Client: ScopedBeginClient } : {}),
  });
  const options = { disposeExternalPool: true, ...(prep ? { statementNameGenerator: statementName } : {}) };
  return new PrismaClient({ adapter: new PrismaPg(pool, options) });
}

// ---------------------------------------------------------------------------------------------------------
// Prototype 3: named prepared statements (proposed patch to libs/api/db/src/prisma-client.ts).

const statementNames = new Map();
const MAX_STATEMENT_NAMES = 2_000;
const TRANSACTION_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|SET\s)/i;

/**
 * A stable name per SQL text, so pg sends Parse once per connection and Postgres reuses the parsed statement
 * and its plan. Transaction control stays unnamed (and thus simple-protocol). Past MAX_STATEMENT_NAMES distinct
 * texts (e.g. IN lists of varying length) statements are left unnamed, which bounds per-connection memory.
 */
function statementName(query) {
  const cached = statementNames.get(query.sql);
  if (cached !== undefined) return cached ?? undefined;
  if (TRANSACTION_CONTROL.test(query.sql) || statementNames.size >= MAX_STATEMENT_NAMES) return undefined;
  const name = `arca_${createHash('sha256').update(query.sql).digest('base64url').slice(0, 22)}`;
  statementNames.set(query.sql, name);
  return name;
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

// ---------------------------------------------------------------------------------------------------------
// Prototype 1: cache API key resolution (proposed patch to libs/api/identity/src/api-key.repository.ts).

function withApiKeyCache(builder) {
  return builder
    .overrideProvider(ApiKeyRepository)
    .useFactory({ factory: (db) => new CachingApiKeyRepository(db), inject: [Db] });
}

/**
 * Caches found keys by hash for CACHE_TTL_MS, with one in-flight lookup per hash. The resolver still checks
 * revokedAt/expiresAt/role on every request, so expiry is exact; revocation, role changes and tenant deletion
 * take effect within the TTL (immediately on the node that revoked, via forget()). Misses are not cached.
 */
class CachingApiKeyRepository extends ApiKeyRepository {
  cache = new Map();
  maxEntries = 10_000;

  async resolve(keyHash) {
    const id = Buffer.from(keyHash.buffer, keyHash.byteOffset, keyHash.byteLength).toString('base64');
    const now = Date.now();
    const hit = this.cache.get(id);
    if (hit && hit.until > now) return hit.value;
    const value = super.resolve(keyHash);
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value);
    this.cache.set(id, { until: now + CACHE_TTL_MS, value });
    try {
      const row = await value;
      if (!row) this.cache.delete(id);
      return row;
    } catch (error) {
      this.cache.delete(id);
      throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Prototype 2: BEGIN + set_config in one round trip (proposed patch to libs/api/db/src/{prisma-client,db.service}.ts).

const TX_OPTIONS = { maxWait: 5_000, timeout: 15_000 };
/** The scope the next BEGIN on this async path must carry; consumed by the first BEGIN. */
const pendingBegin = new AsyncLocalStorage();

/**
 * When Prisma's adapter sends the bare `BEGIN` of an interactive transaction opened by OneRoundTripDb, send
 * `BEGIN; SELECT set_config(...)` instead: one simple-protocol message, one round trip. The only interpolated
 * value is a UUID that has been validated by isUuid.
 */
class ScopedBeginClient extends pg.Client {
  query(config, values, callback) {
    const pending = pendingBegin.getStore();
    if (pending && !pending.sent && typeof config === 'object' && config?.text === 'BEGIN') {
      pending.sent = true;
      // Several statements: simple protocol, so no statement name.
      return super.query({ ...config, name: undefined, text: pending.sql }, values, callback);
    }
    return super.query(config, values, callback);
  }
}

export class OneRoundTripDb extends Db {
  fallbacks = 0;

  async tenantTransaction(tenantId, fn) {
    if (this.inTransaction || !isUuid(tenantId)) return super.tenantTransaction(tenantId, fn);
    const pending = {
      sent: false,
      sql:
        `BEGIN; SELECT set_config('app.tenant_id', '${tenantId.toLowerCase()}', true), ` +
        `set_config('app.user_id', '', true), set_config('app.login_email', '', true), ` +
        `set_config('app.auth_lookup', '', true)`,
    };
    return pendingBegin.run(pending, () =>
      this.client.$transaction(async (tx) => {
        const active = { tx, scope: {} };
        if (pending.sent) {
          active.scope = { tenantId };
        } else {
          // The BEGIN went out without the settings (should not happen): fall back to the separate round trip.
          this.fallbacks += 1;
          await tx.$executeRaw`SELECT set_config('app.tenant_id', ${tenantId}, true)`;
          active.scope = { tenantId };
        }
        return pendingBegin.exit(() => this.als.run(active, fn));
      }, TX_OPTIONS),
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Prototype 4: models.find without the grants query when it cannot matter (proposed patch to
// libs/api/models/src/models.repository.ts). modelPermissions() reads the grant only for restricted models.

function withLeanFind(builder) {
  return builder
    .overrideProvider(ModelsRepository)
    .useFactory({ factory: (db) => new LeanModelsRepository(db), inject: [Db] });
}

class LeanModelsRepository extends ModelsRepository {
  async find(tenantId, id, viewerId) {
    const tx = this.db.tx(tenantId);
    const model = await tx.model.findFirst({ where: { tenantId, id } });
    if (!model || model.visibility !== 'restricted') return model && { ...model, grants: [] };
    const grants = await tx.modelGrant.findMany({
      where: { tenantId, modelId: id, userId: viewerId },
      select: { role: true },
    });
    return { ...model, grants };
  }
}
