// `--breakdown`: where the time of one authenticated model(id) goes, layer by layer, without HTTP. Each case
// runs sequentially in this process; the table gives this process's CPU and the Postgres backends' CPU per
// operation (median of interleaved rounds). CPU time, unlike throughput, stays meaningful on a busy machine.

import { TokenHasher } from '@arca/api-identity';
import { Db } from '@arca/api-db';
import pg from 'pg';
import { ModelsRepository } from '../../libs/api/models/dist/models.repository.js';
import { cpuMs, snapshot } from '../lib/cpu.mjs';
import { median } from '../lib/load.mjs';
import { prismaClient } from './variants.mjs';

export async function breakdown({ db, seed, pepper, pool, iterations = 500, rounds = 3 }) {
  const settings = { poolMax: pool, statementTimeoutMs: 5_000 };
  const app = new Db(prismaClient({ url: db.appUrl, db: settings }));
  const superuser = new Db(prismaClient({ url: db.adminUrl, db: settings }));
  const raw = new pg.Pool({ connectionString: db.appUrl, max: 1 });
  const keyHash = new TokenHasher(Buffer.from(pepper, 'hex')).hash(seed.apiKey);
  const { tenantId, userId } = seed.fixedContext;
  const modelId = seed.modelId;
  const [{ fingerprint }] = await app.lookup('SELECT * FROM arca_resolve_api_key_scoped($1::bytea)', [
    keyHash,
  ]);
  const keyChanged = () => {
    throw new Error('breakdown: the cached key was refused');
  };
  const found = (row) => {
    if (row?.id !== modelId) throw new Error('breakdown: model not found');
  };
  const findIn = async (db) => found(await new ModelsRepository(db).find(tenantId, modelId, userId));
  /** One request with the owner key cached: its re-check goes with the first statement of `transaction`. */
  const cachedKeyRequest = (transaction) =>
    asRequest(app, async () => {
      if (!app.deferCheck(tenantId, 'arca_recheck_api_key', keyHash, fingerprint, keyChanged)) {
        throw new Error('breakdown: re-check not deferred');
      }
      await transaction(() => findIn(app));
    });
  const cases = [
    ['pg driver: SELECT 1', 1, () => raw.query('SELECT 1')],
    ['Prisma $queryRaw SELECT 1', 1, () => app.client.$queryRaw`SELECT 1`],
    [
      'API key lookup, Prisma $queryRaw (before)',
      1,
      async () => {
        const rows = await app.client.$queryRaw`SELECT * FROM arca_resolve_api_key(${keyHash}::bytea)`;
        if (rows.length !== 1) throw new Error('breakdown: key not resolved');
      },
    ],
    [
      'API key lookup, Db.lookup (pg driver, prepared)',
      1,
      async () => {
        const rows = await app.lookup('SELECT * FROM arca_resolve_api_key($1::bytea)', [keyHash]);
        if (rows.length !== 1) throw new Error('breakdown: key not resolved');
      },
    ],
    [
      'Prisma $transaction + set_config, no query (before)',
      3,
      () =>
        app.client.$transaction(
          (tx) => tx.$executeRaw`SELECT set_config('app.tenant_id', ${tenantId}, true)`,
        ),
    ],
    ['tenantTransaction, no query (now)', 2, () => app.tenantTransaction(tenantId, () => Promise.resolve())],
    [
      'bypass: models.find, superuser, no transaction',
      1,
      async () => found(await new ModelsRepository(bypassView(superuser)).find(tenantId, modelId, userId)),
    ],
    [
      'tenantTransaction(models.find)',
      3,
      async () => {
        const repo = new ModelsRepository(app);
        found(await app.tenantTransaction(tenantId, () => repo.find(tenantId, modelId, userId)));
      },
    ],
    [
      'secure request, key not cached: lookupAndBegin + tenantTransaction(find)',
      3,
      () =>
        asRequest(app, async () => {
          const rows = await app.lookupAndBegin('arca_resolve_api_key_scoped', keyHash);
          if (rows.length !== 1) throw new Error('breakdown: key not resolved');
          const repo = new ModelsRepository(app);
          found(await app.tenantTransaction(tenantId, () => repo.find(tenantId, modelId, userId)));
        }),
    ],
    ['readTransaction(models.find)', 3, () => app.readTransaction(tenantId, () => findIn(app))],
    [
      'secure request, cached key: deferCheck + tenantTransaction(find) (ADR 0011)',
      3,
      () => cachedKeyRequest((fn) => app.tenantTransaction(tenantId, fn)),
    ],
    [
      'secure request, cached key: deferCheck + readTransaction(find) (now)',
      3,
      () => cachedKeyRequest((fn) => app.readTransaction(tenantId, fn)),
    ],
  ];
  const samples = new Map(cases.map(([name]) => [name, []]));
  try {
    for (const [, , fn] of cases) for (let i = 0; i < 50; i++) await fn(); // warm-up, connections opened
    for (let round = 0; round < rounds; round++) {
      for (const [name, , fn] of cases) {
        const pgBefore = db.postmasterPid ? snapshot(db.postmasterPid) : undefined;
        const cpuBefore = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < iterations; i++) await fn();
        const wall = performance.now() - t0;
        const cpu = process.cpuUsage(cpuBefore);
        const pgAfter = db.postmasterPid ? snapshot(db.postmasterPid) : undefined;
        samples.get(name).push({
          node: (cpu.user + cpu.system) / iterations,
          pg: (cpuMs(pgBefore, pgAfter) * 1000) / iterations,
          wall: (wall * 1000) / iterations,
        });
      }
    }
  } finally {
    await Promise.all([app.close(), superuser.close(), raw.end()]);
  }
  return cases.map(([name, statements]) => {
    const s = samples.get(name);
    return {
      name,
      statements,
      nodeUs: median(s.map((x) => x.node)),
      pgUs: median(s.map((x) => x.pg)),
      wallUs: median(s.map((x) => x.wall)),
    };
  });
}

/** `fn` as the HTTP hooks in create-app run a request: in a request scope, confirmed and ended afterwards. */
async function asRequest(db, fn) {
  const key = {};
  await new Promise((resolve, reject) => db.requestScope(key, () => void fn().then(resolve, reject)));
  await db.confirmRequestScope(key);
  await db.endRequestScope(key);
}

/** The superuser client seen through Db's interface, without a transaction (what the bypass variant does). */
function bypassView(db) {
  return { tx: () => db.client };
}
