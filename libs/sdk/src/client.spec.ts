import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArcaClient } from './client.js';
import type { ArcaError } from './errors.js';
import {
  gqlData,
  sampleApiKey,
  sampleConnection,
  sampleMe,
  sampleModel,
  startCannedServer,
  type CannedServer,
} from './testing/index.js';
import type { Model } from './types.js';

let server: CannedServer;
let client: ArcaClient;
beforeEach(async () => {
  server = await startCannedServer();
  client = new ArcaClient({ serverUrl: server.url, token: 'session-token' });
});
afterEach(async () => {
  await server.close();
});

const vars = (i: number): Record<string, unknown> | undefined => server.requests[i]?.json?.variables;
const named = (...names: string[]): Model[] =>
  names.map((name, i) => sampleModel({ id: `m${i}-${name}`, name }));

describe('models', () => {
  it('lists one page with every filter and flattens the connection', async () => {
    server.on('Models', gqlData('models', sampleConnection(named('a', 'b'), 'c1', true)));
    const page = await client.models.list({
      first: 2,
      after: 'c0',
      query: 'x',
      tags: ['vision'],
      includeArchived: true,
    });
    expect(page.items.map((m) => m.name)).toEqual(['a', 'b']);
    expect(page.pageInfo).toEqual({ hasNextPage: true, endCursor: 'c1' });
    expect(vars(0)).toEqual({ first: 2, after: 'c0', query: 'x', tags: ['vision'], includeArchived: true });
    await client.models.list();
    expect(vars(1)).toEqual({});
  });

  it('iterates over all pages, passing each end cursor on', async () => {
    const pages = [sampleConnection(named('a', 'b'), 'p1', true), sampleConnection(named('c'), 'p2', false)];
    server.on('Models', (req) =>
      gqlData('models', req.json?.variables?.after === 'p1' ? pages[1] : pages[0]),
    );
    const seen: string[][] = [];
    for await (const page of client.models.listAll({ first: 2, tags: ['t'] })) {
      seen.push(page.items.map((m) => m.name));
    }
    expect(seen).toEqual([['a', 'b'], ['c']]);
    expect(vars(0)).toEqual({ first: 2, tags: ['t'] });
    expect(vars(1)).toEqual({ first: 2, tags: ['t'], after: 'p1' });
  });

  it('stops when the server does not advance its cursor', async () => {
    server.on('Models', gqlData('models', sampleConnection(named('a'), 'same', true)));
    const run = async (): Promise<void> => {
      for await (const page of client.models.listAll({ after: 'same' })) expect(page).toBeDefined();
    };
    await expect(run()).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' } satisfies Partial<ArcaError>);
  });

  it('finds a model by exact name across pages, including archived ones', async () => {
    const pages = [
      sampleConnection(named('bert-large', 'my-bert'), 'p1', true),
      sampleConnection(named('bert')),
    ];
    server.on('Models', (req) =>
      gqlData('models', req.json?.variables?.after === 'p1' ? pages[1] : pages[0]),
    );
    expect((await client.models.getByName('bert'))?.id).toBe('m0-bert');
    expect(vars(0)).toEqual({ query: 'bert', includeArchived: true, first: 100 });
    expect(await client.models.getByName('nope', { includeArchived: false })).toBeNull();
    expect(vars(2)).toMatchObject({ includeArchived: false });
  });

  it('gets, creates, updates, archives and restores', async () => {
    const model = sampleModel();
    server.on('Model', gqlData('model', model));
    server.on('CreateModel', gqlData('createModel', model));
    server.on('UpdateModel', gqlData('updateModel', model));
    server.on('ArchiveModel', gqlData('archiveModel', { ...model, archived: true }));
    server.on('RestoreModel', gqlData('restoreModel', model));
    expect(await client.models.get(model.id)).toEqual(model);
    await client.models.create({ name: 'n', tags: ['a'], visibility: 'RESTRICTED' });
    await client.models.update(model.id, { description: 'd' });
    expect((await client.models.archive(model.id)).archived).toBe(true);
    await client.models.restore(model.id);
    expect(server.requests.map((r) => [r.json?.operationName, r.json?.variables])).toEqual([
      ['Model', { id: model.id }],
      ['CreateModel', { input: { name: 'n', tags: ['a'], visibility: 'RESTRICTED' } }],
      ['UpdateModel', { id: model.id, input: { description: 'd' } }],
      ['ArchiveModel', { id: model.id }],
      ['RestoreModel', { id: model.id }],
    ]);
  });
});

describe('identity, tenancy and access', () => {
  it('manages API keys', async () => {
    server.on('ApiKeys', gqlData('apiKeys', [sampleApiKey()]));
    server.on('CreateApiKey', gqlData('createApiKey', { apiKey: sampleApiKey(), secret: 'arca_secret' }));
    server.on('RevokeApiKey', gqlData('revokeApiKey', sampleApiKey({ revokedAt: '2025-02-01T00:00:00Z' })));
    expect(await client.apiKeys.list({ all: true })).toHaveLength(1);
    expect(
      (await client.apiKeys.create({ name: 'ci', scopes: ['models:read'], expiresInDays: 7 })).secret,
    ).toBe('arca_secret');
    expect((await client.apiKeys.revoke('key-1')).revokedAt).not.toBeNull();
    expect([vars(0), vars(1), vars(2)]).toEqual([
      { all: true },
      { input: { name: 'ci', scopes: ['models:read'], expiresInDays: 7 } },
      { id: 'key-1' },
    ]);
  });

  it('manages members and normalises roles to the GraphQL enum', async () => {
    const member = { user: sampleMe().user, role: 'ADMIN', createdAt: '2025-01-01T00:00:00Z' };
    server.on('Members', gqlData('members', sampleConnection([member])));
    server.on('UpdateMemberRole', gqlData('updateMemberRole', member));
    server.on('RemoveMember', gqlData('removeMember', true));
    const pages = [];
    for await (const page of client.members.listAll({ first: 10 })) pages.push(page);
    expect(pages[0]?.items).toEqual([member]);
    await client.members.updateRole('user-1', 'admin');
    expect(vars(1)).toEqual({ input: { userId: 'user-1', role: 'ADMIN' } });
    expect(await client.members.remove('user-1')).toBe(true);
    await expect(client.members.updateRole('user-1', 'root' as 'admin')).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
    });
    expect(server.requests).toHaveLength(3);
  });

  it('manages invitations; accepting one signs the client in', async () => {
    const invitation = {
      id: 'inv-1',
      email: 'bob@example.com',
      role: 'VIEWER',
      expiresAt: '2025-01-09T00:00:00Z',
      createdAt: '2025-01-02T00:00:00Z',
      acceptedAt: null,
      revokedAt: null,
    };
    server.on('Invitations', gqlData('invitations', [invitation]));
    server.on('InviteMember', gqlData('inviteMember', { invitation, token: 'inv-token' }));
    server.on('RevokeInvitation', gqlData('revokeInvitation', invitation));
    server.on(
      'AcceptInvitation',
      gqlData('acceptInvitation', { token: 'new-session', expiresAt: 'x', me: sampleMe() }),
    );
    server.on('Tenant', gqlData('tenant', sampleMe().tenant));
    expect(await client.invitations.list()).toEqual([invitation]);
    expect((await client.invitations.create({ email: 'bob@example.com', role: 'viewer' })).token).toBe(
      'inv-token',
    );
    expect(vars(1)).toEqual({ input: { email: 'bob@example.com', role: 'VIEWER' } });
    await client.invitations.revoke('inv-1');
    const anonymous = new ArcaClient({ serverUrl: server.url });
    await anonymous.invitations.accept({ token: 'inv-token', password: 'a long password' });
    await anonymous.tenant.get();
    expect(server.requests[4]?.headers.authorization).toBe('Bearer new-session');
  });

  it('reads and updates the tenant, manages grants and changes the password', async () => {
    const grant = { modelId: 'm1', user: sampleMe().user, role: 'CONSUMER', createdAt: 'x' };
    server.on('UpdateTenant', gqlData('updateTenant', sampleMe().tenant));
    server.on('ModelGrants', gqlData('modelGrants', [grant]));
    server.on('GrantModelAccess', gqlData('grantModelAccess', grant));
    server.on('RevokeModelAccess', gqlData('revokeModelAccess', true));
    server.on('ChangePassword', gqlData('changePassword', true));
    await client.tenant.update({ name: 'Acme' });
    expect(await client.grants.list('m1')).toEqual([grant]);
    await client.grants.grant({ modelId: 'm1', userId: 'u1', role: 'consumer' });
    expect(await client.grants.revoke('m1', 'u1')).toBe(true);
    expect(await client.changePassword({ currentPassword: 'a', newPassword: 'b' })).toBe(true);
    expect(server.requests.map((r) => r.json?.variables)).toEqual([
      { input: { name: 'Acme' } },
      { modelId: 'm1' },
      { input: { modelId: 'm1', userId: 'u1', role: 'CONSUMER' } },
      { modelId: 'm1', userId: 'u1' },
      { input: { currentPassword: 'a', newPassword: 'b' } },
    ]);
  });
});
