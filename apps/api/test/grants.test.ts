import { randomUUID } from 'node:crypto';
// apps/api/package.json does not list pg (the app reaches Postgres through @arca/api-db); the test needs it to
// check database state as the superuser. See the report.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ROLE_PERMISSIONS, type Role } from '@arca/contracts';
import { TestApp, errorCode, type GqlResponse, type Principal, type TestTenant } from './support/harness.js';

// Visibility and per-model grants through real principals (sessions and API keys of every role):
// INTERNAL models follow the tenant role; RESTRICTED models are visible with models:grants or a grant, whose role
// caps what the grantee may do; invisible models are NOT_FOUND, never FORBIDDEN; API keys restricted to models
// see only those.

const GET = 'query($id: ID!) { model(id: $id) { id name visibility } }';
const UPDATE =
  'mutation($id: ID!, $i: UpdateModelInput!) { updateModel(id: $id, input: $i) { id description visibility } }';
const ARCHIVE = 'mutation($id: ID!) { archiveModel(id: $id) { id archived } }';
const RESTORE = 'mutation($id: ID!) { restoreModel(id: $id) { id archived } }';
const LIST = `query($q: String, $first: Int, $after: String) {
  models(query: $q, first: $first, after: $after, includeArchived: true) {
    edges { node { id name } } pageInfo { hasNextPage endCursor } } }`;
const GRANTS = 'query($m: ID!) { modelGrants(modelId: $m) { modelId role user { id email } } }';
const GRANT = `mutation($i: GrantModelAccessInput!) {
  grantModelAccess(input: $i) { modelId role createdAt user { id email displayName } } }`;
const REVOKE = 'mutation($m: ID!, $u: ID!) { revokeModelAccess(modelId: $m, userId: $u) }';

type Model = { id: string; name: string };

describe('model grants and visibility', () => {
  let t: TestApp;
  let db: pg.Client;
  let a: TestTenant;

  beforeAll(async () => {
    t = await TestApp.start();
    db = new pg.Client({ connectionString: inject('databaseAdminUrl') });
    await db.connect();
    a = await t.tenant();
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const grant = (by: string, modelId: string, userId: string, role: Role): Promise<GqlResponse> =>
    t.gql(GRANT, { i: { modelId, userId, role: role.toUpperCase() } }, { token: by });

  const revoke = async (by: string, modelId: string, userId: string): Promise<boolean> =>
    (await t.ok<{ revokeModelAccess: boolean }>(REVOKE, { m: modelId, u: userId }, { token: by }))
      .revokeModelAccess;

  /** Every model id the token can list, over all pages, filtered by a name query. */
  const listed = async (token: string, q?: string): Promise<string[]> => {
    const ids: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 50; i++) {
      const page: {
        models: { edges: { node: Model }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      } = await t.ok(LIST, { q, first: 100, after }, { token });
      ids.push(...page.models.edges.map((e) => e.node.id));
      if (!page.models.pageInfo.hasNextPage) return ids;
      after = page.models.pageInfo.endCursor;
    }
    throw new Error('too many pages');
  };

  const canRead = async (token: string, id: string): Promise<string> => {
    const res = await t.gql(GET, { id }, { token });
    return res.body.errors ? (errorCode(res) ?? 'ERROR') : 'OK';
  };
  const tryUpdate = async (token: string, id: string, description: string): Promise<string> => {
    const res = await t.gql(UPDATE, { id, i: { description } }, { token });
    return res.body.errors ? (errorCode(res) ?? 'ERROR') : 'OK';
  };
  const tryArchive = async (token: string, id: string): Promise<string> => {
    const res = await t.gql(ARCHIVE, { id }, { token });
    if (res.body.errors) return errorCode(res) ?? 'ERROR';
    await t.ok(RESTORE, { id }, { token: a.owner.session });
    return 'OK';
  };

  const principals = (tenant: TestTenant): Principal[] => Object.values(tenant.members);

  describe('visibility matrix without grants', () => {
    let internal: Model;
    let restricted: Model;
    beforeAll(async () => {
      internal = await t.createModel(a.owner.session, { visibility: 'INTERNAL' });
      restricted = await t.createModel(a.members.admin.session, { visibility: 'RESTRICTED' });
    });

    it('INTERNAL models follow the tenant role for every principal', async () => {
      for (const p of principals(a)) {
        for (const token of [p.session, p.apiKey]) {
          expect(await canRead(token, internal.id), `${p.role} read`).toBe('OK');
          const mayUpdate = ROLE_PERMISSIONS[p.role].includes('models:update');
          expect(await tryUpdate(token, internal.id, `by ${p.role}`), `${p.role} update`).toBe(
            mayUpdate ? 'OK' : 'FORBIDDEN',
          );
          const mayArchive = ROLE_PERMISSIONS[p.role].includes('models:archive');
          expect(await tryArchive(token, internal.id), `${p.role} archive`).toBe(
            mayArchive ? 'OK' : 'FORBIDDEN',
          );
          expect(await listed(token, internal.name), `${p.role} list`).toEqual([internal.id]);
        }
      }
    });

    it('RESTRICTED models: owner/admin see and manage them; everyone else gets NOT_FOUND and an empty list', async () => {
      for (const p of principals(a)) {
        const privileged = p.role === 'owner' || p.role === 'admin';
        for (const token of [p.session, p.apiKey]) {
          expect(await canRead(token, restricted.id), `${p.role} read`).toBe(privileged ? 'OK' : 'NOT_FOUND');
          expect(await listed(token, restricted.name), `${p.role} list`).toEqual(
            privileged ? [restricted.id] : [],
          );
          if (privileged) {
            expect(await tryUpdate(token, restricted.id, `by ${p.role}`)).toBe('OK');
            expect(await tryArchive(token, restricted.id)).toBe('OK');
          } else if (p.role === 'publisher') {
            // Has models:update in the tenant, but cannot see the model: NOT_FOUND, never FORBIDDEN.
            expect(await tryUpdate(token, restricted.id, 'x')).toBe('NOT_FOUND');
            const vis = await t.gql(UPDATE, { id: restricted.id, i: { visibility: 'INTERNAL' } }, { token });
            expect(errorCode(vis)).toBe('NOT_FOUND');
          }
        }
      }
      const { rows } = await db.query('SELECT visibility::text AS v FROM models WHERE id = $1', [
        restricted.id,
      ]);
      expect(rows[0].v).toBe('restricted');
    });

    it('the NOT_FOUND for an invisible model is indistinguishable from a missing one', async () => {
      const token = a.members.publisher.session;
      const hidden = await t.gql(GET, { id: restricted.id }, { token });
      const missing = await t.gql(GET, { id: randomUUID() }, { token });
      expect(hidden.body.errors?.[0]?.message).toBe(missing.body.errors?.[0]?.message);
      expect(errorCode(hidden)).toBe(errorCode(missing));
    });

    it('modelGrants and grant operations need models:grants', async () => {
      for (const role of ['publisher', 'approver', 'consumer', 'viewer', 'auditor'] as const) {
        const token = a.members[role].session;
        expect(errorCode(await t.gql(GRANTS, { m: internal.id }, { token }))).toBe('FORBIDDEN');
        expect(errorCode(await grant(token, restricted.id, a.members[role].userId, 'viewer'))).toBe(
          'FORBIDDEN',
        );
        expect(
          errorCode(
            await t.gql(
              REVOKE,
              { m: restricted.id, u: a.members[role].userId },
              { token: a.members[role].apiKey },
            ),
          ),
        ).toBe('FORBIDDEN');
      }
      const { rows } = await db.query('SELECT count(*)::int AS n FROM model_grants WHERE model_id = $1', [
        restricted.id,
      ]);
      expect(rows[0].n).toBe(0);
    });
  });

  describe('grants', () => {
    it('a grant makes a restricted model visible; revoking hides it again immediately', async () => {
      const m = await t.createModel(a.owner.session, { visibility: 'RESTRICTED' });
      const viewer = a.members.viewer;
      expect(await canRead(viewer.session, m.id)).toBe('NOT_FOUND');

      const res = await grant(a.members.admin.session, m.id, viewer.userId, 'viewer');
      expect(res.body.data).toMatchObject({
        grantModelAccess: { modelId: m.id, role: 'VIEWER', user: { id: viewer.userId, email: viewer.email } },
      });
      for (const token of [viewer.session, viewer.apiKey]) {
        expect(await canRead(token, m.id)).toBe('OK');
        expect(await listed(token, m.name)).toEqual([m.id]);
      }
      // Others still do not see it.
      expect(await canRead(a.members.consumer.session, m.id)).toBe('NOT_FOUND');
      expect(await listed(a.members.consumer.session, m.name)).toEqual([]);
      const grants = await t.ok<{ modelGrants: { role: string; user: { id: string } }[] }>(
        GRANTS,
        { m: m.id },
        { token: a.owner.apiKey },
      );
      expect(grants.modelGrants).toEqual([
        { modelId: m.id, role: 'VIEWER', user: { id: viewer.userId, email: viewer.email } },
      ]);

      expect(await revoke(a.owner.session, m.id, viewer.userId)).toBe(true);
      for (const token of [viewer.session, viewer.apiKey]) {
        expect(await canRead(token, m.id)).toBe('NOT_FOUND');
        expect(await listed(token, m.name)).toEqual([]);
      }
      expect(await revoke(a.owner.session, m.id, viewer.userId)).toBe(false);
      const { rows } = await db.query('SELECT count(*)::int AS n FROM model_grants WHERE model_id = $1', [
        m.id,
      ]);
      expect(rows[0].n).toBe(0);
    });

    it("the grant's role caps permissions and never widens the tenant role", async () => {
      const m = await t.createModel(a.owner.session, { visibility: 'RESTRICTED' });
      const publisher = a.members.publisher;
      // Publisher with a VIEWER grant: can read, cannot update (FORBIDDEN: the model is visible to them).
      await t.ok(
        GRANT,
        { i: { modelId: m.id, userId: publisher.userId, role: 'VIEWER' } },
        { token: a.owner.session },
      );
      for (const token of [publisher.session, publisher.apiKey]) {
        expect(await canRead(token, m.id)).toBe('OK');
        expect(await tryUpdate(token, m.id, 'nope')).toBe('FORBIDDEN');
      }
      // Upgrading the grant to PUBLISHER replaces it: now they can update, still not archive.
      const up = await grant(a.owner.session, m.id, publisher.userId, 'publisher');
      expect(up.body.data).toMatchObject({ grantModelAccess: { role: 'PUBLISHER' } });
      expect(await tryUpdate(publisher.session, m.id, 'by publisher')).toBe('OK');
      expect(await tryArchive(publisher.apiKey, m.id)).toBe('FORBIDDEN');
      // An ADMIN grant does not widen a publisher: still no archive, no visibility change.
      await grant(a.owner.session, m.id, publisher.userId, 'admin');
      expect(await tryArchive(publisher.session, m.id)).toBe('FORBIDDEN');
      expect(
        errorCode(
          await t.gql(UPDATE, { id: m.id, i: { visibility: 'INTERNAL' } }, { token: publisher.session }),
        ),
      ).toBe('FORBIDDEN');
      // A viewer with an OWNER grant can read, nothing more.
      await grant(a.owner.session, m.id, a.members.viewer.userId, 'owner');
      expect(await canRead(a.members.viewer.session, m.id)).toBe('OK');
      expect(await tryUpdate(a.members.viewer.session, m.id, 'nope')).toBe('FORBIDDEN');
      expect(await tryArchive(a.members.viewer.session, m.id)).toBe('FORBIDDEN');

      const { rows } = await db.query<{ user_id: string; role: string }>(
        'SELECT user_id, role::text AS role FROM model_grants WHERE model_id = $1 ORDER BY role::text',
        [m.id],
      );
      expect(rows).toEqual(
        [
          { user_id: publisher.userId, role: 'admin' },
          { user_id: a.members.viewer.userId, role: 'owner' },
        ].sort((x, y) => x.role.localeCompare(y.role)),
      );
      const { rows: desc } = await db.query('SELECT description FROM models WHERE id = $1', [m.id]);
      expect(desc[0].description).toBe('by publisher');
    });

    it('concurrent grants to one user on one model leave exactly one grant', async () => {
      const m = await t.createModel(a.owner.session, { visibility: 'RESTRICTED' });
      const roles: Role[] = ['viewer', 'consumer', 'approver', 'auditor', 'viewer', 'consumer'];
      const results = await Promise.all(
        roles.map((role, i) =>
          grant(i % 2 ? a.owner.apiKey : a.members.admin.session, m.id, a.members.consumer.userId, role),
        ),
      );
      for (const r of results) expect(r.body.errors).toBeUndefined();
      const { rows } = await db.query<{ role: string }>(
        'SELECT role::text AS role FROM model_grants WHERE model_id = $1',
        [m.id],
      );
      expect(rows).toHaveLength(1);
      expect(roles).toContain(rows[0]!.role);
    });

    it('a publisher who creates a RESTRICTED model gets a grant with their role; admins do not need one', async () => {
      const publisher = a.members.publisher;
      const own = await t.createModel(publisher.session, { visibility: 'RESTRICTED' });
      const grants = await t.ok<{ modelGrants: { role: string; user: { id: string } }[] }>(
        GRANTS,
        { m: own.id },
        { token: a.owner.session },
      );
      expect(grants.modelGrants.map((g) => [g.user.id, g.role])).toEqual([[publisher.userId, 'PUBLISHER']]);
      expect(await canRead(publisher.apiKey, own.id)).toBe('OK');
      expect(await tryUpdate(publisher.session, own.id, 'mine')).toBe('OK');
      expect(await listed(publisher.session, own.name)).toEqual([own.id]);
      // Still invisible to the rest.
      expect(await canRead(a.members.consumer.session, own.id)).toBe('NOT_FOUND');
      // Created by an admin: no grant row (models:grants already shows it).
      const byAdmin = await t.createModel(a.members.admin.apiKey, { visibility: 'RESTRICTED' });
      const { rows } = await db.query('SELECT count(*)::int AS n FROM model_grants WHERE model_id = $1', [
        byAdmin.id,
      ]);
      expect(rows[0].n).toBe(0);
      // An INTERNAL model by a publisher needs no grant either.
      const open = await t.createModel(publisher.session);
      const { rows: none } = await db.query(
        'SELECT count(*)::int AS n FROM model_grants WHERE model_id = $1',
        [open.id],
      );
      expect(none[0].n).toBe(0);
    });

    it('grants for a demoted member follow the new, lower role', async () => {
      const p = await t.addMember(a.owner, 'publisher');
      const m = await t.createModel(p.session, { visibility: 'RESTRICTED' });
      expect(await tryUpdate(p.session, m.id, 'as publisher')).toBe('OK');
      await t.ok(
        'mutation($i: UpdateMemberRoleInput!) { updateMemberRole(input: $i) { role } }',
        { i: { userId: p.userId, role: 'VIEWER' } },
        { token: a.owner.session },
      );
      expect(await canRead(p.session, m.id)).toBe('OK');
      expect(await tryUpdate(p.session, m.id, 'as viewer')).toBe('FORBIDDEN');
    });

    it('granting needs a member of this tenant and a model of this tenant (NOT_FOUND otherwise)', async () => {
      const other = await t.tenant({ withMembers: false });
      const m = await t.createModel(a.owner.session, { visibility: 'RESTRICTED' });
      const foreignModel = await t.createModel(other.owner.session, { visibility: 'RESTRICTED' });
      const token = a.owner.session;
      expect(errorCode(await grant(token, m.id, randomUUID(), 'viewer'))).toBe('NOT_FOUND');
      expect(errorCode(await grant(token, m.id, other.owner.userId, 'viewer'))).toBe('NOT_FOUND');
      expect(errorCode(await grant(token, randomUUID(), a.members.viewer.userId, 'viewer'))).toBe(
        'NOT_FOUND',
      );
      expect(errorCode(await grant(token, foreignModel.id, a.members.viewer.userId, 'viewer'))).toBe(
        'NOT_FOUND',
      );
      expect(errorCode(await t.gql(GRANTS, { m: foreignModel.id }, { token }))).toBe('NOT_FOUND');
      expect(errorCode(await t.gql(REVOKE, { m: foreignModel.id, u: other.owner.userId }, { token }))).toBe(
        'NOT_FOUND',
      );
      expect(errorCode(await grant(token, 'not-a-uuid', a.members.viewer.userId, 'viewer'))).toBe(
        'BAD_USER_INPUT',
      );
      // A removed member can no longer be granted.
      const gone = await t.addMember(a.owner, 'consumer');
      await t.ok('mutation($id: ID!) { removeMember(userId: $id) }', { id: gone.userId }, { token });
      expect(errorCode(await grant(token, m.id, gone.userId, 'viewer'))).toBe('NOT_FOUND');

      const { rows } = await db.query(
        'SELECT count(*)::int AS n FROM model_grants WHERE model_id = ANY($1::uuid[])',
        [[m.id, foreignModel.id]],
      );
      expect(rows[0].n).toBe(0);
    });
  });

  describe('API keys restricted to models', () => {
    it('see only their models, and restricted models only with visibility', async () => {
      const internal = await t.createModel(a.owner.session);
      const restricted = await t.createModel(a.owner.session, { visibility: 'RESTRICTED' });
      const outside = await t.createModel(a.owner.session);
      const both = [internal.id, restricted.id];

      const adminKey = await t.createApiKey(a.members.admin.session, [...ROLE_PERMISSIONS.admin], {
        modelIds: both,
      });
      expect(await canRead(adminKey, internal.id)).toBe('OK');
      expect(await canRead(adminKey, restricted.id)).toBe('OK');
      expect(await canRead(adminKey, outside.id)).toBe('NOT_FOUND');
      expect(await tryUpdate(adminKey, outside.id, 'x')).toBe('NOT_FOUND');
      expect(await tryArchive(adminKey, outside.id)).toBe('NOT_FOUND');
      expect((await listed(adminKey)).sort()).toEqual([...both].sort());
      // Grant management is bounded by the key's models too.
      expect(errorCode(await t.gql(GRANTS, { m: outside.id }, { token: adminKey }))).toBe('NOT_FOUND');
      expect(errorCode(await grant(adminKey, outside.id, a.members.viewer.userId, 'viewer'))).toBe(
        'NOT_FOUND',
      );
      expect(
        (await grant(adminKey, restricted.id, a.members.consumer.userId, 'consumer')).body.errors,
      ).toBeUndefined();

      // A publisher key restricted to a restricted model without a grant sees nothing of it.
      const publisher = a.members.publisher;
      const pubKey = await t.createApiKey(publisher.session, [...ROLE_PERMISSIONS.publisher], {
        modelIds: both,
      });
      expect(await canRead(pubKey, restricted.id)).toBe('NOT_FOUND');
      expect(await canRead(pubKey, outside.id)).toBe('NOT_FOUND');
      expect(await listed(pubKey)).toEqual([internal.id]);
      // With a grant it appears — and the key still cannot reach beyond its list.
      await grant(a.owner.session, restricted.id, publisher.userId, 'publisher');
      expect(await canRead(pubKey, restricted.id)).toBe('OK');
      expect(await tryUpdate(pubKey, restricted.id, 'via key')).toBe('OK');
      expect((await listed(pubKey)).sort()).toEqual([...both].sort());
      expect(await revoke(a.owner.session, restricted.id, publisher.userId)).toBe(true);
      expect(await canRead(pubKey, restricted.id)).toBe('NOT_FOUND');

      // The grant caps the key too: VIEWER grant → read, no update.
      await grant(a.owner.session, restricted.id, publisher.userId, 'viewer');
      expect(await canRead(pubKey, restricted.id)).toBe('OK');
      expect(await tryUpdate(pubKey, restricted.id, 'nope')).toBe('FORBIDDEN');

      // A key restricted to one model sees only that one, even though its owner sees more.
      const narrow = await t.createApiKey(a.members.viewer.session, ['models:read'], {
        modelIds: [internal.id],
      });
      expect(await listed(narrow)).toEqual([internal.id]);
      expect(await canRead(narrow, outside.id)).toBe('NOT_FOUND');
    });

    it('a key cannot be restricted to another tenant’s model', async () => {
      const other = await t.tenant({ withMembers: false });
      const foreign = await t.createModel(other.owner.session);
      const res = await t.gql(
        'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }',
        { i: { name: 'x', scopes: ['models:read'], modelIds: [foreign.id] } },
        { token: a.owner.session },
      );
      expect(errorCode(res)).toBe('NOT_FOUND');
    });
  });
});
