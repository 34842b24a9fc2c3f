// Audit-log bench: `npm run bench -- audit [--duration s] [--rounds n] [--entries N]`.
//
// In one run:
// 1. Appends: W = 64 writers (one connection each) run transactions that append one event, for `duration` s per
//    round, alternating with the baseline. `audit`: as arca_app and as the app's Db sends it, BEGIN +
//    set_config(tenant) in one message, then the INSERT into audit_outbox (RLS, validation trigger, unique event
//    id) in the COMMIT message (Db.insertAtCommit), while the real app's sequencer (leader loop, checkpoint
//    interval 5 s) moves the outbox into the Merkle logs. `plain`: the same transactions inserting the
//    same bytes into a plain table with no RLS, trigger, index or sequencer. `audit-1rt` / `plain-1rt`: the same
//    transactions sent as one simple-protocol message each (the upper bound batching would approach). Sustained
//    appends/s counts only events that were also sequenced (the run ends when the outbox is drained).
// 2. Append → checkpoint delay: for sampled events, from the client's COMMIT to the signed_at of the first
//    checkpoint that covers them (p50/p99; target p99 ≤ interval + 1 s).
// 3. Full verification of N entries and proof verification (bench/audit/verify.mjs).

import 'reflect-metadata';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createLogger, loadConfig } from '@arca/api-core';
import { TenantsService } from '@arca/api-tenancy';
import { canonicalBytes } from '@arca/transparency';
import { createApp } from '../../apps/api/dist/create-app.js';
import { acquireDatabase, withClient } from '../lib/postgres.mjs';
import { runVerifyBench } from './verify.mjs';

const WRITERS = 64;
const TENANTS = 4;
const INTERVAL_MS = 5_000;
const SAMPLE_EVERY = 50;

export async function run(opts) {
  const outDir = join(opts.repo, '.bench-results');
  mkdirSync(outDir, { recursive: true });
  const db = await acquireDatabase(opts.repo);
  const dataDir = mkdtempSync(join(tmpdir(), 'arca-bench-audit-'));
  let app;
  try {
    const config = loadConfig({
      NODE_ENV: 'production',
      ARCA_API_KEY_PEPPER: randomBytes(32).toString('hex'),
      ARCA_MASTER_KEY: randomBytes(32).toString('hex'),
      ARCA_AUDIT_CHECKPOINT_INTERVAL_MS: String(INTERVAL_MS),
      ARCA_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    app = await createApp({
      config,
      secrets: { tokenPepper: config.apiKeyPepper, masterKey: config.masterKey },
      logger: createLogger('warn'),
      appUrl: db.appUrl,
    });
    await app.init();
    const tenants = [];
    for (let i = 0; i < TENANTS; i++) {
      const slug = `bench-audit-${randomBytes(4).toString('hex')}`;
      tenants.push(
        (await app.get(TenantsService).provision({ slug, ownerEmail: `o@${slug}.test` })).tenant.id,
      );
    }
    await withClient(db.adminUrl, (c) =>
      c.query(
        `CREATE TABLE IF NOT EXISTS bench_plain (tenant_id uuid NOT NULL, event_id uuid NOT NULL, entry bytea NOT NULL)`,
      ),
    );
    console.log(
      `# audit: ${WRITERS} writers × ${TENANTS} tenants · ${opts.duration} s × ${opts.rounds} alternating rounds · ` +
        `PostgreSQL ${db.version} (${db.embedded ? 'embedded, same host' : 'DATABASE_URL'}) · checkpoint interval ${INTERVAL_MS / 1000} s`,
    );
    const rounds = { audit: [], plain: [], 'audit-1rt': [], 'plain-1rt': [] };
    const delays = [];
    for (let r = 0; r < opts.rounds; r++) {
      for (const variant of Object.keys(rounds)) {
        const result = await appendRound(db, variant, tenants, opts.duration);
        rounds[variant].push(result);
        const roundDelays = variant.startsWith('audit') ? await checkpointDelays(db, result.samples) : [];
        delays.push(...roundDelays);
        const lag = roundDelays.length ? quantile(roundDelays.map((d) => d.sequencing))(0.99) : undefined;
        console.log(
          `round ${r + 1} ${variant.padEnd(9)} ${result.committed} appends in ${result.seconds.toFixed(1)} s → ` +
            `${Math.round(result.perSecond)}/s (commit p99 ${result.p99.toFixed(1)} ms` +
            (lag === undefined ? ')' : `, commit→sequenced p99 ${(lag / 1000).toFixed(2)} s)`),
        );
      }
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
    const summary = (audit, plain) => {
      const ratios = rounds[audit].map((x, i) => x.perSecond / rounds[plain][i].perSecond);
      return {
        audit: median(rounds[audit].map((x) => x.perSecond)),
        plain: median(rounds[plain].map((x) => x.perSecond)),
        ratio: median(ratios),
        ratios,
      };
    };
    const asApp = summary('audit', 'plain');
    const oneMessage = summary('audit-1rt', 'plain-1rt');
    const q = quantile(delays.map((d) => d.total));
    const qSeq = quantile(delays.map((d) => d.sequencing));
    const gaps = await checkpointGaps(db);
    const qGap = quantile(gaps);
    for (const [label, x] of [
      ['as the app sends it (2 round trips)', asApp],
      ['whole transaction in one message', oneMessage],
    ]) {
      console.log(
        `${label}: appends/s (sequenced, ${WRITERS} writers) ${Math.round(x.audit)} (target ≥ 2000) · plain ` +
          `${Math.round(x.plain)}/s · ratio ${x.ratio.toFixed(2)} (rounds ${x.ratios.map((r) => r.toFixed(2)).join(', ')})`,
      );
    }
    console.log(
      `append→checkpoint delay: p50 ${(q(0.5) / 1000).toFixed(2)} s, p99 ${(q(0.99) / 1000).toFixed(2)} s over ${delays.length} samples ` +
        `(target p99 ≤ ${(INTERVAL_MS + 1000) / 1000} s = interval + 1 s)`,
    );
    console.log(
      `# of which commit→sequenced: p50 ${(qSeq(0.5) / 1000).toFixed(2)} s, p99 ${(qSeq(0.99) / 1000).toFixed(2)} s · ` +
        `gaps between a tenant's checkpoints under load: p50 ${(qGap(0.5) / 1000).toFixed(2)} s, max ${(qGap(1) / 1000).toFixed(2)} s`,
    );
    const verify = await runVerifyBench({ entries: opts.entries ?? 1_000_000 });
    const result = {
      date: new Date().toISOString(),
      writers: WRITERS,
      appends: { asApp, oneMessage },
      rounds,
      checkpointDelayMs: { p50: q(0.5), p99: q(0.99), samples: delays.length },
      sequencingDelayMs: { p50: qSeq(0.5), p99: qSeq(0.99) },
      checkpointGapMs: { p50: qGap(0.5), max: qGap(1), count: gaps.length },
      verify,
    };
    const file = join(outDir, `audit-${Date.now()}.json`);
    writeFileSync(
      file,
      JSON.stringify(result, (k, v) => (k === 'samples' && Array.isArray(v) ? undefined : v), 2),
    );
    console.log(`# full result: ${file}`);
    return 0;
  } finally {
    await app?.close();
    await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const KEYS = Array.from({ length: 16 }, () => ({ userId: randomUUID(), apiKeyId: randomUUID() }));

/** One event as the app writes it (canonical JSON, ~500 bytes), by one of 16 API keys. */
function event(tenantId, i) {
  const key = KEYS[i % KEYS.length];
  const id = randomUUID();
  const record = {
    v: 1,
    id,
    tenant: tenantId,
    time: new Date().toISOString(),
    actor: { kind: 'user', id: key.userId, apiKeyId: key.apiKeyId },
    action: 'model.update',
    outcome: 'success',
    resource: { type: 'model', id: randomUUID(), name: `bench-model-${i}` },
    source: { ip: '10.1.2.3', userAgent: 'arca-bench/1 (audit append)', requestId: randomUUID() },
    details: { fields: ['description', 'tags'], note: 'x'.repeat(120) },
  };
  return { id, bytes: Buffer.from(canonicalBytes(record)) };
}

async function appendRound(db, variant, tenants, seconds) {
  const audited = variant.startsWith('audit');
  const oneMessage = variant.endsWith('-1rt');
  const url = audited ? db.appUrl : db.adminUrl;
  const table = audited ? 'audit_outbox' : 'bench_plain';
  const clients = await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      return c;
    }),
  );
  const latencies = [];
  const samples = [];
  let committed = 0;
  let n = 0;
  const started = Date.now();
  const until = started + seconds * 1000;
  try {
    await Promise.all(
      clients.map(async (c, w) => {
        while (Date.now() < until) {
          const i = n++;
          const tenantId = tenants[(i + w) % tenants.length];
          const e = event(tenantId, i);
          const t0 = performance.now();
          if (oneMessage) {
            // The whole transaction in one simple-protocol message (UUIDs we generated, bytes as hex).
            await c.query(
              `BEGIN; SELECT set_config('app.tenant_id', '${tenantId}', true); ` +
                `INSERT INTO ${table} (tenant_id, event_id, entry) VALUES ('${tenantId}', '${e.id}', '\\x${e.bytes.toString('hex')}'); COMMIT`,
            );
          } else {
            // As the app sends it: BEGIN with the tenant setting when the transaction opens, and the event with
            // COMMIT (Db.insertAtCommit: the row rides on the commit message, UUIDs and bytes as literals).
            await c.query(`BEGIN; SELECT set_config('app.tenant_id', '${tenantId}', true)`);
            await c.query(
              `INSERT INTO ${table} (tenant_id, event_id, entry) ` +
                `VALUES ('${tenantId}'::uuid, '${e.id}'::uuid, '\\x${e.bytes.toString('hex')}'::bytea); COMMIT`,
            );
          }
          latencies.push(performance.now() - t0);
          committed++;
          if (audited && i % SAMPLE_EVERY === 0) {
            samples.push({ tenantId, eventId: e.id, committedAt: Date.now() });
          }
        }
      }),
    );
    let end = Date.now();
    if (audited) {
      // Sustained means sequenced: wait until the sequencer has drained the outbox.
      await withClient(db.adminUrl, async (c) => {
        for (;;) {
          const { rows } = await c.query('SELECT count(*)::int AS n FROM audit_outbox');
          if (rows[0].n === 0) break;
          await new Promise((r) => setTimeout(r, 20));
        }
      });
      end = Date.now();
    } else {
      await withClient(db.adminUrl, (c) => c.query('TRUNCATE bench_plain'));
    }
    latencies.sort((a, b) => a - b);
    const elapsed = (end - started) / 1000;
    return {
      committed,
      seconds: elapsed,
      perSecond: committed / elapsed,
      p99: latencies[Math.floor(latencies.length * 0.99)] ?? 0,
      samples,
    };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

/** The p-quantile function of `xs` (nearest rank, as the bench has always reported it). */
function quantile(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  return (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

/** Time between consecutive checkpoints of a tenant, for gaps during the audit rounds (at most 2 intervals). */
async function checkpointGaps(db) {
  return withClient(db.adminUrl, async (c) => {
    const { rows } = await c.query(
      `SELECT gap FROM (
         SELECT extract(epoch FROM signed_at - lag(signed_at) OVER (PARTITION BY tenant_id ORDER BY size)) * 1000 AS gap
           FROM audit_checkpoints) g
        WHERE gap <= $1`,
      [2 * INTERVAL_MS],
    );
    return rows.map((r) => Number(r.gap));
  });
}

/** Client COMMIT → signed_at of the first checkpoint covering the event (waits for the checkpoints to come). */
async function checkpointDelays(db, samples) {
  return withClient(db.adminUrl, async (c) => {
    const deadline = Date.now() + INTERVAL_MS * 3;
    const out = [];
    for (const s of samples) {
      for (;;) {
        const { rows } = await c.query(
          `SELECT extract(epoch FROM min(cp.signed_at)) * 1000 AS at,
                  extract(epoch FROM min(e.sequenced_at)) * 1000 AS sequenced
             FROM audit_entries e JOIN audit_checkpoints cp ON cp.tenant_id = e.tenant_id AND cp.size > e.seq
            WHERE e.event_id = $1`,
          [s.eventId],
        );
        if (rows[0]?.at !== null && rows[0]?.at !== undefined) {
          out.push({
            total: Number(rows[0].at) - s.committedAt,
            sequencing: Number(rows[0].sequenced) - s.committedAt,
          });
          break;
        }
        if (Date.now() > deadline) {
          throw new Error(`event ${s.eventId} was not checkpointed within ${(3 * INTERVAL_MS) / 1000} s`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return out;
  });
}
