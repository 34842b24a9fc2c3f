// Tenant isolation through the API (docs: reference/api-security.md §3.4, items 4–6). Tenant B's owner holds every
// permission, with a session and with an API key, and calls every operation with tenant A's ids. Nothing of A may
// come back, nothing of A may change, and a foreign id must answer exactly like an id that does not exist.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { OPERATIONS, type OperationName } from '@arca/contracts';
import { TestApp, errorCode, type GqlResponse, type TestTenant } from './support/harness.js';
import {
  RESOURCE_KINDS,
  buildWorld,
  createModel,
  execute,
  fixtureProblems,
  idArguments,
  leaks,
  prepareCall,
  send,
  snapshotDiff,
  snapshotTenant,
  tenantIdentifiers,
  type Caller,
  type FixtureContext,
  type World,
} from './support/operation-fixtures.js';

const OPS = Object.keys(OPERATIONS) as OperationName[];
const GUARD_SESSION_ONLY = 'this operation requires an interactive session';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Operations whose ID arguments name two or more kinds of resource: also tried with one foreign id at a time. */
const MULTI_KIND_OPS = OPS.filter((op) => new Set(idArguments(op).map((a) => a.kind)).size > 1);

function firstError(res: GqlResponse): { code?: string; message?: string } {
  const e = res.body.errors?.[0];
  return { code: e?.extensions?.code, message: e?.message };
}

describe('tenant isolation (B attacks A)', () => {
  let t: TestApp;
  let db: pg.Client;
  let A: TestTenant;
  let B: TestTenant;
  let worldA: World;
  let worldB: World;

  beforeAll(async () => {
    t = await TestApp.start();
    db = new pg.Client({ connectionString: inject('databaseAdminUrl') });
    await db.connect();
    A = await t.tenant();
    B = await t.tenant({ withMembers: false });
    worldA = await buildWorld(t, A);
    worldB = await buildWorld(t, B);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('has a fixture for every operation (add one in test/support/operation-fixtures.ts)', () => {
    expect(fixtureProblems()).toEqual([]);
  });

  it("control: the leak detector does see A's identifiers in A's own answers", async () => {
    const res = await send(
      t,
      '{ me { tenant { id slug } user { email } } models { edges { node { id name } } } }',
      {},
      {
        token: A.owner.apiKey,
      },
    );
    const found = leaks(res.raw, await tenantIdentifiers(db, A.id));
    expect(found).toEqual(
      expect.arrayContaining([A.id, A.slug, A.owner.email, worldA.model.id, worldA.model.name]),
    );
  });

  /**
   * Operations whose argument is a confirmation of the caller's own tenant (deleteTenant's confirmSlug): A's slug is
   * refused as a mismatch, exactly like any other wrong string, so BAD_USER_INPUT reveals nothing about A.
   */
  const CONFIRMATION_OPS = new Set<OperationName>(['deleteTenant']);

  function attacker(kind: 'session' | 'apiKey'): Caller {
    return { label: `B owner ${kind}`, kind, principal: B.owner, tenantSlug: B.slug };
  }

  /** Calls `op` as B with `world`'s ids; returns every way the answer breaks isolation. */
  async function attack(op: OperationName, caller: Caller, world: World): Promise<string[]> {
    const c: FixtureContext = { t, world, caller, fresh: false };
    const call = await prepareCall(op, c);
    const victimIds = await tenantIdentifiers(db, A.id);
    const before = await snapshotTenant(db, A.id);
    const res = await execute(t, call);
    const after = await snapshotTenant(db, A.id, before.userIds);

    const problems: string[] = [];
    const sent = JSON.stringify(call.variables);
    const named = leaks(sent, victimIds);
    const isPublic = OPERATIONS[op].access === 'public';
    const { code, message } = firstError(res);
    if (res.status !== 200) problems.push(`HTTP ${res.status}: ${res.raw.slice(0, 200)}`);
    if (res.body.errors?.length) {
      const guardRefusal = code === 'FORBIDDEN' && message?.startsWith(GUARD_SESSION_ONLY);
      const ok =
        code === 'NOT_FOUND' ||
        (code === 'BAD_USER_INPUT' && CONFIRMATION_OPS.has(op)) ||
        guardRefusal ||
        (code === 'FORBIDDEN' && named.length === 0) ||
        (code === 'UNAUTHENTICATED' && isPublic);
      if (!ok) problems.push(`unexpected error ${code}: ${message}`);
      // Echoing back what the caller itself sent is not a leak; anything else of A is.
      const leaked = leaks(res.raw, victimIds).filter((v) => !named.includes(v));
      if (leaked.length) problems.push(`error leaks A's ${leaked.join(', ')}`);
    } else {
      const leaked = leaks(res.raw, victimIds);
      if (leaked.length) problems.push(`success leaks A's ${leaked.join(', ')}`);
    }
    const changed = snapshotDiff(before, after);
    if (changed.length) problems.push(`A's rows changed in ${changed.join(', ')}`);

    // No existence oracle: A's ids must be answered exactly like ids that exist nowhere.
    const uuids = named.filter((v) => UUID.test(v));
    if (uuids.length) {
      let ghost = sent;
      for (const id of uuids) ghost = ghost.split(id).join(randomUUID());
      const ghostRes = await send(t, call.query, JSON.parse(ghost) as Record<string, unknown>, {
        token: call.token,
      });
      const g = firstError(ghostRes);
      if (g.code !== code || g.message !== message) {
        problems.push(`A's ids answer ${code} "${message}" but unknown ids answer ${g.code} "${g.message}"`);
      }
    }
    return problems;
  }

  for (const kind of ['session', 'apiKey'] as const) {
    describe(`as B's owner with ${kind === 'session' ? 'a session' : 'an API key'}`, () => {
      for (const op of OPS) {
        it(`${op} with A's ids`, async () => {
          expect(await attack(op, attacker(kind), worldA)).toEqual([]);
        });
      }
      for (const op of MULTI_KIND_OPS) {
        const kinds = [...new Set(idArguments(op).map((a) => a.kind))];
        for (const k of kinds) {
          it(`${op} with B's ids except A's ${k}`, async () => {
            expect(RESOURCE_KINDS).toContain(k);
            expect(await attack(op, attacker(kind), { ...worldB, [k]: worldA[k] })).toEqual([]);
          });
        }
      }
    });
  }

  it('never bleeds one tenant into another under 200 concurrent requests', async () => {
    for (let i = 0; i < 3; i++) {
      await createModel(t, A.owner.apiKey);
      await createModel(t, B.owner.apiKey);
    }
    const own = async (tenant: TestTenant) => {
      const { rows } = await db.query<{ id: string }>(
        `SELECT id::text FROM models WHERE tenant_id = $1
         UNION SELECT user_id::text FROM memberships WHERE tenant_id = $1
         UNION SELECT id::text FROM api_keys WHERE tenant_id = $1
         UNION SELECT $1::text`,
        [tenant.id],
      );
      return new Set(rows.map((r) => r.id));
    };
    const ownIds = { [A.id]: await own(A), [B.id]: await own(B) };
    const foreignIds = {
      [A.id]: await tenantIdentifiers(db, B.id),
      [B.id]: await tenantIdentifiers(db, A.id),
    };
    const aTokens = [A.owner.apiKey, A.owner.session, A.members.viewer.apiKey, A.members.admin.session];
    const bTokens = [B.owner.apiKey, B.owner.session];
    const query =
      '{ me { tenant { id slug } user { id email } apiKey { id } } models(first: 100, includeArchived: true) { edges { node { id name } } } }';
    const plan = Array.from({ length: 200 }, (_, i) => {
      const tenant = i % 2 === 0 ? A : B;
      const tokens = i % 2 === 0 ? aTokens : bTokens;
      return { tenant, token: tokens[Math.floor(i / 2) % tokens.length]! };
    });
    type Data = {
      me: { tenant: { id: string }; user: { id: string }; apiKey: { id: string } | null };
      models: { edges: { node: { id: string } }[] };
    };
    let leaked = 0;
    let overloaded = 0;
    const unexpected: Record<string, number> = {};
    const served: Record<string, number> = { [A.id]: 0, [B.id]: 0 };
    // Transactions queue for a slot (Db's transaction gate); a request that waits too long answers the retryable
    // SERVICE_UNAVAILABLE with no data. Such answers are checked for leaks like every answer and then sent again,
    // concurrently, until all 200 requests have been answered. Anything else is unexpected.
    let pending = plan;
    for (let round = 0; round < 10 && pending.length; round++) {
      const results = await Promise.all(
        pending.map((p) => send(t, query, {}, { token: p.token }).then((res) => ({ ...p, res }))),
      );
      pending = [];
      for (const { tenant, token, res } of results) {
        if (leaks(res.raw, foreignIds[tenant.id]!).length) leaked++;
        const data = res.body.data as Data | null | undefined;
        const e = res.body.errors?.[0];
        if (e || !data) {
          if (e?.extensions?.code === 'SERVICE_UNAVAILABLE' && !data) {
            overloaded++;
            pending.push({ tenant, token });
          } else {
            const why = `HTTP ${res.status} ${e?.extensions?.code ?? ''} ${e?.message ?? res.raw.slice(0, 80)}`;
            unexpected[why] = (unexpected[why] ?? 0) + 1;
          }
          continue;
        }
        const ids = [
          data.me.tenant.id,
          data.me.user.id,
          ...(data.me.apiKey ? [data.me.apiKey.id] : []),
          ...data.models.edges.map((edge) => edge.node.id),
        ];
        if (ids.some((id) => !ownIds[tenant.id]!.has(id))) leaked++;
        served[tenant.id]!++;
      }
    }
    if (overloaded) {
      console.warn(
        `pool bleed: ${overloaded} answers were SERVICE_UNAVAILABLE (transaction queue timed out); resent`,
      );
    }
    expect({ leaked, unexpected }).toEqual({ leaked: 0, unexpected: {} });
    expect(served).toEqual({ [A.id]: 100, [B.id]: 100 });
  }, 180_000);

  it("acts only as the bearer credential: B's API key plus A's session cookie is B", async () => {
    const victimIds = await tenantIdentifiers(db, A.id);
    const res = await send(
      t,
      '{ me { tenant { id } user { id email } } models { edges { node { id name } } } }',
      {},
      {
        token: B.owner.apiKey,
        headers: { cookie: `__Host-arca_session=${A.owner.session}`, 'sec-fetch-site': 'same-origin' },
      },
    );
    expect(res.body.errors).toBeUndefined();
    expect((res.body.data as { me: { tenant: { id: string } } }).me.tenant.id).toBe(B.id);
    expect(leaks(res.raw, victimIds)).toEqual([]);
  });

  it("never falls back to A's session cookie when the bearer token is bad", async () => {
    const res = await send(
      t,
      '{ me { tenant { id } } }',
      {},
      {
        token: `${B.owner.apiKey.slice(0, -1)}${B.owner.apiKey.endsWith('A') ? 'B' : 'A'}`,
        headers: { cookie: `__Host-arca_session=${A.owner.session}` },
      },
    );
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
    expect(res.raw).not.toContain(A.id);
  });

  it('ignores tenant hints in headers', async () => {
    const victimIds = await tenantIdentifiers(db, A.id);
    const res = await send(
      t,
      '{ me { tenant { id slug } } tenant { id } models { edges { node { id } } } }',
      {},
      {
        token: B.owner.apiKey,
        headers: {
          'x-tenant-id': A.id,
          'x-tenant': A.slug,
          'x-arca-tenant': A.slug,
          'x-forwarded-host': `${A.slug}.arca.example`,
        },
      },
    );
    expect(res.body.errors).toBeUndefined();
    expect((res.body.data as { tenant: { id: string } }).tenant.id).toBe(B.id);
    expect(leaks(res.raw, victimIds)).toEqual([]);
  });

  it("refuses forged or altered copies of A's credentials", async () => {
    const flip = (s: string) => `${s.slice(0, -1)}${s.endsWith('x') ? 'y' : 'x'}`;
    for (const token of [flip(A.owner.session), flip(A.owner.apiKey), `${A.owner.session}x`, A.id]) {
      const res = await send(t, '{ me { tenant { id } } }', {}, { token });
      expect(errorCode(res), token.slice(0, 12)).toBe('UNAUTHENTICATED');
      expect(res.raw).not.toContain(A.slug);
    }
  });

  it("answers a login into A with B's credentials exactly like a wrong password", async () => {
    const intoA = await send(t, 'mutation($i: LoginInput!) { login(input: $i) { token } }', {
      i: { email: B.owner.email, password: B.owner.password, tenantSlug: A.slug },
    });
    const wrong = await send(t, 'mutation($i: LoginInput!) { login(input: $i) { token } }', {
      i: { email: B.owner.email, password: `${B.owner.password}-wrong`, tenantSlug: B.slug },
    });
    expect(firstError(intoA)).toEqual({ code: 'UNAUTHENTICATED', message: firstError(wrong).message });
    expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
    expect(intoA.body.data).toBeNull();
  });

  it("lets B reuse A's model name (per-tenant uniqueness: no CONFLICT side channel) and search finds only B's", async () => {
    const before = await snapshotTenant(db, A.id);
    const dup = await send(
      t,
      'mutation($i: CreateModelInput!) { createModel(input: $i) { id name } }',
      {
        i: { name: worldA.model.name },
      },
      { token: B.owner.apiKey },
    );
    expect(dup.body.errors).toBeUndefined();
    const found = await send(
      t,
      'query($q: String) { models(query: $q, includeArchived: true) { edges { node { id name } } } }',
      { q: worldA.model.name },
      { token: B.owner.apiKey },
    );
    const ids = (found.body.data as { models: { edges: { node: { id: string } }[] } }).models.edges.map(
      (e) => e.node.id,
    );
    expect(ids).toEqual([(dup.body.data as { createModel: { id: string } }).createModel.id]);
    expect(found.raw).not.toContain(worldA.model.id);
    expect(snapshotDiff(before, await snapshotTenant(db, A.id, before.userIds))).toEqual([]);
  });

  it("pages only through B's rows with cursors forged from A's rows", async () => {
    const victimIds = await tenantIdentifiers(db, A.id);
    const model = await db.query<{ created_at: Date; id: string }>(
      'SELECT created_at, id::text FROM models WHERE id = $1',
      [worldA.model.id],
    );
    const member = await db.query<{ created_at: Date; user_id: string }>(
      'SELECT created_at, user_id::text FROM memberships WHERE tenant_id = $1 LIMIT 1',
      [A.id],
    );
    const cursor = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
    const m = model.rows[0]!;
    const u = member.rows[0]!;
    for (const after of [
      cursor([new Date(0).toISOString(), m.id]),
      cursor([m.created_at.toISOString(), m.id]),
    ]) {
      const res = await send(
        t,
        'query($a: String) { models(after: $a, includeArchived: true) { edges { node { id name } } } }',
        { a: after },
        { token: B.owner.apiKey },
      );
      expect(res.body.errors).toBeUndefined();
      expect(leaks(res.raw, victimIds)).toEqual([]);
    }
    const res = await send(
      t,
      'query($a: String) { members(after: $a) { edges { node { user { id email } } } } }',
      { a: cursor([u.created_at.toISOString(), u.user_id]) },
      { token: B.owner.apiKey },
    );
    expect(res.body.errors).toBeUndefined();
    expect(leaks(res.raw, victimIds)).toEqual([]);
  });

  it("lists only B's keys, members and invitations when B asks for everything", async () => {
    const victimIds = await tenantIdentifiers(db, A.id);
    const res = await send(
      t,
      '{ apiKeys(all: true) { id createdById } members(first: 100) { edges { node { user { id email } } } } invitations { id email } }',
      {},
      { token: B.owner.apiKey },
    );
    expect(res.body.errors).toBeUndefined();
    expect(leaks(res.raw, victimIds)).toEqual([]);
  });
});
