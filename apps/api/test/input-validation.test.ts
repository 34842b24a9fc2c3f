// Input validation: bad input answers BAD_USER_INPUT (or a GraphQL 400 for type errors) with a message naming the
// field, and writes nothing. Two layers of cases:
//   - derived from the schema for every operation (so new inputs are covered automatically): malformed ids, an
//     oversized value for every String field, out-of-range Ints, unknown enum values, unknown input fields;
//   - written by hand for the rules the schema cannot express: names, slugs, emails, tags, scopes, page sizes,
//     cursors, expiry, password length in characters and in bytes.
// Each case starts from the operation's valid fixture variables and breaks exactly one thing.
import pg from 'pg';
import { createRequire } from 'node:module';
import type { GraphQLInputType } from 'graphql';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ALL_PERMISSIONS, Limits, OPERATIONS, type OperationName } from '@arca/contracts';
import { TestApp, type TestTenant } from './support/harness.js';
import {
  buildWorld,
  execute,
  fixtureProblems,
  idArguments,
  prepareCall,
  rootField,
  snapshotDiff,
  snapshotTenant,
  type Caller,
  type World,
} from './support/operation-fixtures.js';

const G = createRequire(import.meta.url)('graphql') as typeof import('graphql');

type Path = (string | number)[];

interface Case {
  op: OperationName;
  name: string;
  /** Where the bad value goes, relative to the variables. */
  path: Path;
  value: unknown;
  /** The field the answer must name (defaults to the last path segment). */
  field?: string;
}

const LONG = 'x'.repeat(5000);
const cursor = (key: unknown): string => Buffer.from(JSON.stringify(key)).toString('base64url');
const uuid = '00000000-0000-4000-8000-000000000000';

// ---------------------------------------------------------------------------------------------------------------
// Cases derived from the schema.

function badValuesFor(type: GraphQLInputType): { label: string; value: unknown }[] {
  const named = G.getNamedType(type);
  const nullable = G.isNonNullType(type) ? type.ofType : type;
  const list = G.isListType(nullable);
  const wrap = (v: unknown) => (list ? [v] : v);
  if (G.isEnumType(named)) return [{ label: 'an unknown enum value', value: wrap('NOT_A_VALUE') }];
  switch (named.name) {
    case 'ID':
      return [
        { label: 'a malformed id', value: wrap('not-a-uuid') },
        { label: 'an id with SQL in it', value: wrap(`${uuid}' OR '1'='1`) },
      ];
    case 'String':
      return [{ label: `a ${LONG.length}-character string`, value: wrap(LONG) }];
    case 'Int':
      return [{ label: 'an integer beyond 32 bits', value: wrap(2 ** 40) }];
    case 'Boolean':
      return [{ label: 'a string for a Boolean', value: wrap('yes') }];
    default:
      return [];
  }
}

function schemaCases(): Case[] {
  const cases: Case[] = [];
  for (const op of Object.keys(OPERATIONS) as OperationName[]) {
    for (const arg of rootField(op)?.args ?? []) {
      const named = G.getNamedType(arg.type);
      if (G.isInputObjectType(named)) {
        for (const f of Object.values(named.getFields())) {
          for (const bad of badValuesFor(f.type)) {
            cases.push({
              op,
              name: `${arg.name}.${f.name}: ${bad.label}`,
              path: [arg.name, f.name],
              value: bad.value,
            });
          }
        }
        cases.push({
          op,
          name: `${arg.name}: an unknown field`,
          path: [arg.name, 'unexpectedField'],
          value: 'x',
        });
      } else {
        for (const bad of badValuesFor(arg.type)) {
          cases.push({ op, name: `${arg.name}: ${bad.label}`, path: [arg.name], value: bad.value });
        }
      }
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// Cases for rules the schema cannot express.

const many = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i));

const RULE_CASES: Case[] = [
  // model names: Limits.modelNamePattern
  ...[
    '',
    'A',
    'Upper',
    'has space',
    '-lead',
    'trail-',
    '.dot',
    'a/b',
    '../etc',
    'modèle',
    'a\u0000b',
    'x'.repeat(101),
  ].map((name): Case => ({
    op: 'createModel',
    name: `name ${JSON.stringify(name.slice(0, 12))}`,
    path: ['input', 'name'],
    value: name,
  })),
  { op: 'updateModel', name: 'name with a space', path: ['input', 'name'], value: 'bad name' },
  { op: 'updateModel', name: 'empty name', path: ['input', 'name'], value: '' },
  {
    op: 'createModel',
    name: `description over ${Limits.modelDescriptionMax}`,
    path: ['input', 'description'],
    value: 'd'.repeat(Limits.modelDescriptionMax + 1),
  },
  {
    op: 'updateModel',
    name: `description over ${Limits.modelDescriptionMax}`,
    path: ['input', 'description'],
    value: 'd'.repeat(Limits.modelDescriptionMax + 1),
  },
  // tags: Limits.tagsMax, Limits.tagPattern
  ...(['createModel', 'updateModel'] as const).flatMap((op): Case[] => [
    {
      op,
      name: `${Limits.tagsMax + 1} tags`,
      path: ['input', 'tags'],
      value: many(Limits.tagsMax + 1, (i) => `t${i}`),
    },
    { op, name: 'a tag with a space', path: ['input', 'tags'], value: ['ok', 'not ok'] },
    { op, name: 'a tag with a slash', path: ['input', 'tags'], value: ['a/b'] },
    { op, name: 'a tag starting with a dash', path: ['input', 'tags'], value: ['-x'] },
    { op, name: 'an empty tag', path: ['input', 'tags'], value: [''] },
    { op, name: 'a 51-character tag', path: ['input', 'tags'], value: ['t'.repeat(51)] },
  ]),
  { op: 'createModel', name: 'a number for the name', path: ['input', 'name'], value: 123 },
  { op: 'createModel', name: 'visibility PUBLIC', path: ['input', 'visibility'], value: 'PUBLIC' },
  { op: 'createModel', name: 'tenantId in the input', path: ['input', 'tenantId'], value: uuid },
  // API keys
  { op: 'createApiKey', name: 'empty name', path: ['input', 'name'], value: '' },
  {
    op: 'createApiKey',
    name: 'name too long',
    path: ['input', 'name'],
    value: 'n'.repeat(Limits.apiKeyNameMax + 1),
  },
  { op: 'createApiKey', name: 'unknown scope', path: ['input', 'scopes'], value: ['models:destroy'] },
  { op: 'createApiKey', name: 'scope in the wrong case', path: ['input', 'scopes'], value: ['TENANT:READ'] },
  { op: 'createApiKey', name: 'no scope', path: ['input', 'scopes'], value: [] },
  {
    op: 'createApiKey',
    name: 'too many scopes',
    path: ['input', 'scopes'],
    value: many(ALL_PERMISSIONS.length + 1, () => 'tenant:read'),
  },
  { op: 'createApiKey', name: 'a malformed model id', path: ['input', 'modelIds'], value: ['nope'] },
  {
    op: 'createApiKey',
    name: `more than ${Limits.apiKeyModelsMax} models`,
    path: ['input', 'modelIds'],
    value: many(Limits.apiKeyModelsMax + 1, (i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`),
  },
  ...[0, -1, Limits.apiKeyMaxDays + 1].map((days): Case => ({
    op: 'createApiKey',
    name: `expiresInDays ${days}`,
    path: ['input', 'expiresInDays'],
    value: days,
  })),
  { op: 'createApiKey', name: 'expiresInDays 1.5', path: ['input', 'expiresInDays'], value: 1.5 },
  // members and invitations
  ...['not-an-email', '', 'a@b', 'a b@c.test', 'a@b.test\nBcc: x@y.test', `${'a'.repeat(250)}@x.test`].map(
    (email): Case => ({
      op: 'inviteMember',
      name: `email ${JSON.stringify(email.slice(0, 20))}`,
      path: ['input', 'email'],
      value: email,
    }),
  ),
  { op: 'inviteMember', name: 'role GOD', path: ['input', 'role'], value: 'GOD' },
  { op: 'inviteMember', name: 'role in lowercase', path: ['input', 'role'], value: 'viewer' },
  { op: 'updateMemberRole', name: 'role ROOT', path: ['input', 'role'], value: 'ROOT' },
  { op: 'grantModelAccess', name: 'role SUPERUSER', path: ['input', 'role'], value: 'SUPERUSER' },
  { op: 'updateTenant', name: 'empty name', path: ['input', 'name'], value: '' },
  { op: 'updateTenant', name: 'blank name', path: ['input', 'name'], value: '   ' },
  {
    op: 'updateTenant',
    name: 'name too long',
    path: ['input', 'name'],
    value: 'n'.repeat(Limits.tenantNameMax + 1),
  },
  // login
  { op: 'login', name: 'malformed email', path: ['input', 'email'], value: 'nope' },
  { op: 'login', name: 'empty password', path: ['input', 'password'], value: '' },
  {
    op: 'login',
    name: 'password over 1024 characters',
    path: ['input', 'password'],
    value: 'p'.repeat(1025),
  },
  ...['Bad Slug', 'a', '-x-', 'x'.repeat(64), 'slug_with_underscore'].map((slug): Case => ({
    op: 'login',
    name: `tenantSlug ${JSON.stringify(slug.slice(0, 12))}`,
    path: ['input', 'tenantSlug'],
    value: slug,
  })),
  { op: 'login', name: 'cookie "yes"', path: ['input', 'cookie'], value: 'yes' },
  // invitation acceptance: a valid pending token, one bad field
  { op: 'acceptInvitation', name: 'not an invitation token', path: ['input', 'token'], value: 'arci_short' },
  {
    op: 'acceptInvitation',
    name: 'a session token',
    path: ['input', 'token'],
    value: `arcs_${'a'.repeat(43)}`,
  },
  {
    op: 'acceptInvitation',
    name: 'password of 11 characters',
    path: ['input', 'password'],
    value: 'p'.repeat(11),
  },
  {
    op: 'acceptInvitation',
    name: 'password of 12 bytes but 6 characters',
    path: ['input', 'password'],
    value: 'é'.repeat(6),
  },
  {
    op: 'acceptInvitation',
    name: 'password over 1024 characters',
    path: ['input', 'password'],
    value: 'p'.repeat(1025),
  },
  {
    op: 'acceptInvitation',
    name: 'password of 600 characters but 1200 bytes',
    path: ['input', 'password'],
    value: 'é'.repeat(600),
  },
  { op: 'acceptInvitation', name: 'empty displayName', path: ['input', 'displayName'], value: '' },
  {
    op: 'acceptInvitation',
    name: 'displayName too long',
    path: ['input', 'displayName'],
    value: 'd'.repeat(Limits.displayNameMax + 1),
  },
  // password change (the current password is right; the new one is not acceptable)
  {
    op: 'changePassword',
    name: 'new password of 11 characters',
    path: ['input', 'newPassword'],
    value: 'p'.repeat(11),
  },
  {
    op: 'changePassword',
    name: 'new password over 1024 characters',
    path: ['input', 'newPassword'],
    value: 'p'.repeat(1025),
  },
  {
    op: 'changePassword',
    name: 'new password of 600 characters but 1200 bytes',
    path: ['input', 'newPassword'],
    value: 'é'.repeat(600),
  },
  {
    op: 'changePassword',
    name: 'new password of 12 UTF-16 units but 6 characters',
    path: ['input', 'newPassword'],
    value: '😀'.repeat(6),
  },
  { op: 'changePassword', name: 'empty current password', path: ['input', 'currentPassword'], value: '' },
  {
    op: 'changePassword',
    name: 'current password over 1024 characters',
    path: ['input', 'currentPassword'],
    value: 'p'.repeat(1025),
  },
  // pagination, search, cursors
  ...(['models', 'members'] as const).flatMap((op): Case[] => [
    ...[0, -1, Limits.pageSizeMax + 1, 100_000].map((first): Case => ({
      op,
      name: `first ${first}`,
      path: ['first'],
      value: first,
    })),
    { op, name: 'a cursor that is not base64 JSON', path: ['after'], value: 'garbage!' },
    { op, name: 'a cursor of the wrong shape', path: ['after'], value: cursor([1, 2, 3]) },
    { op, name: 'a cursor of 600 characters', path: ['after'], value: 'A'.repeat(600) },
    { op, name: 'a cursor with an invalid date', path: ['after'], value: cursor(['not-a-date', uuid]) },
    {
      op,
      name: 'a cursor whose id is not a uuid',
      path: ['after'],
      value: cursor(['2026-01-01T00:00:00.000Z', 'not-a-uuid']),
    },
    {
      op,
      name: 'a cursor with a date Postgres cannot store',
      path: ['after'],
      value: cursor(['-100000-01-01T00:00:00.000Z', uuid]),
    },
  ]),
  {
    op: 'models',
    name: `query over ${Limits.searchQueryMax} characters`,
    path: ['query'],
    value: 'q'.repeat(Limits.searchQueryMax + 1),
  },
  { op: 'models', name: 'an invalid tag filter', path: ['tags'], value: ['Not A Tag'] },
  {
    op: 'models',
    name: `${Limits.tagsMax + 1} tag filters`,
    path: ['tags'],
    value: many(Limits.tagsMax + 1, (i) => `t${i}`),
  },
];

function setPath(target: Record<string, unknown>, path: Path, value: unknown): void {
  let node = target as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string | number, unknown>;
  }
  node[path.at(-1)!] = value;
}

describe('input validation', () => {
  let t: TestApp;
  let db: pg.Client;
  let tenant: TestTenant;
  let world: World;
  let owner: Caller;

  beforeAll(async () => {
    t = await TestApp.start();
    db = new pg.Client({ connectionString: inject('databaseAdminUrl') });
    await db.connect();
    tenant = await t.tenant({ withMembers: false });
    world = await buildWorld(t, tenant);
    owner = { label: 'owner', kind: 'session', principal: tenant.owner, tenantSlug: tenant.slug };
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('has a fixture for every operation (add one in test/support/operation-fixtures.ts)', () => {
    expect(fixtureProblems()).toEqual([]);
  });

  it('derives a malformed-id case for every ID argument of every operation', () => {
    const derived = schemaCases();
    for (const op of Object.keys(OPERATIONS) as OperationName[]) {
      for (const { path } of idArguments(op)) {
        expect(derived.some((c) => c.op === op && c.path.join('.') === path.join('.'))).toBe(true);
      }
    }
  });

  async function run(c: Case): Promise<string[]> {
    const call = await prepareCall(c.op, { t, world, caller: owner, fresh: true });
    const variables = structuredClone(call.variables);
    setPath(variables, c.path, c.value);
    const before = await snapshotTenant(db, tenant.id);
    const res = await execute(t, { ...call, variables });
    const after = await snapshotTenant(db, tenant.id, before.userIds);

    const problems: string[] = [];
    const err = res.body.errors?.[0];
    const code = err?.extensions?.code;
    const field = c.field ?? String(c.path.at(-1));
    const typeError =
      res.status === 400 && (code === 'BAD_USER_INPUT' || code === 'GRAPHQL_VALIDATION_FAILED');
    const inputError = res.status === 200 && code === 'BAD_USER_INPUT';
    if (!typeError && !inputError) {
      problems.push(
        `expected BAD_USER_INPUT, got HTTP ${res.status} ${code ?? 'success'}: ${err?.message ?? res.raw.slice(0, 120)}`,
      );
    } else {
      const details = (err?.extensions?.['details'] ?? {}) as { field?: string; fields?: string[] };
      const named =
        (err?.message ?? '').toLowerCase().includes(field.toLowerCase()) ||
        details.field === field ||
        (details.fields ?? []).includes(field);
      if (!named) {
        problems.push(`the answer does not name "${field}": ${err?.message} ${JSON.stringify(details)}`);
      }
    }
    if (res.body.data && res.body.data[c.op] !== null && res.body.data[c.op] !== undefined) {
      problems.push('returned data');
    }
    const changed = snapshotDiff(before, after);
    if (changed.length) problems.push(`wrote to ${changed.join(', ')}`);
    return problems;
  }

  describe('derived from the schema', () => {
    for (const c of schemaCases()) {
      it(`${c.op} ${c.name}`, async () => {
        expect(await run(c)).toEqual([]);
      });
    }
  });

  describe('domain rules', () => {
    for (const c of RULE_CASES) {
      it(`${c.op} ${c.name}`, async () => {
        expect(await run(c)).toEqual([]);
      });
    }
  });

  it('a valid call goes through after all that (the fixtures are valid; only the broken field failed)', async () => {
    for (const op of [
      'createModel',
      'updateModel',
      'inviteMember',
      'createApiKey',
      'updateTenant',
    ] as const) {
      const call = await prepareCall(op, { t, world, caller: owner, fresh: true });
      const res = await execute(t, call);
      expect(res.body.errors, op).toBeUndefined();
    }
  });
});
