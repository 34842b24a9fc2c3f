import { randomBytes, randomUUID } from 'node:crypto';
// apps/api/package.json does not list pg (the app reaches Postgres through @arca/api-db); the test needs it to
// check database state as the superuser. See the report.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Limits } from '@arca/contracts';
import { TestApp, errorCode, type TestTenant } from './support/harness.js';

// Model metadata through the real API: CRUD, uniqueness, validation, search (incl. LIKE wildcards), keyset
// pagination, archive/restore. Tenants are shared per describe block where tests do not interfere.

type ModelNode = {
  id: string;
  name: string;
  description: string;
  tags: string[];
  visibility: 'INTERNAL' | 'RESTRICTED';
  archived: boolean;
  archivedAt: string | null;
  createdAt: string;
  updatedAt: string;
};
type ModelPage = {
  models: {
    edges: { cursor: string; node: ModelNode }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

const FIELDS = 'id name description tags visibility archived archivedAt createdAt updatedAt';
const CREATE = `mutation($i: CreateModelInput!) { createModel(input: $i) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $i: UpdateModelInput!) { updateModel(id: $id, input: $i) { ${FIELDS} } }`;
const GET = `query($id: ID!) { model(id: $id) { ${FIELDS} } }`;
const ARCHIVE = `mutation($id: ID!) { archiveModel(id: $id) { ${FIELDS} } }`;
const RESTORE = `mutation($id: ID!) { restoreModel(id: $id) { ${FIELDS} } }`;
const LIST = `query($first: Int, $after: String, $query: String, $tags: [String!], $includeArchived: Boolean) {
  models(first: $first, after: $after, query: $query, tags: $tags, includeArchived: $includeArchived) {
    edges { cursor node { ${FIELDS} } } pageInfo { hasNextPage endCursor } } }`;

const uniq = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

describe('models', () => {
  let t: TestApp;
  let db: pg.Client;
  let a: TestTenant;
  let b: TestTenant;

  beforeAll(async () => {
    t = await TestApp.start();
    db = new pg.Client({ connectionString: inject('databaseAdminUrl') });
    await db.connect();
    [a, b] = await Promise.all([t.tenant(), t.tenant({ withMembers: false })]);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const create = async (token: string, input: Record<string, unknown>): Promise<ModelNode> =>
    (await t.ok<{ createModel: ModelNode }>(CREATE, { i: input }, { token })).createModel;

  /** Names of all models visible to `token` for the given filters, walking every page. */
  const listAll = async (token: string, vars: Record<string, unknown> = {}): Promise<string[]> => {
    const names: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 50; i++) {
      const page: ModelPage = await t.ok<ModelPage>(LIST, { first: 100, after, ...vars }, { token });
      names.push(...page.models.edges.map((e) => e.node.name));
      if (!page.models.pageInfo.hasNextPage) return names;
      after = page.models.pageInfo.endCursor;
    }
    throw new Error('too many pages');
  };

  describe('create, read, update', () => {
    it('creates a model with normalized tags and reads it back', async () => {
      const name = uniq('resnet');
      const m = await create(a.members.publisher.session, {
        name,
        description: 'Image classifier',
        tags: ['Vision', ' vision ', 'IMAGENET', 'fp16'],
      });
      expect(m).toMatchObject({
        name,
        description: 'Image classifier',
        tags: ['vision', 'imagenet', 'fp16'],
        visibility: 'INTERNAL',
        archived: false,
        archivedAt: null,
      });
      expect(m.createdAt).toBe(m.updatedAt);
      // Every member role can read it, by session and by API key.
      for (const p of Object.values(a.members)) {
        const got = await t.ok<{ model: ModelNode }>(GET, { id: m.id }, { token: p.apiKey });
        expect(got.model).toEqual(m);
      }
      const { rows } = await db.query('SELECT tenant_id, created_by, tags FROM models WHERE id = $1', [m.id]);
      expect(rows).toEqual([{ tenant_id: a.id, created_by: a.members.publisher.userId, tags: m.tags }]);
    });

    it('defaults: empty description and tags; names are trimmed', async () => {
      const name = uniq('bare');
      const m = await create(a.owner.session, { name: `  ${name} ` });
      expect(m).toMatchObject({ name, description: '', tags: [], visibility: 'INTERNAL' });
    });

    it('updates fields; updatedAt advances, createdAt does not; omitted fields are kept', async () => {
      const m = await create(a.members.publisher.session, {
        name: uniq('upd'),
        description: 'v1',
        tags: ['a'],
      });
      await new Promise((r) => setTimeout(r, 15));
      const newName = uniq('renamed');
      const u = (
        await t.ok<{ updateModel: ModelNode }>(
          UPDATE,
          { id: m.id, i: { name: newName, tags: ['B', 'c', 'b'] } },
          { token: a.members.publisher.apiKey },
        )
      ).updateModel;
      expect(u).toMatchObject({ id: m.id, name: newName, description: 'v1', tags: ['b', 'c'] });
      expect(u.createdAt).toBe(m.createdAt);
      expect(Date.parse(u.updatedAt)).toBeGreaterThan(Date.parse(m.updatedAt));
      const u2 = (
        await t.ok<{ updateModel: ModelNode }>(
          UPDATE,
          { id: m.id, i: { description: 'v2', tags: [] } },
          { token: a.owner.session },
        )
      ).updateModel;
      expect(u2).toMatchObject({ name: newName, description: 'v2', tags: [] });
      expect(Date.parse(u2.updatedAt)).toBeGreaterThanOrEqual(Date.parse(u.updatedAt));
      expect(
        (await t.ok<{ model: ModelNode }>(GET, { id: m.id }, { token: a.members.viewer.session })).model,
      ).toEqual(u2);
    });

    it('roles without models:create / models:update are FORBIDDEN; unknown ids are NOT_FOUND', async () => {
      const m = await create(a.owner.session, { name: uniq('perm') });
      for (const role of ['viewer', 'consumer', 'approver', 'auditor'] as const) {
        const token = a.members[role].session;
        expect(errorCode(await t.gql(CREATE, { i: { name: uniq('nope') } }, { token }))).toBe('FORBIDDEN');
        expect(errorCode(await t.gql(UPDATE, { id: m.id, i: { description: 'x' } }, { token }))).toBe(
          'FORBIDDEN',
        );
      }
      const ghost = randomUUID();
      expect(errorCode(await t.gql(GET, { id: ghost }, { token: a.owner.session }))).toBe('NOT_FOUND');
      expect(
        errorCode(await t.gql(UPDATE, { id: ghost, i: { description: 'x' } }, { token: a.owner.session })),
      ).toBe('NOT_FOUND');
      expect(errorCode(await t.gql(ARCHIVE, { id: ghost }, { token: a.owner.session }))).toBe('NOT_FOUND');
      expect(errorCode(await t.gql(GET, { id: 'not-a-uuid' }, { token: a.owner.session }))).toBe(
        'BAD_USER_INPUT',
      );
    });

    it("another tenant's model is NOT_FOUND and absent from lists", async () => {
      const m = await create(a.owner.session, { name: uniq('wall') });
      expect(errorCode(await t.gql(GET, { id: m.id }, { token: b.owner.session }))).toBe('NOT_FOUND');
      expect(
        errorCode(await t.gql(UPDATE, { id: m.id, i: { description: 'pwn' } }, { token: b.owner.apiKey })),
      ).toBe('NOT_FOUND');
      expect(errorCode(await t.gql(ARCHIVE, { id: m.id }, { token: b.owner.apiKey }))).toBe('NOT_FOUND');
      expect(await listAll(b.owner.session, { query: m.name })).toEqual([]);
      const { rows } = await db.query('SELECT description, archived_at FROM models WHERE id = $1', [m.id]);
      expect(rows).toEqual([{ description: '', archived_at: null }]);
    });

    it('changing visibility needs models:grants', async () => {
      const m = await create(a.members.publisher.session, { name: uniq('vis') });
      const res = await t.gql(
        UPDATE,
        { id: m.id, i: { visibility: 'RESTRICTED' } },
        { token: a.members.publisher.session },
      );
      expect(errorCode(res)).toBe('FORBIDDEN');
      expect(res.body.errors?.[0]?.message).toContain('models:grants');
      const u = await t.ok<{ updateModel: ModelNode }>(
        UPDATE,
        { id: m.id, i: { visibility: 'RESTRICTED' } },
        { token: a.members.admin.session },
      );
      expect(u.updateModel.visibility).toBe('RESTRICTED');
    });
  });

  describe('uniqueness', () => {
    it('a name is unique per tenant: create and rename collide with CONFLICT, other tenants are free', async () => {
      const name = uniq('dup');
      const first = await create(a.owner.session, { name });
      const dup = await t.gql(CREATE, { i: { name } }, { token: a.members.publisher.session });
      expect(errorCode(dup)).toBe('CONFLICT');
      expect(dup.body.errors?.[0]?.message).toContain(name);
      // Trimming happens before the uniqueness check.
      expect(errorCode(await t.gql(CREATE, { i: { name: ` ${name}` } }, { token: a.owner.session }))).toBe(
        'CONFLICT',
      );

      const other = await create(a.owner.session, { name: uniq('other') });
      const rename = await t.gql(UPDATE, { id: other.id, i: { name } }, { token: a.owner.session });
      expect(errorCode(rename)).toBe('CONFLICT');
      // Renaming a model to its own name is not a conflict.
      const same = await t.ok<{ updateModel: ModelNode }>(
        UPDATE,
        { id: first.id, i: { name } },
        { token: a.owner.session },
      );
      expect(same.updateModel.name).toBe(name);

      // The same name in another tenant is fine.
      const inB = await create(b.owner.session, { name });
      expect(inB.id).not.toBe(first.id);

      const { rows } = await db.query<{ tenant_id: string }>(
        'SELECT tenant_id FROM models WHERE name = $1 ORDER BY tenant_id',
        [name],
      );
      expect(rows.map((r) => r.tenant_id).sort()).toEqual([a.id, b.id].sort());
      const { rows: o } = await db.query('SELECT name FROM models WHERE id = $1', [other.id]);
      expect(o[0].name).toBe(other.name);
    });

    it('concurrent creates of one name: exactly one wins, the others get CONFLICT', async () => {
      const name = uniq('race');
      const results = await Promise.all(
        Array.from({ length: 5 }, () => t.gql(CREATE, { i: { name } }, { token: a.owner.apiKey })),
      );
      expect(results.filter((r) => !r.body.errors).length).toBe(1);
      expect(results.filter((r) => errorCode(r) === 'CONFLICT').length).toBe(4);
      const { rows } = await db.query(
        'SELECT count(*)::int AS n FROM models WHERE tenant_id = $1 AND name = $2',
        [a.id, name],
      );
      expect(rows[0].n).toBe(1);
    });
  });

  describe('validation', () => {
    const NAME_MESSAGE = 'name must be 1–100 lowercase letters, digits, dots, dashes or underscores';

    it.each([
      ['uppercase', 'ResNet'],
      ['leading dash', '-model'],
      ['trailing dot', 'model.'],
      ['space inside', 'my model'],
      ['slash', 'a/b'],
      ['percent', 'a%b'],
      ['empty', ''],
      ['101 characters', 'a'.repeat(101)],
    ])('rejects a %s name with a clear message', async (_label, name) => {
      const res = await t.gql(CREATE, { i: { name } }, { token: a.owner.session });
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message).toContain(NAME_MESSAGE);
      const { rows } = await db.query(
        'SELECT count(*)::int AS n FROM models WHERE tenant_id = $1 AND name = $2',
        [a.id, name],
      );
      expect(rows[0].n).toBe(0);
    });

    it('accepts boundary names', async () => {
      for (const name of [
        'x' + randomBytes(2).toString('hex'),
        `${'a'.repeat(92)}${randomBytes(4).toString('hex')}`,
        uniq('v1.2_rc-3'),
      ]) {
        expect(Limits.modelNamePattern.test(name)).toBe(true);
        expect((await create(a.owner.session, { name })).name).toBe(name);
      }
    });

    it('rejects bad tags, too many tags and long descriptions on create and update', async () => {
      const token = a.owner.session;
      const badTag = await t.gql(CREATE, { i: { name: uniq('t'), tags: ['ok', 'not ok'] } }, { token });
      expect(errorCode(badTag)).toBe('BAD_USER_INPUT');
      expect(badTag.body.errors?.[0]?.message).toBe(
        'invalid tag "not ok": use lowercase letters, digits and :._-',
      );
      const emptyTag = await t.gql(CREATE, { i: { name: uniq('t'), tags: ['  '] } }, { token });
      expect(errorCode(emptyTag)).toBe('BAD_USER_INPUT');
      expect(emptyTag.body.errors?.[0]?.message).toContain('invalid tag');

      const tooMany = Array.from({ length: 33 }, (_, i) => `t${i}`);
      const many = await t.gql(CREATE, { i: { name: uniq('t'), tags: tooMany } }, { token });
      expect(errorCode(many)).toBe('BAD_USER_INPUT');
      expect(many.body.errors?.[0]?.message).toContain('tags');
      // Exactly 32 tags is fine.
      const exactly = Array.from({ length: 32 }, (_, i) => `T${i}`);
      expect((await create(a.owner.session, { name: uniq('t32'), tags: exactly })).tags).toHaveLength(32);

      const longDesc = await t.gql(
        CREATE,
        { i: { name: uniq('d'), description: 'x'.repeat(4001) } },
        { token },
      );
      expect(errorCode(longDesc)).toBe('BAD_USER_INPUT');
      expect(longDesc.body.errors?.[0]?.message).toContain('description');

      const m = await create(token, { name: uniq('valid'), tags: ['keep'] });
      const upd = await t.gql(UPDATE, { id: m.id, i: { tags: ['Bad Tag'] } }, { token });
      expect(errorCode(upd)).toBe('BAD_USER_INPUT');
      const updName = await t.gql(UPDATE, { id: m.id, i: { name: 'Bad Name' } }, { token });
      expect(errorCode(updName)).toBe('BAD_USER_INPUT');
      expect(updName.body.errors?.[0]?.message).toContain(NAME_MESSAGE);
      expect((await t.ok<{ model: ModelNode }>(GET, { id: m.id }, { token })).model).toMatchObject({
        name: m.name,
        tags: ['keep'],
      });
    });

    it('explicit nulls in updateModel are BAD_USER_INPUT and change nothing', async () => {
      const token = a.owner.session;
      const m = await create(token, { name: uniq('nulls'), description: 'keep', tags: ['keep'] });
      for (const field of ['name', 'description', 'visibility', 'tags']) {
        const res = await t.gql(UPDATE, { id: m.id, i: { [field]: null } }, { token });
        expect(errorCode(res), field).toBe('BAD_USER_INPUT');
        expect(res.body.errors?.[0]?.message, field).toContain(field);
      }
      expect((await t.ok<{ model: ModelNode }>(GET, { id: m.id }, { token })).model).toEqual(m);
    });

    it('rejects bad list arguments', async () => {
      const token = a.owner.session;
      for (const first of [0, -1, 101]) {
        const res = await t.gql(LIST, { first }, { token });
        expect(errorCode(res)).toBe('BAD_USER_INPUT');
        expect(res.body.errors?.[0]?.message).toBe('first must be between 1 and 100');
      }
      expect(errorCode(await t.gql(LIST, { after: 'garbage' }, { token }))).toBe('BAD_USER_INPUT');
      const wrongArity = Buffer.from(JSON.stringify(['2020-01-01T00:00:00.000Z'])).toString('base64url');
      expect(errorCode(await t.gql(LIST, { after: wrongArity }, { token }))).toBe('BAD_USER_INPUT');
      const badDate = Buffer.from(JSON.stringify(['yesterday', randomUUID()])).toString('base64url');
      expect(errorCode(await t.gql(LIST, { after: badDate }, { token }))).toBe('BAD_USER_INPUT');
      const badId = Buffer.from(JSON.stringify([new Date().toISOString(), 'not-a-uuid'])).toString(
        'base64url',
      );
      expect(errorCode(await t.gql(LIST, { after: badId }, { token }))).toBe('BAD_USER_INPUT');
      for (const date of ['-100000-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z']) {
        const outOfRange = Buffer.from(JSON.stringify([date, randomUUID()])).toString('base64url');
        expect(errorCode(await t.gql(LIST, { after: outOfRange }, { token })), date).toBe('BAD_USER_INPUT');
      }
      const longQuery = await t.gql(LIST, { query: 'q'.repeat(201) }, { token });
      expect(errorCode(longQuery)).toBe('BAD_USER_INPUT');
      expect(longQuery.body.errors?.[0]?.message).toBe('query must be at most 200 characters');
      expect(errorCode(await t.gql(LIST, { tags: ['no spaces'] }, { token }))).toBe('BAD_USER_INPUT');
    });
  });

  describe('search', () => {
    let s: TestTenant;
    let token: string;
    beforeAll(async () => {
      s = await t.tenant({ withMembers: false });
      token = s.owner.session;
      const models: Record<string, unknown>[] = [
        { name: 'alpha-detector', description: 'Finds Objects in images', tags: ['vision', 'prod'] },
        { name: 'beta-ranker', description: 'ranks search results', tags: ['nlp', 'prod'] },
        { name: 'gamma', description: 'an OBJECT tracker', tags: ['vision'] },
        { name: 'a_b', description: 'underscore name', tags: ['wild'] },
        { name: 'axb', description: 'plain name', tags: ['wild'] },
        { name: 'pct-literal', description: 'improves recall by 50% on coco', tags: ['wild'] },
        { name: 'pct-decoy', description: 'improves recall by 500 on coco', tags: ['wild'] },
        { name: 'backslash', description: 'path c:\\models\\x', tags: ['wild'] },
        { name: 'backslash-decoy', description: 'path c:models', tags: ['wild'] },
      ];
      for (const m of models) await create(token, m);
    });

    it('query matches name or description, case-insensitively', async () => {
      expect((await listAll(token, { query: 'OBJECT' })).sort()).toEqual(['alpha-detector', 'gamma']);
      expect(await listAll(token, { query: 'Ranker' })).toEqual(['beta-ranker']);
      expect(await listAll(token, { query: 'SEARCH RES' })).toEqual(['beta-ranker']);
      expect(await listAll(token, { query: 'nothing-like-this' })).toEqual([]);
      // Surrounding whitespace is ignored; a blank query is no filter.
      expect(await listAll(token, { query: '  gamma  ' })).toEqual(['gamma']);
      expect((await listAll(token, { query: '   ' })).length).toBe(9);
    });

    it('treats % and _ and \\ in the query literally', async () => {
      expect(await listAll(token, { query: 'a_b' })).toEqual(['a_b']);
      expect(await listAll(token, { query: '_' })).toEqual(['a_b']);
      expect(await listAll(token, { query: '50%' })).toEqual(['pct-literal']);
      expect(await listAll(token, { query: '%' })).toEqual(['pct-literal']);
      expect(await listAll(token, { query: 'c:\\models' })).toEqual(['backslash']);
      expect(await listAll(token, { query: '\\' })).toEqual(['backslash']);
    });

    it('tags filter requires all tags, normalized', async () => {
      expect((await listAll(token, { tags: ['vision'] })).sort()).toEqual(['alpha-detector', 'gamma']);
      expect(await listAll(token, { tags: ['VISION', 'prod'] })).toEqual(['alpha-detector']);
      expect(await listAll(token, { tags: ['vision', 'nlp'] })).toEqual([]);
      expect(await listAll(token, { tags: ['prod'], query: 'rank' })).toEqual(['beta-ranker']);
      expect((await listAll(token, { tags: [] })).length).toBe(9);
    });
  });

  describe('pagination', () => {
    let p: TestTenant;
    beforeAll(async () => {
      p = await t.tenant({ withMembers: false });
      for (let i = 0; i < 45; i++) {
        await create(p.owner.apiKey, { name: `m-${String(i).padStart(2, '0')}` });
      }
    });

    it('walks 45 models newest first with first: 20 — no duplicates, no gaps', async () => {
      const seen: ModelNode[] = [];
      const sizes: number[] = [];
      let after: string | null = null;
      for (;;) {
        const page: ModelPage = await t.ok<ModelPage>(LIST, { first: 20, after }, { token: p.owner.session });
        sizes.push(page.models.edges.length);
        seen.push(...page.models.edges.map((e) => e.node));
        expect(page.models.pageInfo.endCursor).toBe(page.models.edges.at(-1)?.cursor ?? null);
        if (!page.models.pageInfo.hasNextPage) break;
        after = page.models.pageInfo.endCursor;
      }
      expect(sizes).toEqual([20, 20, 5]);
      const names = seen.map((m) => m.name);
      expect(new Set(names).size).toBe(45);
      expect(names).toEqual(Array.from({ length: 45 }, (_, i) => `m-${String(44 - i).padStart(2, '0')}`));
      for (let i = 1; i < seen.length; i++) {
        expect(Date.parse(seen[i - 1]!.createdAt)).toBeGreaterThanOrEqual(Date.parse(seen[i]!.createdAt));
      }
    });

    it('is stable while newer models are inserted between and during page reads', async () => {
      const q = { first: 20, query: 'm-' };
      const first: ModelPage = await t.ok<ModelPage>(LIST, q, { token: p.owner.session });
      const names = first.models.edges.map((e) => e.node.name);
      let after = first.models.pageInfo.endCursor;
      let n = 0;
      while (after) {
        // Newer models arrive before and while each page is read; they must not shift the rest of the walk.
        await create(p.owner.apiKey, { name: `m-new-${n++}` });
        const [, page] = await Promise.all([
          create(p.owner.apiKey, { name: `m-new-${n++}` }),
          t.ok<ModelPage>(LIST, { ...q, after }, { token: p.owner.session }),
        ]);
        names.push(...page.models.edges.map((e) => e.node.name));
        after = page.models.pageInfo.hasNextPage ? page.models.pageInfo.endCursor : null;
      }
      expect(names.filter((x) => x.startsWith('m-new-'))).toEqual([]);
      expect(new Set(names).size).toBe(45);
      expect(names.length).toBe(45);
      // The next fresh walk starts with the newest ones.
      const fresh: ModelPage = await t.ok<ModelPage>(LIST, { first: n }, { token: p.owner.session });
      expect(fresh.models.edges.map((e) => e.node.name)).toEqual(
        Array.from({ length: n }, (_, i) => `m-new-${n - 1 - i}`),
      );
    });

    /** Inserts models with the given created_at values as the superuser; returns the expected walk order. */
    const seedAt = async (tenant: TestTenant, stamps: string[]): Promise<string[]> => {
      for (const [i, ts] of stamps.entries()) {
        await db.query(
          `INSERT INTO models (tenant_id, name, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
          [tenant.id, `tie-${i}`, tenant.owner.userId, ts],
        );
      }
      const { rows } = await db.query<{ name: string }>(
        'SELECT name FROM models WHERE tenant_id = $1 ORDER BY created_at DESC, id ASC',
        [tenant.id],
      );
      return rows.map((r) => r.name);
    };

    const walk = async (token: string, size: number): Promise<string[]> => {
      const names: string[] = [];
      let after: string | null = null;
      for (let i = 0; i < 40; i++) {
        const page: ModelPage = await t.ok<ModelPage>(LIST, { first: size, after }, { token });
        names.push(...page.models.edges.map((e) => e.node.name));
        if (!page.models.pageInfo.hasNextPage) break;
        after = page.models.pageInfo.endCursor;
      }
      return names;
    };

    it('breaks created_at ties by id', async () => {
      const c = await t.tenant({ withMembers: false });
      // Six models share one created_at (as rows written in one transaction would), between two neighbours.
      const expected = await seedAt(c, [
        '2030-01-01T00:00:00.122Z',
        ...Array.from({ length: 6 }, () => '2030-01-01T00:00:00.123Z'),
        '2030-01-01T00:00:00.124Z',
      ]);
      for (const size of [1, 2, 4, 5]) {
        expect(await walk(c.owner.session, size), `first: ${size}`).toEqual(expected);
      }
    });

    // KNOWN BUG (prisma migration, not this feature): created_at is timestamptz(6) with DEFAULT CURRENT_TIMESTAMP,
    // but cursors carry a JavaScript Date (milliseconds). Rows written with sub-millisecond timestamps (any SQL
    // writer using the column default, a backfill, a restore from another tool) are skipped by the next page.
    // Fix proposed in the report: make the keyset columns timestamptz(3) so stored values match cursor precision.
    it('keeps rows with sub-millisecond created_at values in the walk', async () => {
      const c = await t.tenant({ withMembers: false });
      const expected = await seedAt(c, [
        '2030-01-01T00:00:00.123400Z',
        '2030-01-01T00:00:00.123456Z',
        '2030-01-01T00:00:00.123456Z',
        '2030-01-01T00:00:00.123789Z',
        '2030-01-01T00:00:00.124000Z',
      ]);
      for (const size of [1, 2]) {
        expect(await walk(c.owner.session, size), `first: ${size}`).toEqual(expected);
      }
    });
  });

  describe('archive and restore', () => {
    it('archives: hidden from lists unless includeArchived, read-only, still readable by id; restore undoes it', async () => {
      const token = a.owner.session;
      const m = await create(a.members.publisher.session, { name: uniq('arch'), tags: ['archtest'] });
      const archived = (await t.ok<{ archiveModel: ModelNode }>(ARCHIVE, { id: m.id }, { token }))
        .archiveModel;
      expect(archived.archived).toBe(true);
      expect(archived.archivedAt).not.toBeNull();
      // Archiving twice is a no-op that keeps the first timestamp.
      const again = (
        await t.ok<{ archiveModel: ModelNode }>(ARCHIVE, { id: m.id }, { token: a.members.admin.apiKey })
      ).archiveModel;
      expect(again.archivedAt).toBe(archived.archivedAt);

      expect(await listAll(token, { tags: ['archtest'] })).toEqual([]);
      expect(await listAll(token, { query: m.name })).toEqual([]);
      expect(await listAll(token, { tags: ['archtest'], includeArchived: true })).toEqual([m.name]);
      expect(await listAll(token, { tags: ['archtest'], includeArchived: false })).toEqual([]);
      expect(
        (await t.ok<{ model: ModelNode }>(GET, { id: m.id }, { token: a.members.viewer.session })).model
          .archived,
      ).toBe(true);

      const upd = await t.gql(UPDATE, { id: m.id, i: { description: 'edit' } }, { token });
      expect(errorCode(upd)).toBe('FAILED_PRECONDITION');
      const { rows } = await db.query('SELECT description FROM models WHERE id = $1', [m.id]);
      expect(rows[0].description).toBe('');

      const restored = (await t.ok<{ restoreModel: ModelNode }>(RESTORE, { id: m.id }, { token }))
        .restoreModel;
      expect(restored).toMatchObject({ archived: false, archivedAt: null });
      expect(await listAll(token, { tags: ['archtest'] })).toEqual([m.name]);
      const edited = await t.ok<{ updateModel: ModelNode }>(
        UPDATE,
        { id: m.id, i: { description: 'edit' } },
        { token },
      );
      expect(edited.updateModel.description).toBe('edit');
      // Restoring a live model is a no-op.
      expect(
        (await t.ok<{ restoreModel: ModelNode }>(RESTORE, { id: m.id }, { token })).restoreModel.archived,
      ).toBe(false);
    });

    it('archiving needs models:archive', async () => {
      const m = await create(a.owner.session, { name: uniq('noarch') });
      for (const role of ['publisher', 'viewer', 'consumer', 'approver', 'auditor'] as const) {
        expect(errorCode(await t.gql(ARCHIVE, { id: m.id }, { token: a.members[role].session }))).toBe(
          'FORBIDDEN',
        );
      }
      await t.ok(ARCHIVE, { id: m.id }, { token: a.owner.session });
      expect(errorCode(await t.gql(RESTORE, { id: m.id }, { token: a.members.publisher.apiKey }))).toBe(
        'FORBIDDEN',
      );
      const { rows } = await db.query(
        'SELECT archived_at IS NOT NULL AS archived FROM models WHERE id = $1',
        [m.id],
      );
      expect(rows[0].archived).toBe(true);
    });

    it('an archived name stays taken', async () => {
      const m = await create(a.owner.session, { name: uniq('taken') });
      await t.ok(ARCHIVE, { id: m.id }, { token: a.owner.session });
      expect(errorCode(await t.gql(CREATE, { i: { name: m.name } }, { token: a.owner.session }))).toBe(
        'CONFLICT',
      );
    });
  });
});
