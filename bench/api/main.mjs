// `npm run bench -- api`: authenticated model(id) through the whole stack against the same query with
// authentication and RLS bypassed. See docs/benchmarks.md for the method and the recorded figures.

import 'reflect-metadata';
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig } from '@arca/api-core';
import { TenantsService } from '@arca/api-tenancy';
import { createApp } from '../../apps/api/dist/create-app.js';
import { acquireDatabase, withClient } from '../lib/postgres.mjs';
import { fmt, machineInfo, measure, median } from '../lib/load.mjs';
import { summarizeProfile } from '../lib/profile-summary.mjs';
import { cpuMs, machineCpu, snapshot } from '../lib/cpu.mjs';
import { hashGauge } from '../lib/gauge.mjs';
import { breakdown } from './breakdown.mjs';
import { parseVariant } from './variants.mjs';

const TENANTS = 10;
const MODELS_PER_TENANT = 100;
const QUERY = 'query BenchModel($id: ID!) { model(id: $id) { id name } }';
const TRACE_REQUESTS = 20;
const TARGET_RPS = 1000;
const TARGET_RATIO = 0.6;
/** Compared with the baseline only on request (`--prototypes`): the app with its API key cache off. */
const PROTOTYPES = ['nocache'];
/** Response headers that legitimately differ between processes or responses. */
const VOLATILE_HEADERS = new Set(['date', 'content-length', 'connection', 'keep-alive']);

export async function run(opts) {
  const variants = opts.variants ?? ['secure', 'bypass', ...(opts.prototypes ? PROTOTYPES : [])];
  variants.forEach(parseVariant); // throws on an unknown name before anything starts
  const width = Math.max(...variants.map((v) => v.length));
  const outDir = join(opts.repo, '.bench-results');
  mkdirSync(join(outDir, 'logs'), { recursive: true });
  const started = Date.now();
  const machine = machineInfo();
  const gaugeStart = hashGauge();
  const restorePriority = opts.nice ? raisePriority(opts.nice) : () => {};
  const db = await acquireDatabase(opts.repo);
  // Backends fork from the postmaster and inherit its priority.
  if (opts.nice && db.postmasterPid) setPriority(db.postmasterPid, opts.nice);
  const servers = [];
  try {
    const pepper = randomBytes(32).toString('hex');
    const env = {
      ARCA_API_KEY_PEPPER: pepper,
      ARCA_MASTER_KEY: randomBytes(32).toString('hex'),
      ARCA_DB_POOL_MAX: String(opts.pool),
      LOG_LEVEL: opts.logLevel,
    };
    const seed = await seedData(db, env);
    console.log(
      `# api: POST /graphql model(id) · autocannon -c ${opts.connections} -p 1 · ` +
        `${opts.duration} s × ${opts.rounds} alternating rounds (warm-up ${opts.warmup} s) · median`,
    );
    console.log(
      `# machine: ${machine.cpus} cpus (${machine.cpuModel}), ${machine.memGiB} GiB, Node ${machine.node}, ` +
        `PostgreSQL ${db.version} (${db.embedded ? 'embedded, same host' : 'DATABASE_URL'}), ` +
        `loadavg ${machine.loadavg.join(' ')}, speed gauge ${fmt.s(gaugeStart)} s (bare SHA-256 of 1M × 551 B)`,
    );
    console.log(
      `# data: ${TENANTS} tenants × ${MODELS_PER_TENANT} models; ARCA_DB_POOL_MAX=${opts.pool}; ` +
        `LOG_LEVEL=${opts.logLevel}; NODE_ENV=production; nice ${opts.nice}`,
    );

    for (const variant of variants) {
      servers.push(await startServer({ variant, db, env, seed, opts, outDir }));
    }
    const request = {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${seed.apiKey}` },
      body: JSON.stringify({ query: QUERY, variables: { id: seed.modelId } }),
    };
    const expected = JSON.stringify({ data: { model: { id: seed.modelId, name: seed.modelName } } });
    // Apollo ends the JSON with a newline.
    const check = (body) => body === expected || body === `${expected}\n`;

    let referenceHeaders;
    for (const s of servers) {
      s.headers = await verify(s, request, check);
      referenceHeaders ??= s.headers;
      if (s.headers !== referenceHeaders) {
        throw new Error(`${s.variant}: response headers differ from ${servers[0].variant}: ${s.headers}`);
      }
      s.trace = await traceRoundTrips(s, request);
    }
    for (const s of servers) {
      const names = Object.entries(s.trace.statements)
        .map(([sql, n]) => `${(n / TRACE_REQUESTS).toFixed(n % TRACE_REQUESTS ? 2 : 0)}× ${sql}`)
        .join(' | ');
      console.log(
        `# ${s.variant}: ${(s.trace.writes / TRACE_REQUESTS).toFixed(2)} round trips (socket writes)/request, ` +
          `${(s.trace.queries / TRACE_REQUESTS).toFixed(2)} statements/request: ${names}`,
      );
    }

    if (opts.profile) {
      mkdirSync(join(outDir, 'profiles'), { recursive: true });
      await Promise.all(servers.map((s) => s.request({ cmd: 'profile', file: s.profile })));
    }
    for (let round = 1; round <= opts.rounds; round++) {
      for (const s of servers) {
        const target = { url: `${s.url}/graphql`, ...request, connections: opts.connections, check };
        // Every round: the pool closes connections idle for 10 s (pg's default) while the other variants
        // run, and a fresh backend pays for authentication and cold catalog caches; measure the steady state.
        if (opts.warmup > 0) {
          const w = await measure({ ...target, duration: opts.warmup });
          assertClean(s.variant, 'warm-up', w);
          s.profiledRequests += w.requests;
        }
        const before = cpuSnapshot(s, db);
        const r = await measure({ ...target, duration: opts.duration });
        const after = cpuSnapshot(s, db);
        const loadgen = process.cpuUsage(before.loadgen);
        assertClean(s.variant, `round ${round}`, r);
        const ours = {
          server: cpuMs(before.server, after.server),
          postgres: cpuMs(before.postgres, after.postgres),
          loadgen: (loadgen.user + loadgen.system) / 1000,
        };
        r.cpu = {
          server: ours.server / r.requests,
          postgres: ours.postgres / r.requests,
          loadgen: ours.loadgen / r.requests,
        };
        // CPU used on this machine by processes that are not part of the bench, as a share of all cores.
        const box = {
          busy: after.machine.busy - before.machine.busy,
          total: after.machine.total - before.machine.total,
        };
        r.foreignCpu = Math.max(
          0,
          (box.busy - ours.server - (ours.postgres || 0) - ours.loadgen) / box.total,
        );
        s.rounds.push(r);
        s.profiledRequests += r.requests;
        console.log(
          `#   round ${round} ${s.variant.padEnd(width)}  req/s=${fmt.rps(r.rps)}  p50=${fmt.ms(r.p50)}ms  ` +
            `p99=${fmt.ms(r.p99)}ms  requests=${r.requests}  cpu/req: ${fmtCpu(r.cpu)}  ` +
            `foreign-cpu=${(100 * r.foreignCpu).toFixed(0)}%`,
        );
      }
    }

    if (opts.profile) await Promise.all(servers.map((s) => s.request({ cmd: 'profile', file: null })));
    const results = {};
    for (const s of servers) {
      const rs = s.rounds;
      results[s.variant] = {
        rps: median(rs.map((r) => r.rps)),
        p50: median(rs.map((r) => r.p50)),
        p99: median(rs.map((r) => r.p99)),
        requests: rs.reduce((a, r) => a + r.requests, 0),
        errors: rs.reduce((a, r) => a + r.errors + r.timeouts, 0),
        non2xx: rs.reduce((a, r) => a + r.non2xx, 0),
        wrong: rs.reduce((a, r) => a + r.mismatches, 0),
        statementsPerRequest: s.trace.queries / TRACE_REQUESTS,
        roundTripsPerRequest: s.trace.writes / TRACE_REQUESTS,
        cpuPerRequestMs: {
          server: median(rs.map((r) => r.cpu.server)),
          postgres: median(rs.map((r) => r.cpu.postgres)),
          loadgen: median(rs.map((r) => r.cpu.loadgen)),
        },
        rounds: rs.map((r) => Math.round(r.rps)),
        foreignCpu: rs.map((r) => +r.foreignCpu.toFixed(3)),
      };
    }
    for (const [variant, r] of Object.entries(results)) {
      console.log(
        `api.${variant.padEnd(width)}  req/s=${fmt.rps(r.rps)}  p50=${fmt.ms(r.p50)}ms  p99=${fmt.ms(r.p99)}ms  ` +
          `errors=${r.errors} non2xx=${r.non2xx} wrong=${r.wrong}  db-round-trips/req=${r.roundTripsPerRequest}  ` +
          `cpu/req: ${fmtCpu(r.cpuPerRequestMs)}  (rounds ${r.rounds.join(', ')} req/s)`,
      );
    }
    const gaugeEnd = hashGauge();
    console.log(`# speed gauge after the rounds: ${fmt.s(gaugeEnd)} s (before: ${fmt.s(gaugeStart)} s)`);
    const foreign = Math.max(...servers.flatMap((s) => s.rounds.map((r) => r.foreignCpu)));
    console.log(
      `# foreign CPU (other processes on this machine) during measurement: up to ${(100 * foreign).toFixed(0)}%` +
        (foreign > 0.1 ? ' — WARNING: the machine was not quiet; figures are not reference-quality' : ''),
    );
    const secure = results.secure;
    const bypass = results.bypass;
    let verdict = {};
    if (secure && bypass) {
      const ratio = secure.rps / bypass.rps;
      verdict = { ratio, rpsOk: secure.rps >= TARGET_RPS, ratioOk: ratio >= TARGET_RATIO };
      console.log(
        `api.ratio secure/bypass = ${ratio.toFixed(2)} (target ≥ ${TARGET_RATIO}; ` +
          `per round ${pairedRatios(secure, bypass)})`,
      );
      console.log(
        `api.target secure ≥ ${TARGET_RPS} req/s: ${verdict.rpsOk ? 'met' : 'MISSED'}; ` +
          `ratio ≥ ${TARGET_RATIO}: ${verdict.ratioOk ? 'met' : 'MISSED'}`,
      );
    }
    for (const p of Object.keys(results).filter((v) => v !== 'secure' && v !== 'bypass')) {
      if (!bypass) break;
      console.log(
        `api.ratio ${p}/bypass = ${(results[p].rps / bypass.rps).toFixed(2)} ` +
          `(control; per round ${pairedRatios(results[p], bypass)})`,
      );
    }
    let layers;
    if (opts.breakdown) {
      await Promise.all(servers.map((s) => s.stop()));
      layers = await breakdown({ db, seed, pepper, pool: opts.pool });
      for (const l of layers) {
        console.log(
          `api.layer ${l.name.padEnd(52)} statements=${l.statements}  node=${l.nodeUs.toFixed(0)}µs  ` +
            `pg=${Number.isFinite(l.pgUs) ? l.pgUs.toFixed(0) : 'n/a'}µs  wall=${l.wallUs.toFixed(0)}µs  (per op, sequential)`,
        );
      }
    }
    const file = join(outDir, `api-${new Date(started).toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          bench: 'api',
          date: new Date(started).toISOString(),
          opts,
          machine: { ...machine, gaugeSeconds: [gaugeStart, gaugeEnd] },
          pg: db.version,
          results,
          verdict,
          layers,
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`# results: ${file} · total ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return 0;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await db.stop();
    restorePriority();
    if (opts.profile) {
      for (const s of servers) {
        if (s.profile) printProfile(s.variant, s.profile, s.profiledRequests);
      }
    }
  }
}

/** 10 tenants provisioned through the real TenantsService (owner + owner API key), 100 models each. */
async function seedData(db, env) {
  const config = loadConfig({ ...env, NODE_ENV: 'production', LOG_LEVEL: 'warn' });
  const app = await createApp({
    config,
    secrets: { tokenPepper: config.apiKeyPepper, masterKey: config.masterKey },
    logger: createLogger('warn'),
    appUrl: db.appUrl,
  });
  const tenants = [];
  try {
    const service = app.get(TenantsService);
    const run = randomBytes(4).toString('hex');
    for (let i = 0; i < TENANTS; i++) {
      const slug = `bench-${run}-${i}`;
      const p = await service.provision({ slug, ownerEmail: `owner@${slug}.bench` });
      tenants.push({ id: p.tenant.id, slug, ownerUserId: p.ownerUserId, apiKey: p.ownerApiKey });
    }
  } finally {
    await app.close();
  }
  return withClient(db.adminUrl, async (c) => {
    const ids = [];
    for (const t of tenants) {
      const { rows } = await c.query(
        `INSERT INTO models (tenant_id, name, description, tags, created_by)
         SELECT $1, 'model-' || g, 'bench model ' || g, ARRAY['bench', 'g' || (g % 7)], $2
           FROM generate_series(1, $3::int) g
         RETURNING id, name`,
        [t.id, t.ownerUserId, MODELS_PER_TENANT],
      );
      ids.push(rows);
    }
    await c.query('ANALYZE');
    const bench = tenants[0];
    const model = ids[0][MODELS_PER_TENANT >> 1];
    const key = await c.query('SELECT id FROM api_keys WHERE tenant_id = $1', [bench.id]);
    return {
      apiKey: bench.apiKey,
      modelId: model.id,
      modelName: model.name,
      fixedContext: {
        tenantId: bench.id,
        tenantSlug: bench.slug,
        userId: bench.ownerUserId,
        kind: 'apiKey',
        apiKeyId: key.rows[0].id,
        role: 'owner',
        modelRestriction: null,
      },
    };
  });
}

async function startServer({ variant, db, env, seed, opts, outDir }) {
  const tag = variant.replace(/[^a-z0-9]+/g, '-');
  const logFile = join(outDir, 'logs', `api-${tag}.log`);
  const fd = openSync(logFile, 'w');
  const child = fork(new URL('./server.mjs', import.meta.url), [], {
    stdio: ['ignore', fd, fd, 'ipc'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  closeSync(fd);
  if (opts.nice) setPriority(child.pid, opts.nice);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = await new Promise((resolve, reject) => {
    child.once('message', (msg) =>
      msg.ready ? resolve(msg) : reject(new Error(`${variant}: ${msg.error}`)),
    );
    child.once('exit', (code) => reject(new Error(`${variant} server exited (${code}); see ${logFile}`)));
    child.send({
      cmd: 'start',
      variant,
      adminUrl: db.adminUrl,
      appUrl: db.appUrl,
      env,
      fixedContext: seed.fixedContext,
    });
  });
  return {
    variant,
    child,
    logFile,
    url: `http://127.0.0.1:${ready.port}`,
    rounds: [],
    profiledRequests: 0,
    profile: opts.profile ? join(outDir, 'profiles', `api-${tag}.cpuprofile`) : undefined,
    request: (msg) =>
      new Promise((resolve) => {
        child.once('message', resolve);
        child.send(msg);
      }),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.send({ cmd: 'stop' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** A few requests answered with exactly the expected data; returns the response header names. */
async function verify(server, request, check) {
  let names;
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${server.url}/graphql`, { method: 'POST', ...request });
    const body = await res.text();
    if (res.status !== 200 || !check(body)) {
      throw new Error(`${server.variant}: unexpected response ${res.status} ${body.slice(0, 300)}`);
    }
    names = [...res.headers.keys()].filter((h) => !VOLATILE_HEADERS.has(h)).sort();
  }
  return names.join(',');
}

/** Counts the statements the server sends to Postgres for TRACE_REQUESTS sequential requests. */
async function traceRoundTrips(server, request) {
  await server.request({ cmd: 'trace', on: true });
  for (let i = 0; i < TRACE_REQUESTS; i++) {
    const res = await fetch(`${server.url}/graphql`, { method: 'POST', ...request });
    await res.text();
  }
  const { trace } = await server.request({ cmd: 'trace', on: false });
  return trace;
}

/**
 * Sets the nice value of this process (children inherit it). With scheduler autogroups (the default on most
 * distributions) nice only ranks processes within one session's group, so the group's own nice is set as well
 * (/proc/self/autogroup) and restored afterwards. Needs root for negative values.
 */
function raisePriority(nice) {
  setPriority(nice);
  let previous;
  try {
    previous = /nice (-?\d+)/.exec(readFileSync('/proc/self/autogroup', 'utf8'))?.[1];
    if (previous !== undefined) writeFileSync('/proc/self/autogroup', String(nice));
  } catch {
    previous = undefined; // no autogroups, or not permitted: plain nice only
  }
  return () => {
    if (previous !== undefined) writeFileSync('/proc/self/autogroup', previous);
  };
}

/** Ratios of runs made next to each other in the same round: less exposed to drift in background load. */
function pairedRatios(a, b) {
  return a.rounds.map((rps, i) => (rps / b.rounds[i]).toFixed(2)).join(', ');
}

function cpuSnapshot(server, db) {
  return {
    server: snapshot(server.child.pid),
    postgres: db.postmasterPid ? snapshot(db.postmasterPid) : undefined,
    loadgen: process.cpuUsage(),
    machine: machineCpu(),
  };
}

function fmtCpu(c) {
  const ms = (n) => (Number.isFinite(n) ? `${n.toFixed(2)}ms` : 'n/a');
  return `server=${ms(c.server)} pg=${ms(c.postgres)} loadgen=${ms(c.loadgen)}`;
}

function assertClean(variant, phase, r) {
  if (r.errors || r.timeouts || r.non2xx || r.mismatches) {
    throw new Error(
      `${variant} ${phase}: errors=${r.errors} timeouts=${r.timeouts} non2xx=${r.non2xx} ` +
        `wrong=${r.mismatches}; first bad response: ${r.firstMismatch ?? '(none)'}`,
    );
  }
}

function printProfile(variant, file, requests) {
  try {
    console.log(`# CPU profile ${variant} (${file}), ${requests} requests, self time by package:`);
    for (const line of summarizeProfile(file, 14, requests)) console.log(`#   ${line}`);
  } catch (error) {
    console.log(`# CPU profile ${variant}: ${error instanceof Error ? error.message : error}`);
  }
}
