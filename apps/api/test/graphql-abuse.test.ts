// GraphQL abuse (reference/api-security.md §1.5, §4.3): every attack row that applies to this API, against the app
// as tests run it (introspection on) and as production runs it (NODE_ENV=production, introspection off, a console
// origin allowlisted). Request-level rejections must be 4xx; no answer may carry a stack trace, a file path, SQL or
// Prisma text, a "Did you mean" or the configured limits.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ModelsService } from '@arca/api-models';
import { GRAPHQL_LIMITS } from '../src/graphql.config.js';
import { JSON_BODY_LIMIT } from '../src/create-app.js';
import { TestApp, errorCode, type TestTenant } from './support/harness.js';
import { randomIp, send, snapshotDiff, snapshotTenant } from './support/operation-fixtures.js';

const CONSOLE_ORIGIN = 'https://console.arca.example';

interface Raw {
  status: number;
  body: string;
  headers: Record<string, string | string[] | number | undefined>;
}

async function request(
  t: TestApp,
  opts: {
    method: 'GET' | 'POST' | 'OPTIONS';
    url?: string;
    payload?: string;
    headers?: Record<string, string>;
  },
): Promise<Raw> {
  const res = await t.app
    .getHttpAdapter()
    .getInstance()
    .inject({
      method: opts.method,
      url: opts.url ?? '/graphql',
      payload: opts.payload,
      headers: opts.headers ?? {},
      remoteAddress: randomIp(),
    });
  return { status: res.statusCode, body: res.body, headers: res.headers };
}

const post = (
  t: TestApp,
  query: string,
  variables: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) =>
  request(t, {
    method: 'POST',
    payload: JSON.stringify({ query, variables }),
    headers: { 'content-type': 'application/json', ...headers },
  });

const getUrl = (query: string) => `/graphql?query=${encodeURIComponent(query)}`;

function messagesOf(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { errors?: { message?: string }[]; message?: string };
    return [
      ...(parsed.errors ?? []).map((e) => e.message ?? ''),
      ...(parsed.message ? [parsed.message] : []),
    ];
  } catch {
    return [body];
  }
}

function codesOf(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] };
    return (parsed.errors ?? []).map((e) => e.extensions?.code ?? '');
  } catch {
    return [];
  }
}

const LIMIT_NUMBERS = [...new Set(Object.values(GRAPHQL_LIMITS))];

/** Everything an error answer must never contain. */
function hygiene(res: Raw): string[] {
  const problems: string[] = [];
  const body = res.body;
  if (/stacktrace/i.test(body)) problems.push('stacktrace');
  if (/(?:\/[\w.@-]+){2,}\.(?:[cm]?[jt]s)\b|node_modules|file:\/\/|\bat [\w.<>]+ \(/.test(body)) {
    problems.push('file path or stack frame');
  }
  if (
    /prisma|\$queryRaw|\bSELECT\b.*\bFROM\b|\bINSERT INTO\b|\bDELETE FROM\b|\bUPDATE\b \S+ \bSET\b/i.test(
      body,
    )
  ) {
    problems.push('SQL or Prisma text');
  }
  if (/syntax error at or near|violates|duplicate key|relation "|column "|sqlstate/i.test(body)) {
    problems.push('Postgres error text');
  }
  if (/did you mean/i.test(body)) problems.push('"Did you mean" suggestion');
  for (const message of messagesOf(body)) {
    for (const n of LIMIT_NUMBERS) {
      if (new RegExp(`\\b${n}\\b`).test(message)) {
        problems.push(`message reveals the limit ${n}: "${message}"`);
      }
    }
  }
  return problems;
}

/** What is wrong with an answer that should be a request-level rejection: not 4xx, or not clean. */
function rejection(res: Raw, label: string): string[] {
  const problems = hygiene(res).map((p) => `${label}: ${p}`);
  if (res.status < 400 || res.status >= 500) {
    problems.unshift(`${label}: HTTP ${res.status} ${res.body.slice(0, 160)}`);
  }
  return problems;
}

const nested = (levels: number, leaf = 'name') =>
  `${'ofType { '.repeat(levels)}${leaf}${' }'.repeat(levels)}`;
const aliases = (n: number, field: string) =>
  Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ');
const directives = (n: number) => Array.from({ length: n }, () => '__typename @include(if: true)').join(' ');

describe('GraphQL abuse', () => {
  let t: TestApp;
  let prod: TestApp;
  let db: pg.Client;
  let tenant: TestTenant;

  beforeAll(async () => {
    t = await TestApp.start();
    prod = await TestApp.start({
      NODE_ENV: 'production',
      // Its production policies (no webhooks to private addresses, …) must not act on other suites' jobs.
      ARCA_JOBS_ENABLED: 'false',
      ARCA_INTROSPECTION: 'false',
      ARCA_CONSOLE_ORIGINS: CONSOLE_ORIGIN,
    });
    db = new pg.Client({ connectionString: inject('databaseAdminUrl') });
    await db.connect();
    tenant = await t.tenant({ withMembers: false });
  });
  afterAll(async () => {
    await db?.end();
    await prod?.close();
    await t?.close();
  });

  const apps = () => [
    { name: 'test config', app: t },
    { name: 'production config', app: prod },
  ];

  describe('§1.5 rows 1–6: document shape limits', () => {
    it('row 1: a depth-20 document is rejected, through fields and through fragments', async () => {
      const problems: string[] = [];
      for (const { name, app } of apps()) {
        const direct = await post(app, `{ __type(name: "Model") { ${nested(20)} } }`, {}, {});
        problems.push(...rejection(direct, `${name}: depth 20`));
        expect(codesOf(direct.body)).toContain('GRAPHQL_VALIDATION_FAILED');
        const fragments =
          `{ __type(name: "Model") { ...F0 } } ` +
          Array.from(
            { length: 20 },
            (_, i) => `fragment F${i} on __Type { ofType { ${i < 19 ? `...F${i + 1}` : 'name'} } }`,
          ).join(' ');
        problems.push(...rejection(await post(app, fragments), `${name}: depth 20 through fragments`));
      }
      expect(problems).toEqual([]);
    });

    it(`row 1: the depth limit sits exactly at GRAPHQL_LIMITS.maxDepth`, async () => {
      const problems: string[] = [];
      // { __type { ofType^k { name } } } has depth k + 2.
      const atLimit = await post(t, `{ __type(name: "Model") { ${nested(GRAPHQL_LIMITS.maxDepth - 2)} } }`);
      expect(atLimit.status, atLimit.body).toBe(200);
      problems.push(
        ...rejection(
          await post(t, `{ __type(name: "Model") { ${nested(GRAPHQL_LIMITS.maxDepth - 1)} } }`),
          'depth + 1',
        ),
      );
      expect(problems).toEqual([]);
    });

    it('row 1: a deep __schema document is rejected once introspection is off', async () => {
      const problems: string[] = [];
      const res = await post(prod, `{ __schema { types { ${nested(20)} } } }`);
      problems.push(...rejection(res, 'deep __schema, introspection off'));
      expect(problems).toEqual([]);
    });

    it('row 2: more aliases than allowed are rejected before any resolver runs (no brute force in one request)', async () => {
      const problems: string[] = [];
      const before = await snapshotTenant(db, tenant.id);
      const throttleBefore = (await db.query('SELECT count(*)::int AS n FROM auth_throttle')).rows[0] as {
        n: number;
      };
      const guesses = aliases(
        GRAPHQL_LIMITS.maxAliases + 1,
        `login(input: { email: "${tenant.owner.email}", password: "guess-password-1" }) { token }`,
      );
      for (const { name, app } of apps()) {
        problems.push(
          ...rejection(
            await post(app, `mutation { ${guesses} }`),
            `${name}: ${GRAPHQL_LIMITS.maxAliases + 1} aliased logins`,
          ),
        );
      }
      const throttleAfter = (await db.query('SELECT count(*)::int AS n FROM auth_throttle')).rows[0] as {
        n: number;
      };
      expect(throttleAfter.n).toBe(throttleBefore.n);
      expect(snapshotDiff(before, await snapshotTenant(db, tenant.id, before.userIds))).toEqual([]);
      expect(problems).toEqual([]);
    });

    it('row 2: the alias limit sits exactly at GRAPHQL_LIMITS.maxAliases; 1,000 aliases are rejected', async () => {
      const problems: string[] = [];
      const ok = await post(
        t,
        `{ ${aliases(GRAPHQL_LIMITS.maxAliases, 'me { role }')} }`,
        {},
        {
          authorization: `Bearer ${tenant.owner.apiKey}`,
        },
      );
      expect(ok.status, ok.body).toBe(200);
      expect(codesOf(ok.body)).toEqual([]);
      problems.push(
        ...rejection(
          await post(t, `{ ${aliases(GRAPHQL_LIMITS.maxAliases + 1, 'me { role }')} }`),
          'aliases + 1',
        ),
      );
      for (const { name, app } of apps()) {
        problems.push(
          ...rejection(await post(app, `{ ${aliases(1000, 'me { role }')} }`), `${name}: 1000 aliases`),
        );
      }
      expect(problems).toEqual([]);
    });

    it('row 3: array batching is refused', async () => {
      const problems: string[] = [];
      for (const { name, app } of apps()) {
        const res = await request(app, {
          method: 'POST',
          payload: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
          headers: { 'content-type': 'application/json' },
        });
        problems.push(...rejection(res, `${name}: batch`));
      }
      expect(problems).toEqual([]);
    });

    it('row 4: a directive flood is rejected; the limit sits at GRAPHQL_LIMITS.maxDirectives', async () => {
      const problems: string[] = [];
      const ok = await post(t, `{ ${directives(GRAPHQL_LIMITS.maxDirectives)} }`);
      expect(ok.status, ok.body).toBe(200);
      for (const { name, app } of apps()) {
        problems.push(
          ...rejection(
            await post(app, `{ ${directives(GRAPHQL_LIMITS.maxDirectives + 1)} }`),
            `${name}: directives + 1`,
          ),
        );
        problems.push(...rejection(await post(app, `{ ${directives(200)} }`), `${name}: 200 directives`));
      }
      expect(problems).toEqual([]);
    });

    it('row 5: a 20,000-token document and plain syntax errors answer 400, never 500', async () => {
      const problems: string[] = [];
      for (const { name, app } of apps()) {
        problems.push(
          // 20,000 one-letter fields: ~40 kB, under the body limit, so the parser is what refuses it.
          ...rejection(await post(app, `{ ${'a '.repeat(20_000)}}`), `${name}: 20k tokens`),
        );
        problems.push(
          ...rejection(
            await post(app, `{ ${'a'.repeat(10)}: __typename ${'x '.repeat(3000)} }`),
            `${name}: 3k tokens`,
          ),
        );
        problems.push(...rejection(await post(app, '{ model( }'), `${name}: syntax error`));
        problems.push(...rejection(await post(app, 'query {'), `${name}: unterminated document`));
      }
      expect(problems).toEqual([]);
    });

    it('row 6: 900 duplicated fields are rejected (graphql-js validation budget)', async () => {
      const problems: string[] = [];
      for (const { name, app } of apps()) {
        const res = await post(
          app,
          `{ me { user { ${'id '.repeat(900)}} } }`,
          {},
          {
            authorization: `Bearer ${tenant.owner.apiKey}`,
          },
        );
        problems.push(...rejection(res, `${name}: 900 duplicates`));
      }
      expect(problems).toEqual([]);
    });

    it('a body over the JSON limit is refused with 413 before parsing', async () => {
      const res = await request(t, {
        method: 'POST',
        payload: JSON.stringify({
          query: `{ __typename }`,
          variables: { pad: 'x'.repeat(JSON_BODY_LIMIT + 1) },
        }),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(413);
      expect(hygiene(res)).toEqual([]);
    });
  });

  describe('§1.5 rows 7–10: lists, introspection, suggestions, internal errors', () => {
    it('row 7: list arguments are capped (first: 100000 is refused, nothing is read)', async () => {
      for (const first of [100_000, 101, 0, -1]) {
        const res = await send(
          t,
          'query($f: Int) { models(first: $f) { edges { node { id } } } }',
          { f: first },
          {
            token: tenant.owner.apiKey,
          },
        );
        expect(errorCode(res), `first: ${first}`).toBe('BAD_USER_INPUT');
        expect(res.body.data ?? null).toBeNull();
        expect(hygiene({ status: res.status, body: res.raw, headers: res.headers })).toEqual([]);
      }
    });

    it('row 8: introspection is refused when ARCA_INTROSPECTION=false (and in production)', async () => {
      const problems: string[] = [];
      for (const q of [
        '{ __schema { types { name } } }',
        '{ __type(name: "Model") { name fields { name } } }',
      ]) {
        const res = await post(prod, q);
        problems.push(...rejection(res, q));
        expect(res.body).not.toContain('ModelVisibility');
      }
      const typename = await post(prod, '{ __typename }');
      expect(JSON.parse(typename.body)).toEqual({ data: { __typename: 'Query' } });
      // The test configuration keeps it on (tooling), which is what makes the prod check meaningful.
      expect((await post(t, '{ __schema { queryType { name } } }')).status).toBe(200);
      expect(problems).toEqual([]);
    });

    it('row 9: field, argument, type and enum typos answer 400 without "Did you mean"', async () => {
      const problems: string[] = [];
      const probes = [
        '{ modl }',
        '{ modl(id: "1") { id } }',
        '{ me { rol } }',
        '{ model(idd: "00000000-0000-0000-0000-000000000000") { id } }',
        'mutation { createModel(input: { name: "x", visibilty: INTERNAL }) { id } }',
        'mutation { createModel(input: { name: "x", visibility: INTERNL }) { id } }',
        'query($i: CreateModelInpt!) { __typename }',
        '{ models { edges { nod { id } } } }',
      ];
      for (const { name, app } of apps()) {
        for (const q of probes) {
          const res = await post(app, q, {}, { authorization: `Bearer ${tenant.owner.apiKey}` });
          problems.push(...rejection(res, `${name}: ${q}`));
          expect(
            codesOf(res.body).every((c) => c === 'GRAPHQL_VALIDATION_FAILED'),
            res.body,
          ).toBe(true);
        }
        // Variables are coerced outside validation: an unknown input field must not be "suggested" either.
        const res = await post(
          app,
          'mutation($i: CreateModelInput!) { createModel(input: $i) { id } }',
          { i: { name: 'ok-name', visibilty: 'INTERNAL' } },
          { authorization: `Bearer ${tenant.owner.apiKey}` },
        );
        problems.push(...rejection(res, `${name}: variable with a typo`));
      }
      expect(problems).toEqual([]);
    });

    it('row 10: a resolver failure answers INTERNAL_SERVER_ERROR with a generic message and no stack', async () => {
      for (const { name, app } of apps()) {
        const service = app.app.get(ModelsService);
        const original = service.list.bind(service);
        const secret =
          'relation "models" at /work/main/libs/api/models/src/models.service.ts:42 SELECT * FROM models';
        const failures: (() => never)[] = [
          () => {
            throw new Error(secret);
          },
          () => {
            throw new TypeError(`Cannot read properties of undefined (reading 'id') ${secret}`);
          },
          () => {
            throw secret as unknown as Error;
          },
        ];
        try {
          for (const fail of failures) {
            service.list = () => Promise.resolve().then(fail);
            const res = await send(
              app,
              '{ models { edges { node { id } } } }',
              {},
              { token: tenant.owner.apiKey },
            );
            expect(res.body.errors?.[0]?.extensions?.code, name).toBe('INTERNAL_SERVER_ERROR');
            expect(res.body.errors?.[0]?.message).toBe('internal error');
            expect(res.raw).not.toContain('models.service');
            expect(res.status).toBeLessThan(500);
            expect(hygiene({ status: res.status, body: res.raw, headers: res.headers })).toEqual([]);
          }
        } finally {
          service.list = original;
        }
        const healed = await send(
          app,
          '{ models { edges { node { id } } } }',
          {},
          { token: tenant.owner.apiKey },
        );
        expect(healed.body.errors).toBeUndefined();
      }
    });
  });

  describe('§1.5 rows 11–15: CSRF, GET and CORS', () => {
    it('row 11: GET without a preflight header is refused as CSRF', async () => {
      const problems: string[] = [];
      for (const { name, app } of apps()) {
        problems.push(
          ...rejection(
            await request(app, { method: 'GET', url: getUrl('{ __typename }') }),
            `${name}: simple GET`,
          ),
        );
      }
      expect(problems).toEqual([]);
    });

    it('row 12: simple POSTs (text/plain, form encodings) are refused as CSRF', async () => {
      const problems: string[] = [];
      for (const { name, app } of apps()) {
        for (const type of [
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
        ]) {
          const res = await request(app, {
            method: 'POST',
            payload: JSON.stringify({ query: 'mutation { logout }' }),
            headers: { 'content-type': type, cookie: '__Host-arca_session=arcs_x' },
          });
          problems.push(...rejection(res, `${name}: POST ${type}`));
        }
      }
      expect(problems).toEqual([]);
    });

    it('row 13: GET with content-type text/plain and a preflight header answers 415 (GHSA-9q82-xgwf-vj6h)', async () => {
      const problems: string[] = [];
      for (const { name, app } of apps()) {
        const res = await request(app, {
          method: 'GET',
          url: getUrl('{ __typename }'),
          headers: { 'content-type': 'text/plain', 'apollo-require-preflight': 'true' },
        });
        problems.push(...rejection(res, `${name}: GET text/plain`));
        expect([400, 415]).toContain(res.status);
      }
      expect(problems).toEqual([]);
    });

    it('row 14: mutations over GET answer 405 and do not run', async () => {
      const problems: string[] = [];
      const before = await snapshotTenant(db, tenant.id);
      for (const { name, app } of apps()) {
        const res = await request(app, {
          method: 'GET',
          url: getUrl('mutation { createModel(input: { name: "via-get" }) { id } }'),
          headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${tenant.owner.apiKey}` },
        });
        problems.push(...rejection(res, `${name}: mutation over GET`));
        expect([400, 405]).toContain(res.status);
      }
      expect(snapshotDiff(before, await snapshotTenant(db, tenant.id, before.userIds))).toEqual([]);
      expect(problems).toEqual([]);
    });

    it('row 15: CORS allows only the configured console origin, and none by default', async () => {
      const preflight = (app: TestApp, origin: string) =>
        request(app, {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type',
          },
        });
      const evil = await preflight(prod, 'https://evil.example');
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
      const evilPost = await post(prod, '{ __typename }', {}, { origin: 'https://evil.example' });
      expect(evilPost.headers['access-control-allow-origin']).toBeUndefined();
      const console_ = await preflight(prod, CONSOLE_ORIGIN);
      expect(console_.headers['access-control-allow-origin']).toBe(CONSOLE_ORIGIN);
      expect(console_.headers['access-control-allow-credentials']).toBe('true');
      const none = await post(t, '{ __typename }', {}, { origin: CONSOLE_ORIGIN });
      expect(none.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('§1.5 rows 18–19: property-level access and injection', () => {
    it('row 18: secrets are not in the schema and inputs cannot carry tenantId', async () => {
      const problems: string[] = [];
      const probes = [
        '{ apiKeys { id keyHash } }',
        '{ apiKeys { id hash } }',
        '{ me { user { id passwordHash } } }',
        '{ me { apiKey { secret } } }',
        '{ members { edges { node { user { passwordHash } } } } }',
      ];
      for (const { name, app } of apps()) {
        for (const q of probes) {
          problems.push(
            ...rejection(
              await post(app, q, {}, { authorization: `Bearer ${tenant.owner.apiKey}` }),
              `${name}: ${q}`,
            ),
          );
        }
      }
      const before = await snapshotTenant(db, tenant.id);
      const res = await post(
        t,
        'mutation($i: CreateModelInput!) { createModel(input: $i) { id } }',
        { i: { name: 'with-tenant-id', tenantId: '00000000-0000-0000-0000-000000000000' } },
        { authorization: `Bearer ${tenant.owner.apiKey}` },
      );
      problems.push(...rejection(res, 'tenantId in input'));
      expect(messagesOf(res.body).join(' ')).toContain('tenantId');
      expect(snapshotDiff(before, await snapshotTenant(db, tenant.id, before.userIds))).toEqual([]);
      expect(problems).toEqual([]);
    });

    it('row 19: search text is data, never SQL or LIKE syntax', async () => {
      const token = tenant.owner.apiKey;
      await t.createModel(token, { name: 'inj-probe-a', description: 'plain' });
      const search = async (q: string) => {
        const res = await send(
          t,
          'query($q: String) { models(query: $q) { edges { node { name } } } }',
          { q },
          {
            token,
          },
        );
        expect(res.body.errors, q).toBeUndefined();
        return (res.body.data as { models: { edges: { node: { name: string } }[] } }).models.edges.map(
          (e) => e.node.name,
        );
      };
      expect(await search("' OR 1=1 --")).toEqual([]);
      expect(await search('%')).toEqual([]);
      expect(await search('inj_probe')).toEqual([]); // `_` is not a wildcard
      expect(await search('\\')).toEqual([]);
      expect(await search("'); DROP TABLE models; --")).toEqual([]);
      expect(await search('inj-probe')).toEqual(['inj-probe-a']);
    });
  });

  describe('§4.3 console sessions: cookie attributes and Fetch Metadata', () => {
    async function cookieLogin(app: TestApp): Promise<{ cookie: string; setCookie: string; token: unknown }> {
      const res = await post(app, 'mutation($i: LoginInput!) { login(input: $i) { token me { role } } }', {
        i: { email: tenant.owner.email, password: tenant.owner.password, cookie: true },
      });
      expect(res.status, res.body).toBe(200);
      const raw = res.headers['set-cookie'];
      const setCookie = String(Array.isArray(raw) ? raw[0] : raw);
      const body = JSON.parse(res.body) as { data: { login: { token: unknown } } };
      return { cookie: setCookie.split(';')[0]!, setCookie, token: body.data.login.token };
    }

    it('sets a __Host- cookie: Secure, HttpOnly, SameSite=Strict, Path=/, no Domain; no token in the body', async () => {
      const { setCookie, token, cookie } = await cookieLogin(t);
      expect(cookie).toMatch(/^__Host-arca_session=.{20,}$/);
      const attrs = setCookie.split(';').map((a) => a.trim().toLowerCase());
      expect(attrs).toEqual(expect.arrayContaining(['secure', 'httponly', 'samesite=strict', 'path=/']));
      expect(attrs.some((a) => a.startsWith('domain'))).toBe(false);
      expect(token).toBeNull();
      const again = await cookieLogin(t);
      expect(again.cookie).not.toBe(cookie); // a new session id on every login
    });

    it('accepts the cookie same-origin and refuses it cross-site, same-site or from another origin', async () => {
      const { cookie } = await cookieLogin(t);
      const me = (headers: Record<string, string>) => post(t, '{ me { role } }', {}, { cookie, ...headers });
      expect(JSON.parse((await me({ 'sec-fetch-site': 'same-origin' })).body)).toEqual({
        data: { me: { role: 'OWNER' } },
      });
      expect(JSON.parse((await me({ 'sec-fetch-site': 'none' })).body)).toEqual({
        data: { me: { role: 'OWNER' } },
      });
      const refused: Record<string, string>[] = [
        { 'sec-fetch-site': 'cross-site' },
        { 'sec-fetch-site': 'same-site' },
        { origin: 'https://evil.example' },
        { origin: 'null' },
        { 'sec-fetch-site': 'same-origin', origin: 'https://evil.example' },
      ];
      for (const headers of refused) {
        const res = await me(headers);
        expect(codesOf(res.body), JSON.stringify(headers)).toEqual(['FORBIDDEN']);
        expect(hygiene(res)).toEqual([]);
      }
    });

    it('a cross-site mutation with the cookie is refused and writes nothing', async () => {
      const { cookie } = await cookieLogin(t);
      const before = await snapshotTenant(db, tenant.id);
      const res = await post(
        t,
        'mutation { createModel(input: { name: "csrf-probe" }) { id } }',
        {},
        {
          cookie,
          'sec-fetch-site': 'cross-site',
        },
      );
      expect(codesOf(res.body)).toEqual(['FORBIDDEN']);
      expect(snapshotDiff(before, await snapshotTenant(db, tenant.id, before.userIds))).toEqual([]);
    });

    it('logout clears the cookie and invalidates the session server-side', async () => {
      const { cookie } = await cookieLogin(t);
      const out = await post(t, 'mutation { logout }', {}, { cookie, 'sec-fetch-site': 'same-origin' });
      expect(JSON.parse(out.body)).toEqual({ data: { logout: true } });
      expect(String(out.headers['set-cookie'])).toMatch(/^__Host-arca_session=;.*Max-Age=0/i);
      const after = await post(t, '{ me { role } }', {}, { cookie, 'sec-fetch-site': 'same-origin' });
      expect(codesOf(after.body)).toEqual(['UNAUTHENTICATED']);
    });
  });
});
