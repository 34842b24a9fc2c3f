import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createLogger, loadConfig } from '@arca/api-core';
import { TenantsService } from '@arca/api-tenancy';
import { ALL_PERMISSIONS, ALL_ROLES, ROLE_PERMISSIONS, type Role } from '@arca/contracts';
import { AuditSequencer } from '@arca/api-audit';
import { ArcaClient } from '@arca/sdk';
import { createApp } from '../../src/create-app.js';
import { loadServerSecrets } from '../../src/server-secrets.js';

export interface GqlResponse<T = Record<string, unknown>> {
  status: number;
  body: {
    data?: T | null;
    errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
  };
  headers: Record<string, string | string[] | number | undefined>;
  raw: string;
}

export interface GqlOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Client IP of this request (defaults to the app's own `clientIp`). */
  ip?: string;
}

export interface Principal {
  userId: string;
  email: string;
  password: string;
  role: Role;
  session: string;
  apiKey: string;
}

export interface TestTenant {
  id: string;
  slug: string;
  owner: Principal;
  members: Record<Role, Principal>;
}

/** The real app (guards, RLS, argon2) in-process on the suite's Postgres; requests go through Fastify inject. */
export class TestApp {
  /** Each app's requests come from their own client IP, so one file's failed logins never throttle another's. */
  readonly clientIp = `10.${randomInt(256)}.${randomInt(256)}.${1 + randomInt(254)}`;

  private constructor(readonly app: NestFastifyApplication) {}

  static async start(env: Record<string, string> = {}): Promise<TestApp> {
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: inject('databaseAdminUrl'),
      DATABASE_APP_URL: inject('databaseAppUrl'),
      ARCA_API_KEY_PEPPER: TEST_PEPPER,
      ARCA_MASTER_KEY: TEST_MASTER_KEY,
      ARCA_AUDIT_CHECKPOINT_INTERVAL_MS: '200',
      ARCA_DATA_DIR: mkdtempSync(join(tmpdir(), 'arca-test-data-')),
      LOG_LEVEL: 'silent',
      ...env,
    });
    const logger = createLogger(config.logLevel);
    const app = await createApp({
      config,
      secrets: loadServerSecrets(config),
      logger,
      appUrl: inject('databaseAppUrl'),
    });
    return new TestApp(app);
  }

  async close(): Promise<void> {
    await this.app.close();
  }

  /** Sequences every queued audit event and signs checkpoints now (instead of waiting for the leader's loop). */
  async flushAudit(): Promise<void> {
    await this.app.get(AuditSequencer).flush();
  }

  async http(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    url: string,
    payload?: string | Buffer,
    headers: Record<string, string> = {},
    ip: string = this.clientIp,
  ) {
    const res = await this.app
      .getHttpAdapter()
      .getInstance()
      .inject({ method, url, payload, headers, remoteAddress: ip });
    return { status: res.statusCode, body: res.body, raw: res.rawPayload, headers: res.headers };
  }

  async gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    opts: GqlOptions = {},
  ): Promise<GqlResponse<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
    if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
    const res = await this.http('POST', '/graphql', JSON.stringify({ query, variables }), headers, opts.ip);
    let body: GqlResponse<T>['body'];
    try {
      body = JSON.parse(res.body) as GqlResponse<T>['body'];
    } catch {
      body = {};
    }
    return { status: res.status, body, headers: res.headers, raw: res.body };
  }

  /** Like gql() but fails the test on any error; returns data. */
  async ok<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
    opts?: GqlOptions,
  ): Promise<T> {
    const res = await this.gql<T>(query, variables, opts);
    if (res.body.errors?.length || !res.body.data) {
      throw new Error(`GraphQL failed (${res.status}): ${JSON.stringify(res.body.errors ?? res.raw)}`);
    }
    return res.body.data;
  }

  /** The typed SDK against this app: its fetch is routed through Fastify inject (no sockets). */
  client(token?: string, ip: string = this.clientIp): ArcaClient {
    const fetchViaInject = async (
      input: string | URL | Request,
      init: RequestInit = {},
    ): Promise<Response> => {
      const url = new URL(input instanceof Request ? input.url : input.toString());
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const res = await this.app
        .getHttpAdapter()
        .getInstance()
        .inject({
          method: (init.method ?? 'GET') as 'GET' | 'POST',
          url: url.pathname + url.search,
          payload: typeof init.body === 'string' ? init.body : undefined,
          headers,
          remoteAddress: ip,
        });
      const out = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) out.set(k, String(v));
      return new Response(res.rawPayload, { status: res.statusCode, headers: out });
    };
    return new ArcaClient({ serverUrl: 'http://127.0.0.1', token, fetch: fetchViaInject });
  }

  tenants(): TenantsService {
    return this.app.get(TenantsService);
  }

  /** A tenant whose owner was provisioned by the server-admin path, plus one invited member per role. */
  async tenant(opts: { withMembers?: boolean } = {}): Promise<TestTenant> {
    const slug = `t-${randomBytes(6).toString('hex')}`;
    const ownerEmail = `owner@${slug}.test`;
    const p = await this.tenants().provision({ slug, ownerEmail });
    const password = p.ownerPassword ?? '';
    const session = await this.login(ownerEmail, password);
    const owner: Principal = {
      userId: p.ownerUserId,
      email: ownerEmail,
      password,
      role: 'owner',
      session,
      apiKey: p.ownerApiKey,
    };
    const members = { owner } as Record<Role, Principal>;
    if (opts.withMembers !== false) {
      for (const role of ALL_ROLES.filter((r) => r !== 'owner')) {
        members[role] = await this.addMember(owner, role);
      }
    }
    return { id: p.tenant.id, slug, owner, members };
  }

  async login(email: string, password: string, tenantSlug?: string): Promise<string> {
    const data = await this.ok<{ login: { token: string } }>(
      'mutation($i: LoginInput!) { login(input: $i) { token } }',
      { i: { email, password, tenantSlug } },
    );
    return data.login.token;
  }

  /** Invites, accepts (new account) and mints an API key carrying every permission of the role. */
  async addMember(inviter: Principal, role: Role, email?: string): Promise<Principal> {
    const address = email ?? `${role}-${randomBytes(4).toString('hex')}@member.test`;
    const inv = await this.ok<{ inviteMember: { token: string } }>(
      'mutation($i: InviteMemberInput!) { inviteMember(input: $i) { token } }',
      { i: { email: address, role: role.toUpperCase() } },
      { token: inviter.session },
    );
    const password = `pw-${randomBytes(12).toString('hex')}`;
    const acc = await this.ok<{ acceptInvitation: { token: string; me: { user: { id: string } } } }>(
      'mutation($i: AcceptInvitationInput!) { acceptInvitation(input: $i) { token me { user { id } } } }',
      { i: { token: inv.inviteMember.token, password } },
    );
    const session = acc.acceptInvitation.token;
    const apiKey = await this.createApiKey(session, [...ROLE_PERMISSIONS[role]]);
    return { userId: acc.acceptInvitation.me.user.id, email: address, password, role, session, apiKey };
  }

  async createApiKey(
    session: string,
    scopes: string[],
    extra: Record<string, unknown> = {},
  ): Promise<string> {
    const data = await this.ok<{ createApiKey: { secret: string } }>(
      'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }',
      { i: { name: 'test', scopes, ...extra } },
      { token: session },
    );
    return data.createApiKey.secret;
  }

  async createModel(
    token: string,
    input: Record<string, unknown> = {},
  ): Promise<{ id: string; name: string }> {
    const data = await this.ok<{ createModel: { id: string; name: string } }>(
      'mutation($i: CreateModelInput!) { createModel(input: $i) { id name } }',
      { i: { name: `m-${randomBytes(5).toString('hex')}`, ...input } },
      { token },
    );
    return data.createModel;
  }
}

export const TEST_PEPPER = 'a1'.repeat(32);
/** Every test app shares one master key: whichever app leads the audit sequencer signs every tenant's log. */
export const TEST_MASTER_KEY = 'b2'.repeat(32);
export const ALL_SCOPES = [...ALL_PERMISSIONS];

export function errorCode(res: GqlResponse): string | undefined {
  return res.body.errors?.[0]?.extensions?.code;
}
