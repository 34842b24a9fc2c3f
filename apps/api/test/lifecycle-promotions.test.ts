// Aliases and promotion requests through the API (libs/api/lifecycle): the role matrix, protected aliases, four
// eyes on promotions, duplicate pending requests under concurrency, superseding, cancellation, listing, audit
// events and webhooks in the same transaction, and cross-tenant ids. READY versions are seeded directly as the
// admin role (test/lifecycle/fixtures.ts): a version becomes ready only once real ONNX bytes validate.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TestApp, errorCode, type GqlResponse, type Principal, type TestTenant } from './support/harness.js';
import { seedAlias, seedPromotion, seedVersion } from './lifecycle/fixtures.js';

const PROMOTION =
  'id modelId alias versionId versionNumber state reason requestedById decidedById decisionNote';
const ALIAS = 'name modelId versionId versionNumber protected updatedById';

interface Promotion {
  id: string;
  alias: string;
  versionId: string;
  versionNumber: number;
  state: string;
  requestedById: string;
  decidedById: string | null;
  decisionNote: string | null;
}
interface Alias {
  name: string;
  versionId: string;
  versionNumber: number;
  protected: boolean;
  updatedById: string;
}

describe('aliases and promotions', () => {
  let t: TestApp;
  let db: pg.Client;
  let A: TestTenant;
  let B: TestTenant;
  let model: { id: string; name: string };
  /** Uploaded by the publisher, the approver and the admin respectively. */
  let byPublisher: { id: string; number: number };
  let byApprover: { id: string; number: number };
  let byAdmin: { id: string; number: number };

  const m = (p: Principal) => p.apiKey;

  const gql = (
    query: string,
    variables: Record<string, unknown>,
    who: Principal | string,
  ): Promise<GqlResponse> => t.gql(query, variables, { token: typeof who === 'string' ? who : who.apiKey });

  const setAlias = (who: Principal | string, alias: string, versionId: string, modelId = model.id) =>
    gql(
      `mutation($m: ID!, $a: String!, $v: ID!) { setAlias(modelId: $m, alias: $a, versionId: $v) { ${ALIAS} } }`,
      { m: modelId, a: alias, v: versionId },
      who,
    );
  const request = (who: Principal | string, alias: string, versionId: string, modelId = model.id) =>
    gql(
      `mutation($i: RequestPromotionInput!) { requestPromotion(input: $i) { ${PROMOTION} } }`,
      { i: { modelId, alias, versionId, reason: 'passes eval' } },
      who,
    );
  const decide = (
    op: 'approvePromotion' | 'rejectPromotion',
    who: Principal | string,
    id: string,
    note?: string,
  ) =>
    gql(`mutation($id: ID!, $n: String) { ${op}(id: $id, note: $n) { ${PROMOTION} } }`, { id, n: note }, who);
  const cancel = (who: Principal | string, id: string) =>
    gql(`mutation($id: ID!) { cancelPromotion(id: $id) { ${PROMOTION} } }`, { id }, who);
  const aliases = async (who: Principal | string = A.owner, modelId = model.id): Promise<Alias[]> =>
    (
      await t.ok<{ modelAliases: Alias[] }>(
        `query($m: ID!) { modelAliases(modelId: $m) { ${ALIAS} } }`,
        { m: modelId },
        { token: typeof who === 'string' ? who : who.apiKey },
      )
    ).modelAliases;
  const data = <T>(res: GqlResponse, field: string): T => {
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    return (res.body.data as Record<string, T>)[field]!;
  };
  const auditActions = async (
    tenantId: string,
  ): Promise<{ action: string; entry: Record<string, unknown> }[]> => {
    const { rows } = await db.query<{ action: string; entry: string }>(
      `SELECT action, convert_from(entry, 'UTF8') AS entry FROM audit_outbox WHERE tenant_id = $1
       UNION ALL SELECT action, convert_from(entry, 'UTF8') FROM audit_entries WHERE tenant_id = $1`,
      [tenantId],
    );
    return rows.map((r) => ({ action: r.action, entry: JSON.parse(r.entry) as Record<string, unknown> }));
  };

  beforeAll(async () => {
    t = await TestApp.start();
    db = new pg.Client({ connectionString: inject('databaseAdminUrl') });
    await db.connect();
    A = await t.tenant();
    B = await t.tenant({ withMembers: false });
    model = await t.createModel(A.owner.apiKey);
    byPublisher = await seedVersion(A.id, model.id, A.members.publisher.userId);
    byApprover = await seedVersion(A.id, model.id, A.members.approver.userId);
    byAdmin = await seedVersion(A.id, model.id, A.members.admin.userId);
    await t.ok(
      'mutation($i: CreateWebhookInput!) { createWebhook(input: $i) { webhook { id } } }',
      {
        i: {
          url: 'http://127.0.0.1:9/lifecycle',
          events: ['alias.updated', 'promotion.requested', 'promotion.approved', 'promotion.rejected'],
        },
      },
      { token: A.owner.apiKey },
    );
  });

  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  it('lets publishers, admins and owners set unprotected aliases, and nobody else', async () => {
    const a = data<Alias>(await setAlias(A.members.publisher, 'staging', byPublisher.id), 'setAlias');
    expect(a).toMatchObject({ name: 'staging', versionId: byPublisher.id, protected: false });
    expect(a.updatedById).toBe(A.members.publisher.userId);
    data(await setAlias(A.members.admin, 'staging', byApprover.id), 'setAlias');
    data(await setAlias(A.owner, 'canary', byAdmin.id), 'setAlias');
    // with a session too
    data(
      await t.gql(
        'mutation($m: ID!, $v: ID!) { setAlias(modelId: $m, alias: "qa", versionId: $v) { name } }',
        { m: model.id, v: byAdmin.id },
        { token: A.members.publisher.session },
      ),
      'setAlias',
    );
    for (const role of ['approver', 'consumer', 'viewer', 'auditor'] as const) {
      const res = await setAlias(A.members[role], 'staging', byPublisher.id);
      expect(errorCode(res), role).toBe('FORBIDDEN');
    }
    const list = await aliases(A.members.viewer);
    expect(list.map((x) => [x.name, x.versionNumber])).toEqual([
      ['canary', byAdmin.number],
      ['qa', byAdmin.number],
      ['staging', byApprover.number],
    ]);
  });

  it('refuses alias names that read as version references, and bad names', async () => {
    for (const name of ['latest', '7', 'v7', 'V7', 'Prod', '-x', 'a b', 'x'.repeat(65)]) {
      const res = await setAlias(A.owner, name, byPublisher.id);
      expect(errorCode(res), name).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.extensions?.['details']).toMatchObject({ field: 'alias' });
    }
  });

  it('refuses to move a protected alias directly, even for the owner: request a promotion', async () => {
    const res = await setAlias(A.owner, 'production', byPublisher.id);
    expect(errorCode(res)).toBe('FAILED_PRECONDITION');
    expect(res.body.errors?.[0]?.message).toMatch(/protected alias.*request a promotion/);
    expect((await aliases()).find((x) => x.name === 'production')).toBeUndefined();
  });

  it('points aliases only at ready, non-archived versions of the same model', async () => {
    const validating = await seedVersion(A.id, model.id, A.owner.userId, { state: 'validating' });
    const failed = await seedVersion(A.id, model.id, A.owner.userId, { state: 'failed' });
    const archived = await seedVersion(A.id, model.id, A.owner.userId, { archived: true });
    for (const v of [validating, failed, archived]) {
      expect(errorCode(await setAlias(A.owner, 'staging', v.id))).toBe('FAILED_PRECONDITION');
      expect(errorCode(await request(A.owner, 'production', v.id))).toBe('FAILED_PRECONDITION');
    }
    const other = await t.createModel(A.owner.apiKey);
    const foreign = await seedVersion(A.id, other.id, A.owner.userId);
    const res = await setAlias(A.owner, 'staging', foreign.id);
    expect(errorCode(res)).toBe('NOT_FOUND');
    expect(res.body.errors?.[0]?.message).toBe('model version not found');
  });

  it('refuses a duplicate pending request, also under concurrency', async () => {
    const first = data<Promotion>(
      await request(A.members.publisher, 'production', byPublisher.id),
      'requestPromotion',
    );
    expect(first).toMatchObject({ state: 'PENDING', alias: 'production', versionNumber: byPublisher.number });
    expect(first.requestedById).toBe(A.members.publisher.userId);
    expect(errorCode(await request(A.members.admin, 'production', byPublisher.id))).toBe('CONFLICT');

    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        request(i % 2 ? A.members.admin : A.members.publisher, 'production', byAdmin.id),
      ),
    );
    const codes = results.map((r) => errorCode(r) ?? 'ok').sort();
    expect(codes).toEqual(['CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT', 'CONFLICT', 'ok']);
    const { rows } = await db.query(
      `SELECT 1 FROM promotion_requests WHERE tenant_id = $1 AND version_id = $2 AND alias = 'production' AND state = 'pending'`,
      [A.id, byAdmin.id],
    );
    expect(rows).toHaveLength(1);
    // Clean up: the requester withdraws both.
    for (const r of [
      first,
      ...results.filter((x) => !errorCode(x)).map((x) => data<Promotion>(x, 'requestPromotion')),
    ]) {
      data(
        await cancel(
          r.requestedById === A.members.admin.userId ? A.members.admin : A.members.publisher,
          r.id,
        ),
        'cancelPromotion',
      );
    }
  });

  it('lets only approvers, admins and owners decide, and never the uploader or the requester', async () => {
    const p = data<Promotion>(
      await request(A.members.publisher, 'production', byApprover.id),
      'requestPromotion',
    );
    for (const role of ['publisher', 'consumer', 'viewer', 'auditor'] as const) {
      expect(errorCode(await decide('approvePromotion', A.members[role], p.id)), role).toBe('FORBIDDEN');
      expect(errorCode(await decide('rejectPromotion', A.members[role], p.id)), role).toBe('FORBIDDEN');
    }
    // The approver uploaded this version: four eyes.
    const own = await decide('approvePromotion', A.members.approver, p.id);
    expect(errorCode(own)).toBe('FORBIDDEN');
    expect(own.body.errors?.[0]?.message).toMatch(/you uploaded this version/);

    const approved = data<Promotion>(
      await decide('approvePromotion', A.members.admin, p.id, 'ship it'),
      'approvePromotion',
    );
    expect(approved).toMatchObject({
      state: 'APPROVED',
      decisionNote: 'ship it',
      decidedById: A.members.admin.userId,
    });
    const prod = (await aliases()).find((x) => x.name === 'production')!;
    expect(prod).toMatchObject({
      versionId: byApprover.id,
      protected: true,
      updatedById: A.members.admin.userId,
    });
    // Decided requests stay decided.
    expect(errorCode(await decide('approvePromotion', A.owner, p.id))).toBe('FAILED_PRECONDITION');
    expect(errorCode(await decide('rejectPromotion', A.owner, p.id))).toBe('FAILED_PRECONDITION');

    // An admin who uploaded the version cannot approve it either; the owner can.
    const q = data<Promotion>(
      await request(A.members.publisher, 'production', byAdmin.id),
      'requestPromotion',
    );
    expect(errorCode(await decide('approvePromotion', A.members.admin, q.id))).toBe('FORBIDDEN');
    data(await decide('approvePromotion', A.owner, q.id), 'approvePromotion');

    // The requester cannot approve their own request, whatever their role.
    const r = data<Promotion>(
      await request(A.members.admin, 'production', byPublisher.id),
      'requestPromotion',
    );
    const self = await decide('approvePromotion', A.members.admin, r.id);
    expect(errorCode(self)).toBe('FORBIDDEN');
    expect(self.body.errors?.[0]?.message).toMatch(/you requested this promotion/);
    data(await decide('approvePromotion', A.members.approver, r.id), 'approvePromotion');
    expect((await aliases()).find((x) => x.name === 'production')?.versionId).toBe(byPublisher.id);
  });

  it('supersedes the other pending requests for an alias when one is approved', async () => {
    const target = await seedVersion(A.id, model.id, A.members.publisher.userId);
    const x = data<Promotion>(
      await request(A.members.publisher, 'production', target.id),
      'requestPromotion',
    );
    const y = data<Promotion>(
      await request(A.members.publisher, 'production', byApprover.id),
      'requestPromotion',
    );
    const z = data<Promotion>(
      await request(A.members.publisher, 'staging-eu', byApprover.id),
      'requestPromotion',
    );
    data(await decide('approvePromotion', A.members.approver, x.id), 'approvePromotion');
    const { rows } = await db.query<{ id: string; state: string; decision_note: string | null }>(
      'SELECT id::text, state, decision_note FROM promotion_requests WHERE id = ANY($1::uuid[])',
      [[y.id, z.id]],
    );
    const byId = Object.fromEntries(rows.map((r) => [r.id, r]));
    expect(byId[y.id]).toMatchObject({
      state: 'cancelled',
      decision_note: `superseded by promotion ${x.id}`,
    });
    expect(byId[z.id]?.state).toBe('pending');
    // Promotions also work for unprotected aliases (an optional review).
    data(await decide('approvePromotion', A.members.admin, z.id), 'approvePromotion');
    expect((await aliases()).find((a) => a.name === 'staging-eu')).toMatchObject({ protected: false });
  });

  it('lets the requester (or an admin) cancel, and any approver reject', async () => {
    const other = await t.addMember(A.owner, 'publisher');
    const p = data<Promotion>(
      await request(A.members.publisher, 'production', byAdmin.id),
      'requestPromotion',
    );
    const res = await cancel(other, p.id);
    expect(errorCode(res)).toBe('FORBIDDEN');
    expect(errorCode(await cancel(A.members.approver, p.id))).toBe('FORBIDDEN'); // approvers reject instead
    expect(data<Promotion>(await cancel(A.members.publisher, p.id), 'cancelPromotion').state).toBe(
      'CANCELLED',
    );
    expect(errorCode(await cancel(A.members.publisher, p.id))).toBe('FAILED_PRECONDITION');

    const q = data<Promotion>(await request(other, 'production', byAdmin.id), 'requestPromotion');
    expect(data<Promotion>(await cancel(A.members.admin, q.id), 'cancelPromotion').state).toBe('CANCELLED');

    const r = data<Promotion>(
      await request(A.members.publisher, 'production', byAdmin.id),
      'requestPromotion',
    );
    const rejected = data<Promotion>(
      await decide('rejectPromotion', A.members.approver, r.id, 'flaky eval'),
      'rejectPromotion',
    );
    expect(rejected).toMatchObject({
      state: 'REJECTED',
      decisionNote: 'flaky eval',
      decidedById: A.members.approver.userId,
    });
    const long = await decide('rejectPromotion', A.members.approver, r.id, 'n'.repeat(1001));
    expect(errorCode(long)).toBe('BAD_USER_INPUT');
  });

  it('lists requests newest first with a keyset cursor, filtered by model and state', async () => {
    type Conn = {
      edges: { cursor: string; node: Promotion }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
    const list = async (vars: Record<string, unknown>, who: Principal = A.members.viewer): Promise<Conn> =>
      (
        await t.ok<{ promotionRequests: Conn }>(
          `query($m: ID, $s: PromotionState, $f: Int, $a: String) {
             promotionRequests(modelId: $m, state: $s, first: $f, after: $a) { edges { cursor node { ${PROMOTION} } } pageInfo { hasNextPage endCursor } }
           }`,
          vars,
          { token: m(who) },
        )
      ).promotionRequests;
    const all = await list({ m: model.id, f: 100 });
    const { rows } = await db.query<{ id: string }>(
      'SELECT id::text FROM promotion_requests WHERE model_id = $1 ORDER BY created_at DESC, id',
      [model.id],
    );
    expect(all.edges.map((e) => e.node.id)).toEqual(rows.map((r) => r.id));
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page: Conn = await list({ m: model.id, f: 2, a: after });
      seen.push(...page.edges.map((e) => e.node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(rows.map((r) => r.id));
    const rejected = await list({ s: 'REJECTED', f: 100 });
    expect(rejected.edges.length).toBeGreaterThan(0);
    expect(rejected.edges.every((e) => e.node.state === 'REJECTED')).toBe(true);
    const bad = await t.gql(
      '{ promotionRequests(after: "garbage!") { edges { cursor } } }',
      {},
      { token: A.owner.apiKey },
    );
    expect(errorCode(bad)).toBe('BAD_USER_INPUT');
  });

  it('hides requests on restricted models from those who cannot see them', async () => {
    const secret = await t.createModel(A.owner.apiKey, { visibility: 'RESTRICTED' });
    const v = await seedVersion(A.id, secret.id, A.members.publisher.userId);
    const p = data<Promotion>(await request(A.owner, 'production', v.id, secret.id), 'requestPromotion');
    const ids = async (who: Principal) =>
      (
        await t.ok<{ promotionRequests: { edges: { node: { id: string } }[] } }>(
          '{ promotionRequests(first: 100) { edges { node { id } } } }',
          {},
          { token: who.apiKey },
        )
      ).promotionRequests.edges.map((e) => e.node.id);
    expect(await ids(A.members.viewer)).not.toContain(p.id);
    expect(await ids(A.members.admin)).toContain(p.id);
    // The approver cannot see the model: the request does not exist for them.
    const res = await decide('approvePromotion', A.members.approver, p.id);
    expect(errorCode(res)).toBe('NOT_FOUND');
    expect(res.body.errors?.[0]?.message).toBe('promotion request not found');
    expect(errorCode(await request(A.members.publisher, 'staging', v.id, secret.id))).toBe('NOT_FOUND');
  });

  it('deletes unprotected aliases; protected ones only by owners and admins', async () => {
    await seedAlias(A.id, model.id, 'old', byPublisher.id, A.owner.userId);
    const del = (who: Principal, alias: string) =>
      gql(
        'mutation($m: ID!, $a: String!) { deleteAlias(modelId: $m, alias: $a) }',
        { m: model.id, a: alias },
        who,
      );
    expect(errorCode(await del(A.members.viewer, 'old'))).toBe('FORBIDDEN');
    expect(data<boolean>(await del(A.members.publisher, 'old'), 'deleteAlias')).toBe(true);
    expect(errorCode(await del(A.members.publisher, 'old'))).toBe('NOT_FOUND');
    const res = await del(A.members.publisher, 'production');
    expect(errorCode(res)).toBe('FORBIDDEN');
    expect(res.body.errors?.[0]?.message).toMatch(/protected alias/);
    expect(data<boolean>(await del(A.members.admin, 'production'), 'deleteAlias')).toBe(true);
    expect((await aliases()).map((a) => a.name)).not.toContain('production');
  });

  it("answers B's attempts on A's model, versions and requests exactly like unknown ids", async () => {
    const p = await seedPromotion(A.id, model.id, byPublisher.id, 'production', A.members.publisher.userId);
    const ghost = '00000000-0000-4000-8000-000000000000';
    const calls: [string, Record<string, unknown>][] = [
      ['query($m: ID!) { modelAliases(modelId: $m) { name } }', { m: model.id }],
      [
        'mutation($m: ID!, $v: ID!) { setAlias(modelId: $m, alias: "x", versionId: $v) { name } }',
        { m: model.id, v: byPublisher.id },
      ],
      ['mutation($m: ID!) { deleteAlias(modelId: $m, alias: "staging") }', { m: model.id }],
      [
        'mutation($i: RequestPromotionInput!) { requestPromotion(input: $i) { id } }',
        { i: { modelId: model.id, alias: 'x', versionId: byPublisher.id } },
      ],
      ['mutation($id: ID!) { approvePromotion(id: $id) { id } }', { id: p.id }],
      ['mutation($id: ID!) { rejectPromotion(id: $id) { id } }', { id: p.id }],
      ['mutation($id: ID!) { cancelPromotion(id: $id) { id } }', { id: p.id }],
      ['query($m: ID!) { promotionRequests(modelId: $m) { edges { cursor } } }', { m: model.id }],
    ];
    for (const [query, vars] of calls) {
      const real = await t.gql(query, vars, { token: B.owner.apiKey });
      const fake = await t.gql(
        query,
        JSON.parse(JSON.stringify(vars).replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, ghost)) as Record<
          string,
          unknown
        >,
        { token: B.owner.apiKey },
      );
      expect(errorCode(real), query).toBe('NOT_FOUND');
      expect(real.body.errors?.[0]?.message, query).toBe(fake.body.errors?.[0]?.message);
      expect(real.raw).not.toContain(A.id);
    }
    const { rows } = await db.query('SELECT state FROM promotion_requests WHERE id = $1', [p.id]);
    expect(rows[0]).toEqual({ state: 'pending' });
  });

  it('writes audit events and webhooks in the same transaction', async () => {
    const events = await auditActions(A.id);
    const actions = new Set(events.map((e) => e.action));
    for (const a of [
      'alias.set',
      'alias.delete',
      'promotion.request',
      'promotion.approve',
      'promotion.reject',
      'promotion.cancel',
    ]) {
      expect(actions, a).toContain(a);
    }
    // Several approvals happened (the outbox and the log come back in no particular order): find production's.
    const approvals = events.filter((e) => e.action === 'promotion.approve');
    const approve = approvals.find((e) => (e.entry['details'] as { alias?: string }).alias === 'production');
    expect(approve, JSON.stringify(approvals)).toBeDefined();
    expect(approve!.entry).toMatchObject({ outcome: 'success', resource: { type: 'promotion_request' } });
    const { rows } = await db.query<{ event_type: string }>(
      'SELECT DISTINCT event_type FROM webhook_deliveries WHERE tenant_id = $1 ORDER BY event_type',
      [A.id],
    );
    expect(rows.map((r) => r.event_type)).toEqual(
      expect.arrayContaining([
        'alias.updated',
        'promotion.approved',
        'promotion.rejected',
        'promotion.requested',
      ]),
    );
    // A refused call writes neither.
    const before = (await auditActions(A.id)).length;
    expect(errorCode(await setAlias(A.owner, 'production', byPublisher.id))).toBe('FAILED_PRECONDITION');
    const after = (await auditActions(A.id)).filter((e) => e.action !== 'authz.denied').length;
    expect(after).toBeLessThanOrEqual(before);
  });
});
