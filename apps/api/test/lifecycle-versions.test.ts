// Version metadata, archiving, lineage, search and the artifact policy through the API (libs/api/lifecycle), plus
// the immutability trigger that keeps bytes and digests fixed whatever the role. READY versions are seeded directly
// as the admin role (test/lifecycle/fixtures.ts): a version becomes ready only once real ONNX bytes validate.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TestApp, errorCode, type GqlResponse, type Principal, type TestTenant } from './support/harness.js';
import { seedAlias, seedPromotion, seedVersion } from './lifecycle/fixtures.js';

const VERSION =
  'id modelId number state description tags archivedAt parentVersionId card { intendedUse limitations metrics }';

interface Version {
  id: string;
  number: number;
  description: string;
  tags: string[];
  archivedAt: string | null;
  parentVersionId: string | null;
  card: { intendedUse: string | null; limitations: string | null; metrics: string | null };
}

describe('version lifecycle', () => {
  let t: TestApp;
  let db: pg.Client;
  let A: TestTenant;
  let B: TestTenant;
  let model: { id: string; name: string };

  const call = (
    query: string,
    variables: Record<string, unknown>,
    who: Principal | string,
  ): Promise<GqlResponse> => t.gql(query, variables, { token: typeof who === 'string' ? who : who.apiKey });
  const data = <T>(res: GqlResponse, field: string): T => {
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    return (res.body.data as Record<string, T>)[field]!;
  };
  const update = (who: Principal | string, id: string, input: Record<string, unknown>) =>
    call(
      `mutation($id: ID!, $i: UpdateModelVersionInput!) { updateModelVersion(id: $id, input: $i) { ${VERSION} } }`,
      { id, i: input },
      who,
    );
  const archive = (who: Principal | string, id: string) =>
    call(`mutation($id: ID!) { archiveModelVersion(id: $id) { ${VERSION} } }`, { id }, who);
  const restore = (who: Principal | string, id: string) =>
    call(`mutation($id: ID!) { restoreModelVersion(id: $id) { ${VERSION} } }`, { id }, who);
  const actions = async (): Promise<string[]> => {
    const { rows } = await db.query<{ action: string }>(
      `SELECT action FROM audit_outbox WHERE tenant_id = $1 UNION ALL SELECT action FROM audit_entries WHERE tenant_id = $1`,
      [A.id],
    );
    return rows.map((r) => r.action);
  };

  beforeAll(async () => {
    t = await TestApp.start();
    db = new pg.Client({ connectionString: inject('databaseAdminUrl') });
    await db.connect();
    A = await t.tenant();
    B = await t.tenant({ withMembers: false });
    model = await t.createModel(A.owner.apiKey, { name: `resnet-${Date.now().toString(36)}` });
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  describe('metadata', () => {
    it('lets publishers edit description, tags and the model card; not consumers or viewers', async () => {
      const v = await seedVersion(A.id, model.id, A.members.publisher.userId);
      const updated = data<Version>(
        await update(A.members.publisher, v.id, {
          description: 'fine-tuned on 2026 data',
          tags: ['Vision', 'prod-candidate'],
          card: {
            intendedUse: 'triage',
            limitations: 'not for diagnosis',
            metrics: '{"accuracy":0.93,"split":"val"}',
          },
        }),
        'updateModelVersion',
      );
      expect(updated).toMatchObject({
        description: 'fine-tuned on 2026 data',
        tags: ['vision', 'prod-candidate'],
      });
      expect(updated.card).toMatchObject({ intendedUse: 'triage', limitations: 'not for diagnosis' });
      // Stored as JSONB: the same object, key order not preserved.
      expect(JSON.parse(updated.card.metrics!)).toEqual({ accuracy: 0.93, split: 'val' });
      // Only what is given changes; an empty string removes a card field.
      const again = data<Version>(
        await update(A.owner, v.id, { card: { limitations: '' } }),
        'updateModelVersion',
      );
      expect(again.card).toEqual({
        intendedUse: 'triage',
        limitations: null,
        metrics: updated.card.metrics,
      });
      expect(again.tags).toEqual(['vision', 'prod-candidate']);
      for (const role of ['consumer', 'viewer', 'approver', 'auditor'] as const) {
        expect(errorCode(await update(A.members[role], v.id, { description: 'x' })), role).toBe('FORBIDDEN');
      }
      expect(await actions()).toContain('model_version.update');
    });

    it('validates metrics, tags and lengths and writes nothing on bad input', async () => {
      const v = await seedVersion(A.id, model.id, A.owner.userId, { description: 'before' });
      const snapshot = async () =>
        (await db.query('SELECT description, tags, card FROM model_versions WHERE id = $1', [v.id])).rows[0];
      const before = await snapshot();
      const bad: [Record<string, unknown>, string][] = [
        [{ card: { metrics: '[1,2]' } }, 'metrics'],
        [{ card: { metrics: '{"a":{"b":1}}' } }, 'metrics'],
        [{ card: { metrics: '{"a":true}' } }, 'metrics'],
        [{ card: { metrics: 'not json' } }, 'metrics'],
        [{ card: { metrics: JSON.stringify({ k: 'x'.repeat(9000) }) } }, 'metrics'],
        [{ card: { intendedUse: 'x'.repeat(4001) } }, 'intendedUse'],
        [{ description: 'x'.repeat(4001) }, 'description'],
        [{ tags: ['Not A Tag'] }, 'tags'],
        [{ tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }, 'tags'],
        [{ description: null }, 'description'],
      ];
      for (const [input, field] of bad) {
        const res = await update(A.owner, v.id, { description: 'changed', ...input });
        expect(errorCode(res), JSON.stringify(input).slice(0, 80)).toBe('BAD_USER_INPUT');
        const details = (res.body.errors?.[0]?.extensions?.['details'] ?? {}) as {
          field?: string;
          fields?: string[];
        };
        const named =
          res.body.errors?.[0]?.message.includes(field) ||
          details.field === field ||
          details.fields?.includes(field);
        expect(named, `${field}: ${res.body.errors?.[0]?.message}`).toBe(true);
      }
      expect(await snapshot()).toEqual(before);
    });

    it('keeps bytes and digest immutable even for the database owner and the app role', async () => {
      const v = await seedVersion(A.id, model.id, A.owner.userId);
      await expect(
        db.query("UPDATE model_versions SET sha256 = decode(repeat('00', 32), 'hex') WHERE id = $1", [v.id]),
      ).rejects.toThrow(/immutable/);
      await expect(
        db.query('UPDATE model_versions SET size_bytes = 1 WHERE id = $1', [v.id]),
      ).rejects.toThrow(/immutable/);
      const app = new pg.Client({ connectionString: inject('databaseAppUrl') });
      await app.connect();
      try {
        await app.query('BEGIN');
        await app.query("SELECT set_config('app.tenant_id', $1, true)", [A.id]);
        await expect(
          app.query("UPDATE model_versions SET sha256 = decode(repeat('11', 32), 'hex') WHERE id = $1", [
            v.id,
          ]),
        ).rejects.toThrow(/immutable/);
        await app.query('ROLLBACK');
      } finally {
        await app.end();
      }
      // Metadata still changes.
      const ok = await db.query("UPDATE model_versions SET description = 'metadata only' WHERE id = $1", [
        v.id,
      ]);
      expect(ok.rowCount).toBe(1);
    });
  });

  describe('archiving', () => {
    it('refuses to archive the target of a protected alias', async () => {
      const v = await seedVersion(A.id, model.id, A.owner.userId);
      await seedAlias(A.id, model.id, 'production', v.id, A.owner.userId);
      const res = await archive(A.members.publisher, v.id);
      expect(errorCode(res)).toBe('FAILED_PRECONDITION');
      expect(res.body.errors?.[0]?.message).toMatch(/protected alias production/);
      const { rows } = await db.query('SELECT archived_at FROM model_versions WHERE id = $1', [v.id]);
      expect(rows[0]).toEqual({ archived_at: null });
    });

    it('removes unprotected aliases, cancels pending requests, and restores', async () => {
      const v = await seedVersion(A.id, model.id, A.owner.userId);
      await seedAlias(A.id, model.id, 'staging', v.id, A.owner.userId);
      const p = await seedPromotion(A.id, model.id, v.id, 'production', A.members.publisher.userId);
      for (const role of ['consumer', 'viewer', 'approver'] as const) {
        expect(errorCode(await archive(A.members[role], v.id)), role).toBe('FORBIDDEN');
      }
      const archived = data<Version>(await archive(A.members.publisher, v.id), 'archiveModelVersion');
      expect(archived.archivedAt).not.toBeNull();
      const { rows: aliasRows } = await db.query('SELECT name FROM model_aliases WHERE version_id = $1', [
        v.id,
      ]);
      expect(aliasRows).toEqual([]);
      const { rows: pr } = await db.query(
        'SELECT state, decision_note FROM promotion_requests WHERE id = $1',
        [p.id],
      );
      expect(pr[0]).toEqual({ state: 'cancelled', decision_note: 'the version was archived' });
      // Archived versions are read-only and cannot be aliased or promoted; archiving again changes nothing.
      expect(data<Version>(await archive(A.owner, v.id), 'archiveModelVersion').archivedAt).toBe(
        archived.archivedAt,
      );
      expect(errorCode(await update(A.owner, v.id, { description: 'x' }))).toBe('FAILED_PRECONDITION');
      const set = await call(
        'mutation($m: ID!, $v: ID!) { setAlias(modelId: $m, alias: "staging", versionId: $v) { name } }',
        { m: model.id, v: v.id },
        A.owner,
      );
      expect(errorCode(set)).toBe('FAILED_PRECONDITION');
      const restored = data<Version>(await restore(A.members.publisher, v.id), 'restoreModelVersion');
      expect(restored.archivedAt).toBeNull();
      expect(await actions()).toEqual(
        expect.arrayContaining(['model_version.archive', 'model_version.restore', 'alias.delete']),
      );
    });
  });

  describe('lineage', () => {
    it('walks ancestors nearest first, bounded by depth, and stops at models the caller cannot see', async () => {
      const secret = await t.createModel(A.owner.apiKey, { visibility: 'RESTRICTED' });
      const root = await seedVersion(A.id, secret.id, A.owner.userId);
      const v1 = await seedVersion(A.id, model.id, A.owner.userId, { parentVersionId: root.id });
      const v2 = await seedVersion(A.id, model.id, A.owner.userId, { parentVersionId: v1.id });
      const v3 = await seedVersion(A.id, model.id, A.owner.userId, { parentVersionId: v2.id });
      const lineage = async (who: Principal, depth?: number): Promise<string[]> =>
        data<{ id: string }[]>(
          await call(
            'query($v: ID!, $d: Int) { lineage(versionId: $v, depth: $d) { id } }',
            { v: v3.id, d: depth },
            who,
          ),
          'lineage',
        ).map((x) => x.id);
      expect(await lineage(A.owner)).toEqual([v2.id, v1.id, root.id]);
      expect(await lineage(A.members.viewer)).toEqual([v2.id, v1.id]);
      expect(await lineage(A.owner, 1)).toEqual([v2.id]);
      for (const d of [0, 51]) {
        const res = await call(
          'query($v: ID!, $d: Int) { lineage(versionId: $v, depth: $d) { id } }',
          { v: v3.id, d },
          A.owner,
        );
        expect(errorCode(res)).toBe('BAD_USER_INPUT');
      }
      const hidden = await call(
        'query($v: ID!) { lineage(versionId: $v) { id } }',
        { v: root.id },
        A.members.viewer,
      );
      expect(errorCode(hidden)).toBe('NOT_FOUND');
    });
  });

  describe('search', () => {
    it('searches versions across visible models only, with tags, state and a cursor', async () => {
      const word = `needle${Date.now().toString(36)}`;
      const open = await t.createModel(A.owner.apiKey);
      const secret = await t.createModel(A.owner.apiKey, { visibility: 'RESTRICTED' });
      const granted = await t.addMember(A.owner, 'viewer');
      await t.ok(
        'mutation($i: GrantModelAccessInput!) { grantModelAccess(input: $i) { modelId } }',
        { i: { modelId: secret.id, userId: granted.userId, role: 'VIEWER' } },
        { token: A.owner.apiKey },
      );
      const a = await seedVersion(A.id, open.id, A.owner.userId, {
        description: `${word} one`,
        tags: ['cv'],
      });
      const b = await seedVersion(A.id, open.id, A.owner.userId, {
        description: `${word} two`,
        tags: ['cv', 'int8'],
      });
      const c = await seedVersion(A.id, secret.id, A.owner.userId, {
        description: `${word} secret`,
        tags: ['cv'],
      });
      const failed = await seedVersion(A.id, open.id, A.owner.userId, {
        description: `${word} bad`,
        state: 'failed',
      });
      await seedVersion(A.id, open.id, A.owner.userId, { description: `${word} old`, archived: true });
      await seedVersion(B.id, (await t.createModel(B.owner.apiKey)).id, B.owner.userId, {
        description: `${word} b`,
      });

      type Conn = {
        edges: { cursor: string; node: { id: string } }[];
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
      };
      const search = async (who: Principal | string, vars: Record<string, unknown>): Promise<string[]> => {
        const ids: string[] = [];
        let after: string | null = null;
        do {
          const page: Conn = data<Conn>(
            await call(
              `query($q: String, $t: [String!], $s: VersionState, $f: Int, $a: String) {
                 searchModelVersions(query: $q, tags: $t, state: $s, first: $f, after: $a) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
               }`,
              { f: 2, ...vars, a: after },
              who,
            ),
            'searchModelVersions',
          );
          ids.push(...page.edges.map((e) => e.node.id));
          after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
        } while (after);
        return ids;
      };
      expect(await search(A.members.viewer, { q: word })).toEqual([failed.id, b.id, a.id]);
      expect(await search(A.members.admin, { q: word })).toEqual([failed.id, c.id, b.id, a.id]);
      expect(await search(granted, { q: word })).toEqual([failed.id, c.id, b.id, a.id]);
      expect(await search(A.members.admin, { q: word, t: ['INT8'] })).toEqual([b.id]);
      expect(await search(A.members.admin, { q: word, s: 'FAILED' })).toEqual([failed.id]);
      expect(await search(B.owner, { q: word })).toHaveLength(1);
      // The model name matches too; LIKE metacharacters are literal.
      expect(await search(A.members.viewer, { q: model.name })).not.toHaveLength(0);
      expect(await search(A.members.viewer, { q: `${word}%` })).toEqual([]);
      // An API key restricted to one model sees only that model's versions; without models:grants in its scopes,
      // an admin's key sees no restricted model it holds no grant on (the visibility rules of libs/api/access).
      const key = await t.createApiKey(A.members.admin.session, ['models:read'], {
        modelIds: [open.id, secret.id],
      });
      expect(await search(key, { q: word })).toEqual([failed.id, b.id, a.id]);
      const wide = await t.createApiKey(A.members.admin.session, ['models:read', 'models:grants'], {
        modelIds: [secret.id],
      });
      expect(await search(wide, { q: word })).toEqual([c.id]);
      const long = await call(
        'query($q: String) { searchModelVersions(query: $q) { edges { cursor } } }',
        { q: 'q'.repeat(201) },
        A.owner,
      );
      expect(errorCode(long)).toBe('BAD_USER_INPUT');
    });
  });

  describe('artifact policy', () => {
    const POLICY = 'protectedAliases onnxAllowedDomains';
    const setPolicy = (who: Principal, input: Record<string, unknown>) =>
      call(
        `mutation($i: UpdateArtifactPolicyInput!) { updateArtifactPolicy(input: $i) { ${POLICY} } }`,
        { i: input },
        who,
      );

    it('is readable by members and changeable by owners and admins, with validated lists', async () => {
      expect(
        data(await call(`{ artifactPolicy { ${POLICY} } }`, {}, A.members.viewer), 'artifactPolicy'),
      ).toEqual({
        protectedAliases: ['production'],
        onnxAllowedDomains: [],
      });
      expect(errorCode(await setPolicy(A.members.publisher, { protectedAliases: [] }))).toBe('FORBIDDEN');
      const updated = data(
        await setPolicy(A.members.admin, {
          protectedAliases: ['staging', 'production'],
          onnxAllowedDomains: ['com.microsoft', 'com.example.ops'],
        }),
        'updateArtifactPolicy',
      );
      expect(updated).toEqual({
        protectedAliases: ['production', 'staging'],
        onnxAllowedDomains: ['com.example.ops', 'com.microsoft'],
      });
      for (const input of [
        { onnxAllowedDomains: ['microsoft'] },
        { onnxAllowedDomains: ['Com.Microsoft'] },
        { onnxAllowedDomains: ['ai.onnx'] },
        { onnxAllowedDomains: Array.from({ length: 33 }, (_, i) => `com.d${i}`) },
        { protectedAliases: ['latest'] },
        { protectedAliases: ['v2'] },
        { protectedAliases: Array.from({ length: 17 }, (_, i) => `a${i}`) },
      ]) {
        expect(errorCode(await setPolicy(A.owner, input)), JSON.stringify(input).slice(0, 60)).toBe(
          'BAD_USER_INPUT',
        );
      }
      const v = await seedVersion(A.id, model.id, A.owner.userId);
      const res = await call(
        'mutation($m: ID!, $v: ID!) { setAlias(modelId: $m, alias: "staging", versionId: $v) { name } }',
        { m: model.id, v: v.id },
        A.owner,
      );
      expect(errorCode(res)).toBe('FAILED_PRECONDITION');
      const { rows } = await db.query(
        'SELECT protected_aliases, onnx_allowed_domains FROM tenants WHERE id = $1',
        [B.id],
      );
      expect(rows[0]).toEqual({ protected_aliases: ['production'], onnx_allowed_domains: [] });
      expect(await actions()).toContain('tenant.artifact_policy_update');
      // Back to the default for the other tests in this file.
      data(await setPolicy(A.owner, { protectedAliases: ['production'] }), 'updateArtifactPolicy');
    });
  });

  it("answers B's attempts on A's versions exactly like unknown ids", async () => {
    const v = await seedVersion(A.id, model.id, A.owner.userId);
    for (const [query, vars] of [
      [
        `mutation($id: ID!) { updateModelVersion(id: $id, input: { description: "x" }) { id } }`,
        { id: v.id },
      ],
      ['mutation($id: ID!) { archiveModelVersion(id: $id) { id } }', { id: v.id }],
      ['mutation($id: ID!) { restoreModelVersion(id: $id) { id } }', { id: v.id }],
      ['query($id: ID!) { lineage(versionId: $id) { id } }', { id: v.id }],
    ] as const) {
      const res = await call(query, vars, B.owner);
      const ghost = await call(query, { id: '00000000-0000-4000-8000-000000000000' }, B.owner);
      expect(errorCode(res), query).toBe('NOT_FOUND');
      expect(res.body.errors?.[0]?.message).toBe(ghost.body.errors?.[0]?.message);
    }
    const { rows } = await db.query('SELECT description, archived_at FROM model_versions WHERE id = $1', [
      v.id,
    ]);
    expect(rows[0]).toEqual({ description: '', archived_at: null });
  });
});
