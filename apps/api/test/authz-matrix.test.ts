// Authorization matrix (reference/api-security.md §5.4): every operation × every role × {session, API key}, plus an
// anonymous caller, a key with narrower scopes, a key whose creator was demoted and a key whose creator was removed.
// Each cell's expectation comes ONLY from the contracts tables (OPERATIONS, ROLE_PERMISSIONS); the fixtures make
// allowed calls succeed, so an allowed cell must answer without any error, and a denied cell must be refused by the
// guard (UNAUTHENTICATED, or FORBIDDEN with the guard's message) and change nothing.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ALL_PERMISSIONS,
  ALL_ROLES,
  OPERATIONS,
  Permission,
  ROLE_PERMISSIONS,
  type OperationName,
  type Role,
} from '@arca/contracts';
import { TestApp, errorCode, type Principal, type TestTenant } from './support/harness.js';
import {
  buildWorld,
  execute,
  fixtureProblems,
  prepareCall,
  send,
  snapshotDiff,
  snapshotTenant,
  type Caller,
  type World,
} from './support/operation-fixtures.js';

const OPS = Object.keys(OPERATIONS) as OperationName[];
const SESSION_ONLY_MESSAGE = 'this operation requires an interactive session, not an API key';

type Outcome = 'allowed' | 'unauthenticated' | 'session-only' | 'missing-permission';

/** A column of the matrix: who calls, and what the contracts say they may do. */
interface Column {
  label: string;
  /** Column heading of the printed summary. */
  short: string;
  kind: Caller['kind'];
  /** Effective permissions (role ∩ key scopes); null for callers the server cannot authenticate. */
  permissions: ReadonlySet<Permission> | null;
  /** Resolves the caller once the tenant exists. */
  caller: (s: Setup) => Caller;
}

interface Setup {
  tenant: TestTenant;
  narrowKey: string;
  demoted: Principal & { key: string };
  removed: Principal & { key: string };
}

const intersect = (role: Role, scopes: readonly Permission[]): ReadonlySet<Permission> =>
  new Set(ROLE_PERMISSIONS[role].filter((p) => scopes.includes(p)));

/** The contracts' answer for one cell. */
function expected(op: OperationName, col: Column): Outcome {
  const rule = OPERATIONS[op] as { access: string; sessionOnly?: boolean };
  if (rule.access === 'public') return 'allowed';
  if (!col.permissions) return 'unauthenticated';
  if (rule.sessionOnly && col.kind !== 'session') return 'session-only';
  if (rule.access === 'authenticated') return 'allowed';
  return col.permissions.has(rule.access as Permission) ? 'allowed' : 'missing-permission';
}

const COLUMNS: Column[] = [
  ...ALL_ROLES.flatMap((role): Column[] =>
    (['session', 'apiKey'] as const).map((kind) => ({
      label: `${role} ${kind === 'session' ? 'session' : 'key'}`,
      short: `${role.slice(0, 5)}:${kind === 'session' ? 's' : 'k'}`,
      kind,
      permissions: new Set(ROLE_PERMISSIONS[role]),
      caller: (s) => ({ label: role, kind, principal: s.tenant.members[role], tenantSlug: s.tenant.slug }),
    })),
  ),
  {
    label: 'anonymous',
    short: 'anon',
    kind: 'anonymous',
    permissions: null,
    caller: () => ({ label: 'anonymous', kind: 'anonymous' }),
  },
  {
    label: 'admin key [models:read]',
    short: 'narrow:k',
    kind: 'apiKey',
    permissions: intersect('admin', [Permission.ModelsRead]),
    caller: (s) => ({
      label: 'narrow',
      kind: 'apiKey',
      principal: s.tenant.members.admin,
      tenantSlug: s.tenant.slug,
      token: s.narrowKey,
    }),
  },
  {
    label: 'admin key, creator now viewer',
    short: 'demoted:k',
    kind: 'apiKey',
    permissions: intersect('viewer', ROLE_PERMISSIONS.admin),
    caller: (s) => ({
      label: 'demoted',
      kind: 'apiKey',
      principal: s.demoted,
      tenantSlug: s.tenant.slug,
      token: s.demoted.key,
    }),
  },
  {
    label: 'key of a removed member',
    short: 'removed:k',
    kind: 'apiKey',
    permissions: null,
    // No principal: the person behind the key can no longer sign in to this tenant either.
    caller: (s) => ({ label: 'removed', kind: 'apiKey', token: s.removed.key }),
  },
];

const SYMBOL: Record<Outcome, string> = {
  allowed: 'ok',
  unauthenticated: '401',
  'session-only': 'S',
  'missing-permission': '-',
};

describe('authorization matrix', () => {
  let t: TestApp;
  let db: pg.Client;
  let setup: Setup;
  let world: World;
  const observed = new Map<string, Record<string, string>>();

  beforeAll(async () => {
    t = await TestApp.start();
    db = new pg.Client({ connectionString: inject('databaseAdminUrl') });
    await db.connect();
    const tenant = await t.tenant();
    world = await buildWorld(t, tenant);
    const owner = tenant.owner.apiKey;

    const narrowKey = await t.createApiKey(tenant.members.admin.session, [Permission.ModelsRead]);

    const demotedAdmin = await t.addMember(tenant.owner, 'admin');
    const demoted = { ...demotedAdmin, key: demotedAdmin.apiKey };
    await t.ok(
      'mutation($i: UpdateMemberRoleInput!) { updateMemberRole(input: $i) { role } }',
      { i: { userId: demoted.userId, role: 'VIEWER' } },
      { token: owner },
    );

    const leaver = await t.addMember(tenant.owner, 'publisher');
    const removed = { ...leaver, key: leaver.apiKey };
    await t.ok('mutation($u: ID!) { removeMember(userId: $u) }', { u: removed.userId }, { token: owner });

    setup = { tenant, narrowKey, demoted, removed };
  });

  afterAll(async () => {
    if (observed.size) {
      console.log(
        'Authorization matrix (ok = allowed, - = missing permission, S = session only, 401 = unauthenticated, ' +
          '!X = unexpected X); columns: role:s = session, role:k = API key, narrow = admin key [models:read], ' +
          'demoted = admin key whose creator is now viewer, removed = key of a removed member',
      );
      console.table(Object.fromEntries(OPS.map((op) => [op, observed.get(op) ?? {}])));
    }
    await db?.end();
    await t?.close();
  });

  it('has a fixture for every operation (add one in test/support/operation-fixtures.ts)', () => {
    expect(fixtureProblems()).toEqual([]);
  });

  it('covers every role and every permission of the contracts', () => {
    expect(new Set(COLUMNS.map((c) => c.label)).size).toBe(COLUMNS.length);
    for (const role of ALL_ROLES) {
      expect(COLUMNS.map((c) => c.label)).toEqual(expect.arrayContaining([`${role} session`, `${role} key`]));
    }
    const used = new Set(Object.values(OPERATIONS).map((o) => o.access));
    // A permission no operation requires is fine; an operation requiring an unknown permission is not.
    for (const access of used) {
      expect(['public', 'authenticated', ...ALL_PERMISSIONS]).toContain(access);
    }
  });

  for (const col of COLUMNS) {
    describe(col.label, () => {
      for (const op of OPS) {
        const want = expected(op, col);
        it(`${op} → ${want}`, async () => {
          const caller = col.caller(setup);
          const call = await prepareCall(op, { t, world, caller, fresh: want === 'allowed' });
          const before = want === 'allowed' ? undefined : await snapshotTenant(db, setup.tenant.id);
          const res = await execute(t, call);
          const err = res.body.errors?.[0];
          const row = observed.get(op) ?? {};
          const code = err?.extensions?.code;
          row[col.short] = !err
            ? want === 'allowed'
              ? SYMBOL.allowed
              : '!ok'
            : code === expectedCode(want) && err.message === (expectedMessage(op, want) ?? err.message)
              ? SYMBOL[want]
              : `!${code ?? '?'}`;
          observed.set(op, row);

          expect(res.status, res.raw).toBe(200);
          if (want === 'allowed') {
            // The fixture makes an allowed call succeed: any error means the guard or a rule refused it.
            expect(res.body.errors, `${op} as ${col.label}`).toBeUndefined();
            expect(res.body.data?.[op]).not.toBeUndefined();
            return;
          }
          expect(res.body.data ?? null).toBeNull();
          expect(errorCode(res)).toBe(expectedCode(want));
          const message = expectedMessage(op, want);
          if (message) expect(err?.message).toBe(message);
          const after = await snapshotTenant(db, setup.tenant.id, before!.userIds);
          expect(snapshotDiff(before!, after), 'a refused call changed the tenant').toEqual([]);
        });
      }
    });
  }

  describe('credentials that change after they were issued', () => {
    it("a demoted admin's key carries the viewer's permissions at once", async () => {
      const res = await send(
        t,
        '{ me { role permissions principalKind } }',
        {},
        { token: setup.demoted.key },
      );
      expect(res.body.data).toEqual({
        me: { role: 'VIEWER', principalKind: 'API_KEY', permissions: [...ROLE_PERMISSIONS.viewer].sort() },
      });
    });

    it('a key scoped to models:read reports exactly that', async () => {
      const res = await send(t, '{ me { role permissions } }', {}, { token: setup.narrowKey });
      expect(res.body.data).toEqual({ me: { role: 'ADMIN', permissions: [Permission.ModelsRead] } });
    });

    it('promoting back restores the key (permissions are role ∩ scopes, evaluated per request)', async () => {
      const { tenant } = setup;
      const promote = (role: string) =>
        t.ok(
          'mutation($i: UpdateMemberRoleInput!) { updateMemberRole(input: $i) { role } }',
          { i: { userId: setup.demoted.userId, role } },
          { token: tenant.owner.apiKey },
        );
      await promote('ADMIN');
      try {
        const res = await send(t, '{ me { permissions } }', {}, { token: setup.demoted.key });
        expect((res.body.data as { me: { permissions: string[] } }).me.permissions).toEqual(
          [...ROLE_PERMISSIONS.admin].sort(),
        );
      } finally {
        await promote('VIEWER');
      }
      const after = await send(t, '{ me { permissions } }', {}, { token: setup.demoted.key });
      expect((after.body.data as { me: { permissions: string[] } }).me.permissions).toEqual(
        [...ROLE_PERMISSIONS.viewer].sort(),
      );
    });

    it("a key cannot carry more than its creator's role (scope escalation is refused, nothing written)", async () => {
      const viewer = setup.tenant.members.viewer;
      const before = await snapshotTenant(db, setup.tenant.id);
      const res = await send(
        t,
        'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { secret } }',
        { i: { name: 'escalate', scopes: [Permission.ModelsRead, Permission.ModelsCreate] } },
        { token: viewer.session },
      );
      expect(errorCode(res)).toBe('FORBIDDEN');
      expect(res.body.errors?.[0]?.message).toContain(Permission.ModelsCreate);
      expect(snapshotDiff(before, await snapshotTenant(db, setup.tenant.id, before.userIds))).toEqual([]);
    });
  });
});

/** The guard's own wording, which tells its refusals from a service rule answering FORBIDDEN. */
function expectedMessage(op: OperationName, o: Outcome): string | undefined {
  if (o === 'session-only') return SESSION_ONLY_MESSAGE;
  if (o === 'missing-permission') return `missing permission ${OPERATIONS[op].access}`;
  return undefined;
}

function expectedCode(o: Outcome): string {
  switch (o) {
    case 'unauthenticated':
      return 'UNAUTHENTICATED';
    case 'session-only':
    case 'missing-permission':
      return 'FORBIDDEN';
    case 'allowed':
      return '';
  }
}
