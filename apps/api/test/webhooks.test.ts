import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
// apps/api/package.json does not list pg (it reaches the app through @arca/api-db), as in db-wall.test.ts.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger, loadConfig } from '@arca/api-core';
import { Db } from '@arca/api-db';
import { WebhookEvents } from '@arca/api-webhooks';
import { WebhookHeader } from '@arca/contracts';
import { verifyWebhookSignature } from '@arca/sdk';
import { createApp } from '../src/create-app.js';
import { loadServerSecrets } from '../src/server-secrets.js';
import { TEST_MASTER_KEY, TEST_PEPPER, TestApp, errorCode, type TestTenant } from './support/harness.js';

// Webhooks end to end (ADR 0008): the real app, a real local HTTP receiver, real Postgres and pg-boss. Retries are
// fast here (300 ms base, 3 attempts); the schedule travels with each delivery, so other apps on this database
// that happen to take a job keep it.

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const received: Received[] = [];
/** Status codes a path answers, in order (the last one repeats). */
const script = new Map<string, number[]>();
let receiver: Server;
let base: string;

const logLines: string[] = [];
let t: TestApp;
let admin: pg.Client;
let A: TestTenant;
let B: TestTenant;

/** Like TestApp.start, with a trace-level logger whose output the test reads. */
async function startApp(env: Record<string, string>): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: inject('databaseAdminUrl'),
    DATABASE_APP_URL: inject('databaseAppUrl'),
    ARCA_API_KEY_PEPPER: TEST_PEPPER,
    ARCA_MASTER_KEY: TEST_MASTER_KEY,
    ARCA_AUDIT_CHECKPOINT_INTERVAL_MS: '200',
    ARCA_DATA_DIR: mkdtempSync(join(tmpdir(), 'arca-test-data-')),
    LOG_LEVEL: 'trace',
    ...env,
  });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const app = await createApp({
    config,
    secrets: loadServerSecrets(config),
    logger,
    appUrl: inject('databaseAppUrl'),
  });
  // TestApp's constructor is private to keep tests on TestApp.start; this suite needs its own logger.
  const Ctor = TestApp as unknown as new (app: NestFastifyApplication) => TestApp;
  return new Ctor(app);
}

async function until<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  ms = 60_000, // deliveries run on pg-boss workers of every test app sharing this database: slow under CI load
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const WEBHOOK_FIELDS = 'id url description events active disabledReason previousSecretExpiresAt';
const DELIVERY_FIELDS =
  'id eventId eventType status attempts payload lastStatusCode lastError nextAttemptAt deliveredAt redeliveryOf attemptLog { attempt statusCode error responseExcerpt }';

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  payload: string;
  lastStatusCode: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  redeliveryOf: string | null;
  attemptLog: {
    attempt: number;
    statusCode: number | null;
    error: string | null;
    responseExcerpt: string | null;
  }[];
}

async function createWebhook(
  token: string,
  path: string,
  events = ['version.created'],
): Promise<{ id: string; secret: string }> {
  const data = await t.ok<{ createWebhook: { secret: string; webhook: { id: string } } }>(
    `mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { secret webhook { ${WEBHOOK_FIELDS} } } }`,
    { i: { url: `${base}${path}`, events, description: path } },
    { token },
  );
  return { id: data.createWebhook.webhook.id, secret: data.createWebhook.secret };
}

async function deliveries(token: string, webhookId: string): Promise<Delivery[]> {
  const data = await t.ok<{ webhookDeliveries: { edges: { node: Delivery }[] } }>(
    `query($w: ID!) { webhookDeliveries(webhookId: $w, first: 50) { edges { node { ${DELIVERY_FIELDS} } } } }`,
    { w: webhookId },
    { token },
  );
  return data.webhookDeliveries.edges.map((e) => e.node);
}

const emit = (tenantId: string, type: string, data: Record<string, unknown> = {}) =>
  t.app.get(WebhookEvents).emit({ tenantId }, { type, data });

const at = (path: string): Received[] => received.filter((r) => r.path === path);

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const codes = script.get(path) ?? [200];
      const code = codes.length > 1 ? codes.shift()! : codes[0]!;
      res.writeHead(code, { 'content-type': 'text/plain' });
      res.end(code >= 300 ? `nope ${code}` : 'ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await startApp({
    ARCA_JOBS_POLL_INTERVAL_MS: '500',
    ARCA_WEBHOOK_RETRY_BASE_MS: '300',
    ARCA_WEBHOOK_MAX_ATTEMPTS: '3',
  });
  admin = new pg.Client({ connectionString: inject('databaseAdminUrl') });
  await admin.connect();
  A = await t.tenant();
  B = await t.tenant({ withMembers: false });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await admin?.end();
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
});

describe('delivery', () => {
  it('POSTs the event signed over "<timestamp>.<body>", verifiable with the SDK helper', async () => {
    const hook = await createWebhook(A.owner.apiKey, '/signed');
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const { eventId } = await emit(A.id, 'version.created', { versionId: 'v-1', modelName: 'resnet' });
    const req = await until('a request', () => at('/signed')[0]);

    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers[WebhookHeader.Event]).toBe('version.created');
    const body = JSON.parse(req.body) as Record<string, unknown>;
    expect(body).toEqual({
      id: eventId,
      type: 'version.created',
      tenantId: A.id,
      createdAt: expect.any(String),
      data: { versionId: 'v-1', modelName: 'resnet' },
    });
    const header = String(req.headers[WebhookHeader.Signature]);
    const timestamp = String(req.headers[WebhookHeader.Timestamp]);
    expect(header).toMatch(/^v1=[0-9a-f]{64}$/);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(30);

    const verify = (o: Partial<Parameters<typeof verifyWebhookSignature>[0]>) =>
      verifyWebhookSignature({ secret: hook.secret, header, timestamp, body: req.body, ...o });
    expect(await verify({})).toEqual({ ok: true, timestamp: Number(timestamp) });
    expect(await verify({ body: Buffer.from(req.body) })).toMatchObject({ ok: true });
    expect(await verify({ body: req.body.replace('resnet', 'resnex') })).toEqual({
      ok: false,
      reason: 'no-match',
    });
    expect(await verify({ secret: 'whsec_wrong' })).toEqual({ ok: false, reason: 'no-match' });
    expect(await verify({ timestamp: String(Number(timestamp) + 1) })).toEqual({
      ok: false,
      reason: 'no-match',
    });
    expect(await verify({ now: (Number(timestamp) + 301) * 1000 })).toEqual({
      ok: false,
      reason: 'outside-tolerance',
    });

    const [d] = await until('success', async () => {
      const list = await deliveries(A.owner.apiKey, hook.id);
      return list[0]?.status === 'SUCCEEDED' ? list : undefined;
    });
    expect(req.headers[WebhookHeader.Delivery]).toBe(d!.id);
    expect(d).toMatchObject({ eventId, attempts: 1, lastStatusCode: 200, payload: req.body });
    expect(d!.deliveredAt).not.toBeNull();
    expect(d!.attemptLog).toEqual([{ attempt: 1, statusCode: 200, error: null, responseExcerpt: 'ok' }]);
  });

  it('retries after a 500 and succeeds, with every attempt logged', async () => {
    script.set('/flaky', [500, 200]);
    const hook = await createWebhook(A.owner.apiKey, '/flaky');
    await emit(A.id, 'version.created', { n: 1 });
    const [d] = await until('success after a retry', async () => {
      const list = await deliveries(A.owner.apiKey, hook.id);
      return list[0]?.status === 'SUCCEEDED' ? list : undefined;
    });
    expect(d!.attempts).toBe(2);
    expect(d!.attemptLog).toEqual([
      { attempt: 1, statusCode: 500, error: 'HTTP 500', responseExcerpt: 'nope 500' },
      { attempt: 2, statusCode: 200, error: null, responseExcerpt: 'ok' },
    ]);
    const reqs = at('/flaky');
    expect(reqs).toHaveLength(2);
    // Same body and delivery id on the retry, a fresh timestamp and signature.
    expect(reqs[1]!.body).toBe(reqs[0]!.body);
    expect(reqs[1]!.headers[WebhookHeader.Delivery]).toBe(reqs[0]!.headers[WebhookHeader.Delivery]);
  });

  it('gives up after the attempt limit and stops calling', async () => {
    script.set('/down', [503]);
    const hook = await createWebhook(A.owner.apiKey, '/down');
    await emit(A.id, 'version.created');
    const [d] = await until('gave up', async () => {
      const list = await deliveries(A.owner.apiKey, hook.id);
      return list[0]?.status === 'GAVE_UP' ? list : undefined;
    });
    expect(d).toMatchObject({ attempts: 3, lastStatusCode: 503, lastError: 'HTTP 503', nextAttemptAt: null });
    expect(d!.attemptLog.map((a) => a.statusCode)).toEqual([503, 503, 503]);
    await pause(1_500);
    expect(at('/down')).toHaveLength(3);
  });

  it('a 410 Gone gives up at once and disables the endpoint', async () => {
    script.set('/gone', [410]);
    const hook = await createWebhook(A.owner.apiKey, '/gone');
    await emit(A.id, 'version.created');
    await until('gave up', async () => (await deliveries(A.owner.apiKey, hook.id))[0]?.status === 'GAVE_UP');
    const data = await t.ok<{ webhook: { active: boolean; disabledReason: string } }>(
      'query($id: ID!) { webhook(id: $id) { active disabledReason } }',
      { id: hook.id },
      { token: A.owner.apiKey },
    );
    expect(data.webhook).toEqual({ active: false, disabledReason: 'the endpoint answered 410 Gone' });
    await emit(A.id, 'version.created');
    expect(await deliveries(A.owner.apiKey, hook.id)).toHaveLength(1);
  });

  it('only subscribed, active endpoints get an event; unknown event types are refused', async () => {
    const aliases = await createWebhook(A.owner.apiKey, '/aliases', ['alias.updated']);
    const versions = await createWebhook(A.owner.apiKey, '/versions-only', ['version.ready']);
    await emit(A.id, 'alias.updated', { alias: 'production' });
    await until('alias delivery', () => at('/aliases')[0]);
    expect(await deliveries(A.owner.apiKey, versions.id)).toEqual([]);
    await expect(emit(A.id, 'model.exploded')).rejects.toThrow(/unknown webhook event type/);
    expect(aliases.id).not.toBe(versions.id);
  });

  it('an event emitted in a transaction that rolls back is never delivered', async () => {
    const hook = await createWebhook(A.owner.apiKey, '/rolled-back');
    const db = t.app.get(Db);
    await expect(
      db.tenantTransaction(A.id, async () => {
        const r = await emit(A.id, 'version.created');
        expect(r.deliveries).toBeGreaterThanOrEqual(1);
        throw new Error('the business change failed');
      }),
    ).rejects.toThrow('the business change failed');
    await pause(1_500);
    expect(await deliveries(A.owner.apiKey, hook.id)).toEqual([]);
    expect(at('/rolled-back')).toEqual([]);
    const { rows } = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM pgboss.job WHERE name = 'webhook-delivery' AND data->>'tenantId' = $1
         AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.id::text = data->>'deliveryId')`,
      [A.id],
    );
    expect(rows[0]!.n).toBe('0');
  });

  it('redelivers as a new delivery with the same event and body; sendTestWebhook sends webhook.test', async () => {
    const hook = await createWebhook(A.owner.apiKey, '/redeliver');
    const test = await t.ok<{ sendTestWebhook: Delivery }>(
      `mutation($id: ID!) { sendTestWebhook(id: $id) { ${DELIVERY_FIELDS} } }`,
      { id: hook.id },
      { token: A.owner.apiKey },
    );
    expect(test.sendTestWebhook).toMatchObject({ eventType: 'webhook.test', status: 'PENDING', attempts: 0 });
    await until('test delivery', () => at('/redeliver')[0]);
    const again = await t.ok<{ redeliverWebhookDelivery: Delivery }>(
      `mutation($id: ID!) { redeliverWebhookDelivery(id: $id) { ${DELIVERY_FIELDS} } }`,
      { id: test.sendTestWebhook.id },
      { token: A.owner.apiKey },
    );
    expect(again.redeliverWebhookDelivery).toMatchObject({
      eventId: test.sendTestWebhook.eventId,
      redeliveryOf: test.sendTestWebhook.id,
      payload: test.sendTestWebhook.payload,
    });
    const reqs = await until('redelivery', () =>
      at('/redeliver').length === 2 ? at('/redeliver') : undefined,
    );
    expect(reqs[1]!.body).toBe(reqs[0]!.body);
    expect(reqs[1]!.headers[WebhookHeader.Delivery]).toBe(again.redeliverWebhookDelivery.id);
  });
});

describe('secrets', () => {
  it('rotation: both signatures during the grace period; secrets appear only in create/rotate answers', async () => {
    const hook = await createWebhook(A.owner.apiKey, '/rotate');
    const rotated = await t.ok<{
      rotateWebhookSecret: { secret: string; webhook: { previousSecretExpiresAt: string } };
    }>(
      'mutation($id: ID!) { rotateWebhookSecret(id: $id, graceHours: 1) { secret webhook { previousSecretExpiresAt } } }',
      { id: hook.id },
      { token: A.owner.apiKey },
    );
    const fresh = rotated.rotateWebhookSecret.secret;
    expect(fresh).not.toBe(hook.secret);
    expect(new Date(rotated.rotateWebhookSecret.webhook.previousSecretExpiresAt).getTime()).toBeGreaterThan(
      Date.now(),
    );
    await emit(A.id, 'version.created', { rotated: true });
    const req = await until('a request', () => at('/rotate')[0]);
    const header = String(req.headers[WebhookHeader.Signature]);
    expect(header).toMatch(/^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    const timestamp = String(req.headers[WebhookHeader.Timestamp]);
    for (const secret of [fresh, hook.secret]) {
      expect(await verifyWebhookSignature({ secret, header, timestamp, body: req.body })).toMatchObject({
        ok: true,
      });
    }
    // Grace 0: the old secret stops at once.
    const again = await t.ok<{ rotateWebhookSecret: { secret: string } }>(
      'mutation($id: ID!) { rotateWebhookSecret(id: $id, graceHours: 0) { secret } }',
      { id: hook.id },
      { token: A.owner.apiKey },
    );
    await emit(A.id, 'version.created', { rotated: 2 });
    const req2 = await until('a second request', () => at('/rotate')[1]);
    expect(String(req2.headers[WebhookHeader.Signature])).toMatch(/^v1=[0-9a-f]{64}$/);
    const ts2 = String(req2.headers[WebhookHeader.Timestamp]);
    const h2 = String(req2.headers[WebhookHeader.Signature]);
    expect(
      await verifyWebhookSignature({
        secret: again.rotateWebhookSecret.secret,
        header: h2,
        timestamp: ts2,
        body: req2.body,
      }),
    ).toMatchObject({ ok: true });
    expect(
      await verifyWebhookSignature({ secret: fresh, header: h2, timestamp: ts2, body: req2.body }),
    ).toMatchObject({ ok: false });

    // Nowhere else: GraphQL reads, logs, audit entries, job payloads, the table (sealed).
    const secrets = [hook.secret, fresh, again.rotateWebhookSecret.secret];
    const reads = [
      await t.gql(
        `{ webhooks { ${WEBHOOK_FIELDS} createdById createdAt updatedAt disabledAt } }`,
        {},
        { token: A.owner.apiKey },
      ),
      await t.gql(
        `query($id: ID!) { webhook(id: $id) { ${WEBHOOK_FIELDS} } }`,
        { id: hook.id },
        { token: A.owner.apiKey },
      ),
      await t.gql(
        `query($w: ID!) { webhookDeliveries(webhookId: $w) { edges { node { ${DELIVERY_FIELDS} } } } }`,
        { w: hook.id },
        { token: A.owner.apiKey },
      ),
      await t.gql(
        'mutation($id: ID!, $i: UpdateWebhookInput!) { updateWebhook(id: $id, input: $i) { id } }',
        { id: hook.id, i: { description: 'still secret-free' } },
        { token: A.owner.apiKey },
      ),
      await t.gql(
        '{ auditEvents(first: 100) { edges { node { action entry } } } }',
        {},
        { token: A.owner.apiKey },
      ),
    ];
    for (const res of reads) {
      expect(res.body.errors).toBeUndefined();
      for (const s of secrets) expect(res.raw).not.toContain(s);
    }
    await t.flushAudit();
    const logs = logLines.join('');
    expect(logs).toContain('webhook delivery attempt');
    for (const s of secrets) {
      expect(logs).not.toContain(s);
      const { rows } = await admin.query<{ n: string }>(
        `SELECT (SELECT count(*) FROM audit_entries WHERE position(convert_to($1, 'UTF8') IN entry) > 0)
              + (SELECT count(*) FROM webhooks WHERE position(convert_to($1, 'UTF8') IN sealed_secret) > 0
                   OR position(convert_to($1, 'UTF8') IN coalesce(previous_sealed_secret, ''::bytea)) > 0)
              + (SELECT count(*) FROM pgboss.job WHERE data::text LIKE '%' || $1 || '%') AS n`,
        [s],
      );
      expect(rows[0]!.n).toBe('0');
    }
  });
});

describe('access', () => {
  it('tenant B cannot see or touch A’s webhooks or deliveries (NOT_FOUND, like ids that exist nowhere)', async () => {
    const hook = await createWebhook(A.owner.apiKey, '/isolated');
    await emit(A.id, 'version.created');
    const [d] = await until('a delivery', async () => {
      const list = await deliveries(A.owner.apiKey, hook.id);
      return list.length ? list : undefined;
    });
    const asB = { token: B.owner.apiKey };
    const calls: [string, Record<string, unknown>][] = [
      ['query($id: ID!) { webhook(id: $id) { id } }', { id: hook.id }],
      ['query($id: ID!) { webhookDeliveries(webhookId: $id) { edges { cursor } } }', { id: hook.id }],
      ['mutation($id: ID!) { updateWebhook(id: $id, input: { description: "x" }) { id } }', { id: hook.id }],
      ['mutation($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', { id: hook.id }],
      ['mutation($id: ID!) { deleteWebhook(id: $id) { id } }', { id: hook.id }],
      ['mutation($id: ID!) { sendTestWebhook(id: $id) { id } }', { id: hook.id }],
      ['mutation($id: ID!) { redeliverWebhookDelivery(id: $id) { id } }', { id: d!.id }],
    ];
    for (const [query, vars] of calls) {
      const res = await t.gql(query, vars, asB);
      expect({ query, code: errorCode(res) }).toEqual({ query, code: 'NOT_FOUND' });
      const ghost = await t.gql(
        query,
        Object.fromEntries(Object.keys(vars).map((k) => [k, randomUUID()])),
        asB,
      );
      expect(ghost.body.errors?.[0]?.message).toBe(res.body.errors?.[0]?.message);
    }
    const list = await t.ok<{ webhooks: { id: string }[] }>('{ webhooks { id } }', {}, asB);
    expect(list.webhooks.map((w) => w.id)).not.toContain(hook.id);
    // B's events never reach A's endpoints.
    expect((await emit(B.id, 'version.created')).deliveries).toBe(0);
    expect(await deliveries(A.owner.apiKey, hook.id)).toHaveLength(1);
  });

  it('owner and admin manage webhooks; publisher, approver, consumer, viewer and auditor cannot', async () => {
    const admin_ = A.members.admin;
    expect((await createWebhook(admin_.apiKey, '/by-admin')).secret).toMatch(/^whsec_/);
    for (const role of ['publisher', 'approver', 'consumer', 'viewer', 'auditor'] as const) {
      for (const token of [A.members[role].apiKey, A.members[role].session]) {
        const res = await t.gql(
          'mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { secret } }',
          { i: { url: `${base}/nope`, events: ['version.created'] } },
          { token },
        );
        expect({ role, code: errorCode(res) }).toEqual({ role, code: 'FORBIDDEN' });
        expect(errorCode(await t.gql('{ webhooks { id } }', {}, { token }))).toBe('FORBIDDEN');
      }
    }
  });

  it('refuses bad URLs and events with BAD_USER_INPUT; metadata addresses are refused even when private networks are allowed', async () => {
    for (const [url, message] of [
      ['ftp://example.com/x', /https/],
      ['not a url', /absolute/],
      ['http://user:pw@127.0.0.1/x', /credentials/],
      ['http://169.254.169.254/latest/meta-data', /reserved or metadata/],
      ['http://0.0.0.0:8080/', /reserved or metadata/],
    ] as const) {
      const res = await t.gql(
        'mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { secret } }',
        { i: { url, events: ['version.created'] } },
        { token: A.owner.apiKey },
      );
      expect({ url, code: errorCode(res) }).toEqual({ url, code: 'BAD_USER_INPUT' });
      expect(res.body.errors?.[0]?.message).toMatch(message);
    }
    for (const events of [[], ['webhook.test'], ['version.created', 'nope']]) {
      const res = await t.gql(
        'mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { secret } }',
        { i: { url: `${base}/x`, events } },
        { token: A.owner.apiKey },
      );
      expect({ events, code: errorCode(res) }).toEqual({ events, code: 'BAD_USER_INPUT' });
    }
  });
});

describe('SSRF policy in production mode', () => {
  let prod: TestApp;
  let tenant: TestTenant;
  beforeAll(async () => {
    prod = await TestApp.start({
      ARCA_JOBS_ENABLED: 'false',
      ARCA_WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false',
      ARCA_WEBHOOK_ALLOW_HTTP: 'false',
      ARCA_AUDIT_SEQUENCER: 'false',
    });
    tenant = await prod.tenant({ withMembers: false });
  }, 60_000);
  afterAll(async () => {
    await prod?.close();
  });

  it('refuses loopback, private, link-local and plain-http URLs', async () => {
    for (const url of [
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://10.1.2.3/hook',
      'https://172.20.0.1/hook',
      'https://192.168.1.10/hook',
      'https://169.254.10.10/hook',
      'https://100.64.0.1/hook',
      'https://[::1]/hook',
      'https://[fd12:3456::1]/hook',
      'https://[fe80::1]/hook',
      'https://[::ffff:127.0.0.1]/hook',
      `${base}/hook`,
    ]) {
      const res = await prod.gql(
        'mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { secret } }',
        { i: { url, events: ['version.created'] } },
        { token: tenant.owner.apiKey },
      );
      expect({ url, code: errorCode(res) }).toEqual({ url, code: 'BAD_USER_INPUT' });
    }
  });
});
