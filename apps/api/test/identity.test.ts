import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
// The app's package.json does not list these two (they come through @arca/api-db and @arca/api-identity);
// the tests need them directly to reach Postgres as the superuser and to forge old-parameter hashes.
import pg from 'pg';
import argon2 from 'argon2';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger, loadConfig } from '@arca/api-core';
import { formatApiKey } from '@arca/contracts';
import { createApp } from '../src/create-app.js';
import { loadServerSecrets } from '../src/server-secrets.js';
import {
  TEST_MASTER_KEY,
  TEST_PEPPER,
  TestApp,
  errorCode,
  type GqlOptions,
  type GqlResponse,
  type TestTenant,
} from './support/harness.js';
import { randomIp } from './support/operation-fixtures.js';

// Identity through the real app: argon2id logins, throttling, sessions, password change, API keys, and the
// promise that secrets never reach the database or the logs in plaintext.

const OTHER_PEPPER = 'b2'.repeat(32);

const LOGIN = `mutation($i: LoginInput!) {
  login(input: $i) { token expiresAt me { principalKind role user { id email } tenant { id slug } } }
}`;
const ME = `{ me { principalKind role permissions user { id email } tenant { id slug }
  apiKey { id displayPrefix scopes modelIds lastUsedAt } } }`;
const CREATE_KEY = `mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret apiKey { id displayPrefix } } }`;
const CHANGE_PASSWORD = 'mutation($i: ChangePasswordInput!) { changePassword(input: $i) }';

type LoginData = {
  login: {
    token: string | null;
    expiresAt: string;
    me: {
      principalKind: string;
      role: string;
      user: { id: string; email: string };
      tenant: { id: string; slug: string };
    };
  };
};

type MeData = {
  me: {
    principalKind: string;
    role: string;
    permissions: string[];
    user: { id: string; email: string };
    tenant: { id: string; slug: string };
    apiKey: {
      id: string;
      displayPrefix: string;
      scopes: string[];
      modelIds: string[];
      lastUsedAt: string | null;
    } | null;
  };
};

/** The harness boots with a fixed pepper; these helpers build the same app with our own pepper and logger. */
const wrap = (app: NestFastifyApplication): TestApp =>
  new (TestApp as unknown as new (a: NestFastifyApplication) => TestApp)(app);

async function buildApp(opts: { pepperHex?: string; env?: Record<string, string>; log?: Writable } = {}) {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: inject('databaseAdminUrl'),
    DATABASE_APP_URL: inject('databaseAppUrl'),
    ARCA_API_KEY_PEPPER: opts.pepperHex ?? TEST_PEPPER,
    ARCA_MASTER_KEY: TEST_MASTER_KEY,
    ARCA_DATA_DIR: mkdtempSync(join(tmpdir(), 'arca-identity-test-')),
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const app = await createApp({
    config,
    secrets: loadServerSecrets(config),
    logger: createLogger(config.logLevel, opts.log),
    appUrl: inject('databaseAppUrl'),
  });
  return wrap(app);
}

/** Like t.gql(), from a random client address unless given (throttling is per IP). */
function call<T = Record<string, unknown>>(
  t: TestApp,
  query: string,
  variables: Record<string, unknown> = {},
  opts: GqlOptions = {},
): Promise<GqlResponse<T>> {
  return t.gql<T>(query, variables, { ...opts, ip: opts.ip ?? randomIp() });
}

const login = (
  t: TestApp,
  email: string,
  password: string,
  opts: { ip?: string; tenantSlug?: string; cookie?: boolean } = {},
) =>
  call<LoginData>(
    t,
    LOGIN,
    { i: { email, password, tenantSlug: opts.tenantSlug, cookie: opts.cookie } },
    { ip: opts.ip },
  );

const me = (t: TestApp, token: string) => call<MeData>(t, ME, {}, { token });

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const hmac = (pepperHex: string, token: string): Buffer =>
  createHmac('sha256', Buffer.from(pepperHex, 'hex')).update(token, 'utf8').digest();

let t: TestApp;
let admin: pg.Client;

beforeAll(async () => {
  t = await TestApp.start();
  admin = new pg.Client({ connectionString: inject('databaseAdminUrl') });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await t?.close();
});

describe('login', () => {
  let tenant: TestTenant;
  beforeAll(async () => {
    tenant = await t.tenant({ withMembers: false });
  });

  it('returns an opaque session token that works for me', async () => {
    const res = await login(t, tenant.owner.email, tenant.owner.password);
    expect(res.body.errors).toBeUndefined();
    const { token, expiresAt, me: who } = res.body.data!.login;
    expect(token).toMatch(/^arcs_[A-Za-z0-9_-]{43}$/);
    expect(who).toMatchObject({ principalKind: 'SESSION', role: 'OWNER', tenant: { slug: tenant.slug } });
    // Absolute expiry: 8 h by default.
    const hours = (Date.parse(expiresAt) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(7.9);
    expect(hours).toBeLessThanOrEqual(8);
    const m = await me(t, token!);
    expect(m.body.data?.me).toMatchObject({
      principalKind: 'SESSION',
      role: 'OWNER',
      user: { id: tenant.owner.userId, email: tenant.owner.email },
      tenant: { id: tenant.id, slug: tenant.slug },
      apiKey: null,
    });
  });

  it('normalises the email (case, spaces) and gives a different token on every login', async () => {
    const a = await login(t, `  ${tenant.owner.email.toUpperCase()} `, tenant.owner.password);
    const b = await login(t, tenant.owner.email, tenant.owner.password);
    const ta = a.body.data!.login.token!;
    const tb = b.body.data!.login.token!;
    expect(ta).not.toBe(tb);
    expect(ta).not.toBe(tenant.owner.session);
    for (const tok of [ta, tb]) expect((await me(t, tok)).body.data?.me.user.id).toBe(tenant.owner.userId);
  });

  it('answers a wrong password and an unknown email with the identical UNAUTHENTICATED error', async () => {
    const wrong = await login(t, tenant.owner.email, 'definitely-not-the-password');
    const unknown = await login(
      t,
      `nobody-${randomBytes(4).toString('hex')}@nowhere.test`,
      'whatever-password',
    );
    expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
    expect(errorCode(unknown)).toBe('UNAUTHENTICATED');
    expect(wrong.body.errors![0]!.message).toBe('invalid email or password');
    expect(unknown.body.errors).toEqual(wrong.body.errors);
    expect(unknown.status).toBe(wrong.status);
    expect(wrong.body.data ?? null).toBeNull();
  });

  it('runs argon2 for unknown emails too (latency sanity check)', async () => {
    // SANITY CHECK ONLY: wall-clock timing in a shared test process is noisy, so the bounds are generous
    // (medians within 0.5–2× and both ≥ 5 ms, i.e. both clearly include an argon2id verification at
    // m=19456,t=2). The real guarantee is the code path: AuthService.login calls
    // PasswordHasher.verifyUnknownUser, which verifies against a current-parameter dummy hash
    // (password-hasher.spec.ts asserts that argon2.verify really runs there).
    const email = tenant.owner.email;
    const unknown = (): string => `ghost-${randomBytes(4).toString('hex')}@nowhere.test`;
    const time = async (address: string): Promise<number> => {
      const started = performance.now();
      const res = await login(t, address, 'wrong-password-123');
      const ms = performance.now() - started;
      expect(errorCode(res)).toBe('UNAUTHENTICATED');
      return ms;
    };
    await time(unknown()); // builds the dummy hash once
    await time(email);
    const known: number[] = [];
    const ghosts: number[] = [];
    for (let i = 0; i < 5; i++) {
      known.push(await time(email));
      ghosts.push(await time(unknown()));
    }
    const ratio = median(ghosts) / median(known);
    expect(median(known)).toBeGreaterThanOrEqual(5);
    expect(median(ghosts)).toBeGreaterThanOrEqual(5);
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  it('with cookie: true sets a __Host- session cookie (Secure, HttpOnly, SameSite=Strict, Path=/) and returns no token', async () => {
    const res = await login(t, tenant.owner.email, tenant.owner.password, { cookie: true });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data!.login.token).toBeNull();
    const raw = res.headers['set-cookie'];
    const cookies = (Array.isArray(raw) ? raw : [raw]).filter((c): c is string => typeof c === 'string');
    expect(cookies).toHaveLength(1);
    const cookie = cookies[0]!;
    const [pair, ...attrs] = cookie.split(';').map((s) => s.trim());
    const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
    expect(name).toBe('__Host-arca_session');
    expect(decodeURIComponent(value)).toMatch(/^arcs_[A-Za-z0-9_-]{43}$/);
    expect(attrs).toEqual(expect.arrayContaining(['Path=/', 'Secure', 'HttpOnly', 'SameSite=Strict']));
    expect(attrs.some((a) => /^domain=/i.test(a))).toBe(false); // __Host- forbids Domain
    expect(attrs).toContain(`Max-Age=${8 * 3600}`);
    // The cookie authenticates a same-origin request.
    const m = await call<MeData>(t, ME, {}, { headers: { cookie: `__Host-arca_session=${value}` } });
    expect(m.body.data?.me.user.id).toBe(tenant.owner.userId);
  });

  it('upgrades a hash with old parameters or another argon2 variant on the next successful login', async () => {
    const owner = (await t.tenant({ withMembers: false })).owner;
    for (const old of [
      await argon2.hash(owner.password, {
        type: argon2.argon2id,
        memoryCost: 4096,
        timeCost: 2,
        parallelism: 1,
      }),
      await argon2.hash(owner.password, {
        type: argon2.argon2i,
        memoryCost: 19_456,
        timeCost: 2,
        parallelism: 1,
      }),
    ]) {
      await admin.query('UPDATE users SET password_hash = $1 WHERE id = $2', [old, owner.userId]);
      const res = await login(t, owner.email, owner.password);
      expect(res.body.data?.login.token).toBeTruthy();
      const { rows } = await admin.query<{ h: string }>(
        'SELECT password_hash AS h FROM users WHERE id = $1',
        [owner.userId],
      );
      expect(rows[0]!.h).not.toBe(old);
      expect(rows[0]!.h).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
      expect(await argon2.verify(rows[0]!.h, owner.password)).toBe(true);
    }
  });
});

describe('login throttling', () => {
  const wrong = 'not-the-password-at-all';

  it('blocks the 11th attempt for (email, IP) after 10 failures — even with the right password — but not another IP', async () => {
    const { owner } = await t.tenant({ withMembers: false });
    const ip = randomIp();
    for (let i = 1; i <= 10; i++) {
      const res = await login(t, owner.email, wrong, { ip });
      expect({ attempt: i, code: errorCode(res) }).toEqual({ attempt: i, code: 'UNAUTHENTICATED' });
    }
    const blocked = await login(t, owner.email, owner.password, { ip });
    expect(errorCode(blocked)).toBe('RATE_LIMITED');
    expect(blocked.body.data?.login ?? null).toBeNull();
    const details = blocked.body.errors![0]!.extensions!['details'] as { retryAfterSeconds: number };
    expect(details.retryAfterSeconds).toBeGreaterThan(3500); // blocked for 1 h
    expect(details.retryAfterSeconds).toBeLessThanOrEqual(3600);
    // Another address is not affected, and neither is another account from the blocked address.
    const elsewhere = await login(t, owner.email, owner.password, { ip: randomIp() });
    expect(elsewhere.body.data?.login.token).toMatch(/^arcs_/);
    const other = (await t.tenant({ withMembers: false })).owner;
    expect((await login(t, other.email, other.password, { ip })).body.data?.login.token).toMatch(/^arcs_/);
    // Still blocked where it was.
    expect(errorCode(await login(t, owner.email, owner.password, { ip }))).toBe('RATE_LIMITED');
  });

  it('throttles an unknown email exactly the same way', async () => {
    const ghost = `ghost-${randomBytes(5).toString('hex')}@nowhere.test`;
    const ip = randomIp();
    for (let i = 1; i <= 10; i++) {
      const res = await login(t, ghost, wrong, { ip });
      expect({ attempt: i, code: errorCode(res) }).toEqual({ attempt: i, code: 'UNAUTHENTICATED' });
    }
    const blocked = await login(t, ghost, wrong, { ip });
    expect(errorCode(blocked)).toBe('RATE_LIMITED');
    const details = blocked.body.errors![0]!.extensions!['details'] as { retryAfterSeconds: number };
    expect(details.retryAfterSeconds).toBeGreaterThan(0);
    expect(blocked.body.errors![0]!.message).toBe('too many failed attempts; try again later');
    expect(errorCode(await login(t, ghost, wrong, { ip: randomIp() }))).toBe('UNAUTHENTICATED');
  });

  it('a successful login resets the (email, IP) counter', async () => {
    const { owner } = await t.tenant({ withMembers: false });
    const ip = randomIp();
    for (let i = 0; i < 9; i++) await login(t, owner.email, wrong, { ip });
    expect((await login(t, owner.email, owner.password, { ip })).body.data?.login.token).toBeTruthy();
    for (let i = 0; i < 9; i++) {
      expect(errorCode(await login(t, owner.email, wrong, { ip }))).toBe('UNAUTHENTICATED');
    }
    expect((await login(t, owner.email, owner.password, { ip })).body.data?.login.token).toBeTruthy();
  });

  it('stores only keyed hashes of the throttle subjects', async () => {
    const ghost = `subject-${randomBytes(5).toString('hex')}@nowhere.test`;
    const ip = randomIp();
    await login(t, ghost, wrong, { ip });
    const { rows } = await admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM auth_throttle WHERE position($1 in key) > 0 OR position($2 in key) > 0`,
      [ghost, ip],
    );
    expect(rows[0]!.n).toBe('0');
  });
});

describe('sessions', () => {
  let idle: TestApp;
  beforeAll(async () => {
    idle = await TestApp.start({ ARCA_SESSION_IDLE_MINUTES: '1' });
  });
  afterAll(async () => {
    await idle?.close();
  });

  const sessionRow = async (token: string) =>
    (
      await admin.query<{ id: string; idle_s: number; abs_s: number; revoked_at: Date | null }>(
        `SELECT id, extract(epoch FROM idle_expires_at - now())::float8 AS idle_s,
                extract(epoch FROM expires_at - now())::float8 AS abs_s, revoked_at
           FROM sessions WHERE token_hash = $1`,
        [hmac(TEST_PEPPER, token)],
      )
    ).rows[0]!;

  it('idle expiry: the session idles out after ARCA_SESSION_IDLE_MINUTES', async () => {
    const { owner } = await t.tenant({ withMembers: false });
    const token = (await login(idle, owner.email, owner.password)).body.data!.login.token!;
    const row = await sessionRow(token);
    expect(row.idle_s).toBeGreaterThan(50);
    expect(row.idle_s).toBeLessThanOrEqual(60);
    expect(row.abs_s).toBeGreaterThan(8 * 3600 - 60);
    expect((await me(idle, token)).body.data?.me.user.id).toBe(owner.userId);
    await admin.query(`UPDATE sessions SET idle_expires_at = now() - interval '1 second' WHERE id = $1`, [
      row.id,
    ]);
    expect(errorCode(await me(idle, token))).toBe('UNAUTHENTICATED');
  });

  it('activity slides the idle expiry, never past the absolute expiry', async () => {
    const { owner } = await t.tenant({ withMembers: false });
    const token = (await login(idle, owner.email, owner.password)).body.data!.login.token!;
    const { id } = await sessionRow(token);
    await admin.query(
      `UPDATE sessions SET last_seen_at = now() - interval '45 seconds', idle_expires_at = now() + interval '5 seconds'
        WHERE id = $1`,
      [id],
    );
    expect((await me(idle, token)).body.data?.me.user.id).toBe(owner.userId);
    expect((await sessionRow(token)).idle_s).toBeGreaterThan(50);
    await admin.query(
      `UPDATE sessions SET last_seen_at = now() - interval '45 seconds', expires_at = now() + interval '10 seconds'
        WHERE id = $1`,
      [id],
    );
    expect((await me(idle, token)).body.data?.me.user.id).toBe(owner.userId);
    expect((await sessionRow(token)).idle_s).toBeLessThanOrEqual(10);
  });

  it('absolute expiry ends the session even while it is active', async () => {
    const { owner } = await t.tenant({ withMembers: false });
    const token = (await login(t, owner.email, owner.password)).body.data!.login.token!;
    const { id } = await sessionRow(token);
    await admin.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    expect((await sessionRow(token)).idle_s).toBeGreaterThan(0); // idle expiry alone would still allow it
    expect(errorCode(await me(t, token))).toBe('UNAUTHENTICATED');
  });

  it('logout revokes the session server-side and clears the cookie', async () => {
    const { owner } = await t.tenant({ withMembers: false });
    const token = (await login(t, owner.email, owner.password)).body.data!.login.token!;
    const other = (await login(t, owner.email, owner.password)).body.data!.login.token!;
    const out = await call<{ logout: boolean }>(t, 'mutation { logout }', {}, { token });
    expect(out.body.data?.logout).toBe(true);
    expect(String(out.headers['set-cookie'])).toMatch(/^__Host-arca_session=; .*Max-Age=0/);
    expect(errorCode(await me(t, token))).toBe('UNAUTHENTICATED');
    expect((await sessionRow(token)).revoked_at).toBeInstanceOf(Date);
    // Only that session.
    expect((await me(t, other)).body.data?.me.user.id).toBe(owner.userId);
    // The same token presented as a cookie is dead too.
    const viaCookie = await call(t, ME, {}, { headers: { cookie: `__Host-arca_session=${token}` } });
    expect(errorCode(viaCookie)).toBe('UNAUTHENTICATED');
  });

  it('rejects malformed and unknown session tokens', async () => {
    const { owner } = await t.tenant({ withMembers: false });
    const invitation = await t.ok<{ inviteMember: { token: string } }>(
      'mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }',
      { i: { email: `inv-${randomBytes(4).toString('hex')}@member.test`, role: 'VIEWER' } },
      { token: owner.session },
    );
    for (const token of [
      'arcs_short',
      `arcs_${randomBytes(32).toString('base64url')}`, // well-formed, unknown
      invitation.inviteMember.token, // a secret of another kind
      owner.session.slice(0, -1),
      `${owner.session}x`,
    ]) {
      expect(errorCode(await me(t, token)), token.slice(0, 8)).toBe('UNAUTHENTICATED');
    }
  });
});

describe('changePassword', () => {
  it('checks the current password, enforces the policy, and revokes every other session in every tenant', async () => {
    const a = await t.tenant({ withMembers: false });
    const user = a.owner;
    const slugB = `t-${randomBytes(6).toString('hex')}`;
    await t.tenants().provision({ slug: slugB, ownerEmail: user.email });
    // Two tenants now: login must name one.
    expect(errorCode(await login(t, user.email, user.password))).toBe('BAD_USER_INPUT');
    const sA1 = (await login(t, user.email, user.password, { tenantSlug: a.slug })).body.data!.login.token!;
    const sA2 = (await login(t, user.email, user.password, { tenantSlug: a.slug })).body.data!.login.token!;
    const sB = (await login(t, user.email, user.password, { tenantSlug: slugB })).body.data!.login.token!;
    expect((await me(t, sB)).body.data?.me.tenant.slug).toBe(slugB);
    const ip = randomIp();
    const change = (token: string, currentPassword: string, newPassword: string) =>
      call<{ changePassword: boolean }>(
        t,
        CHANGE_PASSWORD,
        { i: { currentPassword, newPassword } },
        { token, ip },
      );

    expect(errorCode(await change(sA1, 'wrong-current-password', 'a-brand-new-password'))).toBe(
      'UNAUTHENTICATED',
    );
    expect(errorCode(await change(sA1, user.password, 'short'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await change(sA1, user.password, user.password))).toBe('BAD_USER_INPUT');
    expect(errorCode(await change(sA1, user.password, 'x'.repeat(1025)))).toBe('BAD_USER_INPUT');
    // An API key cannot change the password.
    expect(errorCode(await change(user.apiKey, user.password, 'a-brand-new-password'))).toBe('FORBIDDEN');
    // None of the refusals changed anything.
    for (const s of [sA1, sA2, sB]) expect((await me(t, s)).body.data?.me.user.id).toBe(user.userId);

    const newPassword = `new-${randomBytes(8).toString('hex')}`;
    const ok = await change(sA1, user.password, newPassword);
    expect(ok.body).toEqual({ data: { changePassword: true } });
    expect((await me(t, sA1)).body.data?.me.user.id).toBe(user.userId);
    expect(errorCode(await me(t, sA2))).toBe('UNAUTHENTICATED');
    expect(errorCode(await me(t, sB))).toBe('UNAUTHENTICATED');
    expect(errorCode(await login(t, user.email, user.password, { tenantSlug: a.slug }))).toBe(
      'UNAUTHENTICATED',
    );
    const fresh = await login(t, user.email, newPassword, { tenantSlug: slugB });
    expect(fresh.body.data?.login.me.tenant.slug).toBe(slugB);
    const { rows } = await admin.query<{ age: number }>(
      'SELECT extract(epoch FROM now() - password_changed_at)::float8 AS age FROM users WHERE id = $1',
      [user.userId],
    );
    expect(rows[0]!.age).toBeLessThan(60);
  });
});

describe('API keys', () => {
  let tenant: TestTenant;
  beforeAll(async () => {
    tenant = await t.tenant({ withMembers: false });
  });

  const createKey = (session: string, input: Record<string, unknown>) =>
    call<{ createApiKey: { secret: string; apiKey: { id: string; displayPrefix: string } } }>(
      t,
      CREATE_KEY,
      {
        i: { name: 'k', ...input },
      },
      { token: session },
    );

  it('authenticates me, shows only the display prefix, carries its scopes, and records last use', async () => {
    const created = await createKey(tenant.owner.session, { scopes: ['models:read', 'tenant:read'] });
    const { secret, apiKey } = created.body.data!.createApiKey;
    expect(secret).toMatch(/^arca_[0-9A-Za-z]{49}$/);
    expect(apiKey.displayPrefix).toBe(secret.slice(0, 13));
    const res = await me(t, secret);
    expect(res.body.data?.me).toMatchObject({
      principalKind: 'API_KEY',
      role: 'OWNER',
      permissions: ['models:read', 'tenant:read'],
      apiKey: { id: apiKey.id, displayPrefix: secret.slice(0, 13), scopes: ['models:read', 'tenant:read'] },
    });
    const { rows } = await admin.query<{ last_used_at: Date | null }>(
      'SELECT last_used_at FROM api_keys WHERE id = $1',
      [apiKey.id],
    );
    expect(rows[0]!.last_used_at).toBeInstanceOf(Date);
    // Scopes bound what the key can do.
    expect(
      errorCode(await call(t, CREATE_KEY, { i: { name: 'x', scopes: ['models:read'] } }, { token: secret })),
    ).toBe('FORBIDDEN');
    expect(
      errorCode(
        await call(
          t,
          'mutation($i: CreateModelInput!) { createModel(input: $i) { id } }',
          { i: { name: 'nope' } },
          { token: secret },
        ),
      ),
    ).toBe('FORBIDDEN');
  });

  it('rejects revoked, expired, malformed, wrong-checksum and unknown keys', async () => {
    const revoked = (await createKey(tenant.owner.session, { scopes: ['models:read'] })).body.data!
      .createApiKey;
    expect((await me(t, revoked.secret)).body.data?.me.principalKind).toBe('API_KEY');
    const rv = await t.ok<{ revokeApiKey: { revokedAt: string | null } }>(
      'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }',
      { id: revoked.apiKey.id },
      { token: tenant.owner.session },
    );
    expect(rv.revokeApiKey.revokedAt).not.toBeNull();
    expect(errorCode(await me(t, revoked.secret))).toBe('UNAUTHENTICATED');

    const expired = (await createKey(tenant.owner.session, { scopes: ['models:read'] })).body.data!
      .createApiKey;
    expect((await me(t, expired.secret)).body.data?.me.principalKind).toBe('API_KEY');
    await admin.query(`UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      expired.apiKey.id,
    ]);
    expect(errorCode(await me(t, expired.secret))).toBe('UNAUTHENTICATED');

    const good = tenant.owner.apiKey;
    const last = good.at(-1)!;
    const wrongChecksum = good.slice(0, -1) + (last === '0' ? '1' : '0');
    const typo = good.slice(0, 10) + (good[10] === 'a' ? 'b' : 'a') + good.slice(11);
    for (const [label, key] of [
      ['malformed: short', 'arca_abc'],
      ['malformed: bad alphabet', `${good.slice(0, 20)}-${good.slice(21)}`],
      ['malformed: too long', `${good}0`],
      ['wrong checksum', wrongChecksum],
      ['one-character typo', typo],
      ['valid format, unknown', formatApiKey(randomBytes(32))],
    ] as const) {
      expect(errorCode(await me(t, key)), label).toBe('UNAUTHENTICATED');
    }
    for (const header of ['Basic abc', `Bearer ${good} extra`, `bearer ${good}`]) {
      const res = await call(t, ME, {}, { headers: { authorization: header } });
      expect(errorCode(res), header).toBe('UNAUTHENTICATED');
    }
    expect((await me(t, good)).body.data?.me.principalKind).toBe('API_KEY');
  });

  it('a key (or session) made under another pepper is UNAUTHENTICATED, in both directions', async () => {
    const other = await buildApp({ pepperHex: OTHER_PEPPER });
    try {
      expect(errorCode(await me(other, tenant.owner.apiKey))).toBe('UNAUTHENTICATED');
      expect(errorCode(await me(other, tenant.owner.session))).toBe('UNAUTHENTICATED');
      // The other app works: its own key and session are accepted there, and refused here.
      const provisioned = await other.tenants().provision({
        slug: `t-${randomBytes(6).toString('hex')}`,
        ownerEmail: `owner-${randomBytes(4).toString('hex')}@pepper.test`,
      });
      expect((await me(other, provisioned.ownerApiKey)).body.data?.me.principalKind).toBe('API_KEY');
      expect(errorCode(await me(t, provisioned.ownerApiKey))).toBe('UNAUTHENTICATED');
      const { rows } = await admin.query<{ n: string }>(
        'SELECT count(*) AS n FROM api_keys WHERE key_hash = $1',
        [hmac(OTHER_PEPPER, provisioned.ownerApiKey)],
      );
      expect(rows[0]!.n).toBe('1');
    } finally {
      await other.close();
    }
  });

  it('harness: TestApp.start({ ARCA_API_KEY_PEPPER }) really runs under that pepper', async () => {
    // Fails today: harness.ts passes `secrets: { tokenPepper: TEST_PEPPER }` whatever the env says (see report).
    const other = await TestApp.start({ ARCA_API_KEY_PEPPER: OTHER_PEPPER, ARCA_JOBS_ENABLED: 'false' });
    try {
      expect(errorCode(await me(other, tenant.owner.apiKey))).toBe('UNAUTHENTICATED');
    } finally {
      await other.close();
    }
  });

  it('scopes cannot exceed the creator’s permissions; unknown or no scopes are BAD_USER_INPUT', async () => {
    const viewer = await t.addMember(tenant.owner, 'viewer');
    expect(errorCode(await createKey(viewer.session, { scopes: ['models:create'] }))).toBe('FORBIDDEN');
    expect(errorCode(await createKey(viewer.session, { scopes: ['models:read', 'members:manage'] }))).toBe(
      'FORBIDDEN',
    );
    expect(errorCode(await createKey(viewer.session, { scopes: ['models:nuke'] }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await createKey(viewer.session, { scopes: [] }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await createKey(viewer.session, { scopes: ['models:read'], expiresInDays: 366 }))).toBe(
      'BAD_USER_INPUT',
    );
    const ok = await createKey(viewer.session, { scopes: ['models:read'] });
    expect((await me(t, ok.body.data!.createApiKey.secret)).body.data?.me).toMatchObject({
      role: 'VIEWER',
      permissions: ['models:read'],
    });
  });

  it('a key carries at most its creator’s current role: demotion narrows it, removal kills it', async () => {
    const publisher = await t.addMember(tenant.owner, 'publisher');
    const key = (await createKey(publisher.session, { scopes: ['models:read', 'models:create'] })).body.data!
      .createApiKey.secret;
    await t.createModel(key);
    await t.ok(
      'mutation($i: UpdateMemberRoleInput!) { updateMemberRole(input: $i) { role } }',
      { i: { userId: publisher.userId, role: 'VIEWER' } },
      { token: tenant.owner.session },
    );
    expect((await me(t, key)).body.data?.me.permissions).toEqual(['models:read']);
    expect(
      errorCode(
        await call(
          t,
          'mutation($i: CreateModelInput!) { createModel(input: $i) { id } }',
          { i: { name: `m-${randomBytes(3).toString('hex')}` } },
          { token: key },
        ),
      ),
    ).toBe('FORBIDDEN');
    await t.ok(
      'mutation($u: ID!) { removeMember(userId: $u) }',
      { u: publisher.userId },
      { token: tenant.owner.session },
    );
    expect(errorCode(await me(t, key))).toBe('UNAUTHENTICATED');
    expect(errorCode(await me(t, publisher.session))).toBe('UNAUTHENTICATED');
  });

  it('a key restricted to model M sees M and nothing else', async () => {
    const m = await t.createModel(tenant.owner.session);
    const n = await t.createModel(tenant.owner.session);
    const key = (await createKey(tenant.owner.session, { scopes: ['models:read'], modelIds: [m.id] })).body
      .data!.createApiKey.secret;
    const MODEL = 'query($id: ID!) { model(id: $id) { id name } }';
    expect(
      (await call<{ model: { id: string } }>(t, MODEL, { id: m.id }, { token: key })).body.data?.model.id,
    ).toBe(m.id);
    expect(errorCode(await call(t, MODEL, { id: n.id }, { token: key }))).toBe('NOT_FOUND');
    const list = await call<{ models: { edges: { node: { id: string } }[] } }>(
      t,
      '{ models(first: 100) { edges { node { id } } } }',
      {},
      { token: key },
    );
    expect(list.body.data?.models.edges.map((e) => e.node.id)).toEqual([m.id]);
    // The unrestricted owner key sees both.
    const all = await call<{ models: { edges: { node: { id: string } }[] } }>(
      t,
      '{ models(first: 100) { edges { node { id } } } }',
      {},
      { token: tenant.owner.apiKey },
    );
    expect(all.body.data?.models.edges.map((e) => e.node.id)).toEqual(expect.arrayContaining([m.id, n.id]));
    expect((await me(t, key)).body.data?.me.apiKey?.modelIds).toEqual([m.id]);
    // Another tenant's model cannot be named in a restriction.
    const foreign = await t.createModel((await t.tenant({ withMembers: false })).owner.session);
    expect(
      errorCode(await createKey(tenant.owner.session, { scopes: ['models:read'], modelIds: [foreign.id] })),
    ).toBe('NOT_FOUND');
  });
});

describe('secrets at rest and in logs', () => {
  it('no column of any table holds a raw session token, API key, invitation token or password', async () => {
    const { owner } = await t.tenant({ withMembers: false });
    const session = (await login(t, owner.email, owner.password)).body.data!.login.token!;
    const key = (
      await call<{ createApiKey: { secret: string } }>(
        t,
        CREATE_KEY,
        { i: { name: 'k', scopes: ['models:read'] } },
        { token: owner.session },
      )
    ).body.data!.createApiKey.secret;
    const inv = await t.ok<{ inviteMember: { token: string } }>(
      'mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }',
      { i: { email: `rest-${randomBytes(4).toString('hex')}@member.test`, role: 'VIEWER' } },
      { token: owner.session },
    );
    const invitation = inv.inviteMember.token;
    const model = await t.createModel(owner.session);
    const upload = (
      await t.ok<{ createUpload: { token: string } }>(
        'mutation($i: CreateUploadInput!) { createUpload(input: $i) { token } }',
        { i: { modelId: model.id, sizeBytes: 10 } },
        { token: owner.session },
      )
    ).createUpload.token;
    const needles = {
      uploadToken: upload,
      uploadTokenBody: upload.slice(5),
      session,
      sessionBody: session.slice(5),
      apiKey: key,
      apiKeyHiddenPart: key.slice(13),
      ownerApiKeyHiddenPart: owner.apiKey.slice(13),
      invitation,
      invitationBody: invitation.slice(5),
      password: owner.password,
    };
    const tables = (
      await admin.query<{ name: string }>(
        `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY 1`,
      )
    ).rows.map((r) => r.name);
    expect(tables).toEqual(
      expect.arrayContaining(['sessions', 'api_keys', 'invitations', 'users', 'uploads']),
    );
    // blob_segments holds only AES-GCM ciphertext (hundreds of MiB in this suite; checked for plaintext markers in
    // artifacts/blob-storage.test.ts), so its text form is not scanned here.
    for (const table of tables.filter((name) => name !== 'blob_segments')) {
      for (const [label, needle] of Object.entries(needles)) {
        const { rows } = await admin.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${pg.escapeIdentifier(table)} x WHERE position($1 in x::text) > 0`,
          [needle],
        );
        expect({ table, label, n: rows[0]!.n }).toEqual({ table, label, n: '0' });
      }
    }
    // What is stored instead: the HMAC under the pepper (so the scan above looked at rows that exist).
    for (const [table, column, secret] of [
      ['sessions', 'token_hash', session],
      ['api_keys', 'key_hash', key],
      ['invitations', 'token_hash', invitation],
    ] as const) {
      const { rows } = await admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${table} WHERE ${column} = $1`,
        [hmac(TEST_PEPPER, secret)],
      );
      expect({ table, n: rows[0]!.n }).toEqual({ table, n: '1' });
    }
    const { rows } = await admin.query<{ display_prefix: string }>(
      'SELECT display_prefix FROM api_keys WHERE key_hash = $1',
      [hmac(TEST_PEPPER, key)],
    );
    expect(rows[0]!.display_prefix).toBe(key.slice(0, 13));
  });

  it('raw keys, tokens and passwords never appear in the logs (LOG_LEVEL=debug)', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const app = await buildApp({ env: { LOG_LEVEL: 'debug' }, log: sink });
    const secrets: string[] = [];
    try {
      const email = `owner-${randomBytes(4).toString('hex')}@logs.test`;
      const p = await app
        .tenants()
        .provision({ slug: `t-${randomBytes(6).toString('hex')}`, ownerEmail: email });
      expect((await me(app, p.ownerApiKey)).body.data?.me.user.email).toBe(email);
      const password = p.ownerPassword!;
      secrets.push(p.ownerApiKey, password);
      expect(errorCode(await login(app, email, `${password}-wrong`))).toBe('UNAUTHENTICATED');
      secrets.push(`${password}-wrong`);
      const session = (await login(app, email, password)).body.data!.login.token!;
      secrets.push(session);
      const cookieLogin = await login(app, email, password, { cookie: true });
      const cookieToken = decodeURIComponent(
        /__Host-arca_session=([^;]+)/.exec(String(cookieLogin.headers['set-cookie']))![1]!,
      );
      secrets.push(cookieToken);
      const key = (
        await call<{ createApiKey: { secret: string } }>(
          app,
          CREATE_KEY,
          { i: { name: 'k', scopes: ['models:read'] } },
          { token: session },
        )
      ).body.data!.createApiKey.secret;
      secrets.push(key);
      expect((await me(app, key)).body.data?.me.principalKind).toBe('API_KEY');
      expect(
        (await call(app, ME, {}, { headers: { cookie: `__Host-arca_session=${cookieToken}` } })).body.data,
      ).toBeTruthy();
      // Refused credentials, a denied operation and a key in a query string.
      const badKey = key.slice(0, -1) + (key.endsWith('0') ? '1' : '0');
      secrets.push(badKey);
      expect(errorCode(await me(app, badKey))).toBe('UNAUTHENTICATED');
      const viewerKey = (
        await call<{ createApiKey: { secret: string } }>(
          app,
          CREATE_KEY,
          { i: { name: 'v', scopes: ['tenant:read'] } },
          { token: session },
        )
      ).body.data!.createApiKey.secret;
      secrets.push(viewerKey);
      expect(
        errorCode(await call(app, '{ models { edges { node { id } } } }', {}, { token: viewerKey })),
      ).toBe('FORBIDDEN');
      const inv = await app.ok<{ inviteMember: { token: string } }>(
        'mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }',
        { i: { email: `inv-${randomBytes(4).toString('hex')}@logs.test`, role: 'VIEWER' } },
        { token: session },
      );
      secrets.push(inv.inviteMember.token);
      const newPassword = `np-${randomBytes(10).toString('hex')}`;
      secrets.push(newPassword);
      await app.ok<{ changePassword: boolean }>(
        CHANGE_PASSWORD,
        { i: { currentPassword: password, newPassword } },
        { token: session },
      );
      await app.http('GET', `/graphql?query=%7Bme%7Bauthenticated%7D%7D&api_key=${key}`, undefined, {
        authorization: `Bearer ${key}`,
      });
    } finally {
      await app.close();
    }
    const text = lines.join('');
    // The logger really captured this app's traffic, at debug level.
    expect(lines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(10);
    expect(text).toContain('"path":"/graphql"');
    for (const secret of secrets) {
      expect(text.includes(secret), `secret ${secret.slice(0, 6)}… in logs`).toBe(false);
      // Not even the undisplayed part of a key or token.
      expect(secret.length).toBeGreaterThan(20);
      expect(text.includes(secret.slice(13)), `tail of ${secret.slice(0, 6)}… in logs`).toBe(false);
    }
  });
});
