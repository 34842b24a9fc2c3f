import { randomBytes, randomUUID } from 'node:crypto';
// apps/api/package.json does not list pg (the app reaches Postgres through @arca/api-db); the test needs it to
// check database state as the superuser. See the report.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ALL_ROLES, type Role } from '@arca/contracts';
import { TestApp, errorCode, type GqlResponse, type Principal, type TestTenant } from './support/harness.js';

// Tenancy through the real API and Postgres: invitations, multi-tenant login, roles and the last-owner rule
// (including two owners demoting each other at once), member removal, member pagination, tenant rename and the
// server-admin provisioning path. DB state is checked as the superuser (RLS does not apply to it).

const INVITE = `mutation($i: InviteMemberInput!) {
  inviteMember(input: $i) { token invitation { id email role expiresAt createdAt acceptedAt revokedAt } } }`;
const ACCEPT = `mutation($i: AcceptInvitationInput!) {
  acceptInvitation(input: $i) { token me { role principalKind tenant { id slug } user { id email displayName } } } }`;
const INVITATIONS = '{ invitations { id email role acceptedAt revokedAt } }';
const REVOKE_INVITATION = 'mutation($id: ID!) { revokeInvitation(id: $id) { id revokedAt acceptedAt } }';
const MEMBERS = `query($first: Int, $after: String) {
  members(first: $first, after: $after) {
    edges { cursor node { role createdAt user { id email } } } pageInfo { hasNextPage endCursor } } }`;
const UPDATE_ROLE = `mutation($i: UpdateMemberRoleInput!) { updateMemberRole(input: $i) { role user { id } } }`;
const REMOVE = 'mutation($id: ID!) { removeMember(userId: $id) }';
const ME = '{ me { role principalKind tenant { slug } user { id } } }';
const LOGIN = `mutation($i: LoginInput!) { login(input: $i) { token me { role tenant { slug } user { id } } } }`;
const TENANT = '{ tenant { id slug name createdAt } }';
const UPDATE_TENANT = 'mutation($i: UpdateTenantInput!) { updateTenant(input: $i) { id slug name } }';

type Invited = {
  inviteMember: {
    token: string;
    invitation: {
      id: string;
      email: string;
      role: string;
      expiresAt: string;
      createdAt: string;
      acceptedAt: string | null;
      revokedAt: string | null;
    };
  };
};
type Accepted = {
  acceptInvitation: {
    token: string;
    me: {
      role: string;
      principalKind: string;
      tenant: { id: string; slug: string };
      user: { id: string; email: string; displayName: string };
    };
  };
};
type MemberPage = {
  members: {
    edges: {
      cursor: string;
      node: { role: string; createdAt: string; user: { id: string; email: string } };
    }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
};

const email = (label: string): string => `${label}-${randomBytes(5).toString('hex')}@tenancy.test`;
const password = (): string => `pw-${randomBytes(12).toString('hex')}`;
const upper = (r: Role): string => r.toUpperCase();

describe('tenancy', () => {
  let t: TestApp;
  let db: pg.Client;
  /** Owner + one member per role; only read, renamed and sent invitations (no member is added or changed). */
  let full: TestTenant;
  /** A tenant with just its owner, used as "another tenant". */
  let bystander: TestTenant;
  /** Tenants owned by one describe block each (created up front, in parallel, to keep the file fast). */
  let own: TestTenant[];

  beforeAll(async () => {
    t = await TestApp.start();
    db = new pg.Client({ connectionString: inject('databaseAdminUrl') });
    await db.connect();
    [full, bystander, ...own] = await Promise.all([
      t.tenant(),
      t.tenant({ withMembers: false }),
      t.tenant(), // roles
      t.tenant({ withMembers: false }), // invitations
      t.tenant({ withMembers: false }), // existing accounts: a
      t.tenant({ withMembers: false }), // existing accounts: b
    ]);
  });
  afterAll(async () => {
    await db?.end();
    await t?.close();
  });

  const invite = async (
    by: Principal | string,
    address: string,
    role: Role,
  ): Promise<Invited['inviteMember']> =>
    (
      await t.ok<Invited>(
        INVITE,
        { i: { email: address, role: upper(role) } },
        { token: typeof by === 'string' ? by : by.session },
      )
    ).inviteMember;

  const accept = (token: string, pw: string, displayName?: string): Promise<GqlResponse<Accepted>> =>
    t.gql<Accepted>(ACCEPT, { i: { token, password: pw, displayName } });

  const membership = async (tenantId: string, userId: string): Promise<string | null> => {
    const { rows } = await db.query<{ role: string }>(
      'SELECT role::text AS role FROM memberships WHERE tenant_id = $1 AND user_id = $2',
      [tenantId, userId],
    );
    return rows[0]?.role ?? null;
  };

  const owners = async (tenantId: string): Promise<string[]> => {
    const { rows } = await db.query<{ user_id: string }>(
      "SELECT user_id FROM memberships WHERE tenant_id = $1 AND role = 'owner' ORDER BY user_id",
      [tenantId],
    );
    return rows.map((r) => r.user_id);
  };

  const allMembers = async (token: string, first: number): Promise<MemberPage['members']['edges']> => {
    const edges: MemberPage['members']['edges'] = [];
    let after: string | null = null;
    for (let i = 0; i < 20; i++) {
      const page: MemberPage = await t.ok<MemberPage>(MEMBERS, { first, after }, { token });
      edges.push(...page.members.edges);
      if (!page.members.pageInfo.hasNextPage) return edges;
      after = page.members.pageInfo.endCursor;
    }
    throw new Error('pagination did not terminate after 20 pages');
  };

  describe('invitations', () => {
    let a: TestTenant;
    beforeAll(() => {
      a = own[1]!;
    });

    it('invite → accept → listed with the role; the token works once and is never stored in clear', async () => {
      const address = email('new');
      const inv = await invite(a.owner, address, 'publisher');
      expect(inv.token).toMatch(/^arci_[A-Za-z0-9_-]{43}$/);
      expect(inv.invitation).toMatchObject({
        email: address,
        role: 'PUBLISHER',
        acceptedAt: null,
        revokedAt: null,
      });
      const validFor = Date.parse(inv.invitation.expiresAt) - Date.parse(inv.invitation.createdAt);
      expect(Math.abs(validFor - 7 * 86_400_000)).toBeLessThan(60_000);
      const listed = await t.ok<{ invitations: { id: string; email: string }[] }>(
        INVITATIONS,
        {},
        { token: a.owner.session },
      );
      expect(listed.invitations.map((i) => i.id)).toContain(inv.invitation.id);

      const { rows: stored } = await db.query<{ row: string }>(
        'SELECT row_to_json(i)::text AS row FROM invitations i WHERE id = $1',
        [inv.invitation.id],
      );
      expect(stored[0]!.row).not.toContain(inv.token.slice(5));

      const pw = password();
      const res = await accept(inv.token, pw, 'New Person');
      expect(res.body.errors).toBeUndefined();
      const acc = res.body.data!.acceptInvitation;
      expect(acc.me).toMatchObject({
        role: 'PUBLISHER',
        principalKind: 'SESSION',
        tenant: { id: a.id, slug: a.slug },
        user: { email: address, displayName: 'New Person' },
      });
      const me = await t.ok<{ me: { role: string; tenant: { slug: string } } }>(ME, {}, { token: acc.token });
      expect(me.me).toMatchObject({ role: 'PUBLISHER', tenant: { slug: a.slug } });

      const members = await allMembers(a.owner.session, 100);
      expect(members.find((e) => e.node.user.id === acc.me.user.id)?.node).toMatchObject({
        role: 'PUBLISHER',
        user: { email: address },
      });
      expect(await membership(a.id, acc.me.user.id)).toBe('publisher');

      // Single use, even with the right password.
      const again = await accept(inv.token, pw);
      expect(errorCode(again)).toBe('UNAUTHENTICATED');
      const { rows } = await db.query(
        'SELECT accepted_at IS NOT NULL AS accepted FROM invitations WHERE id = $1',
        [inv.invitation.id],
      );
      expect(rows[0].accepted).toBe(true);
      // The new account logs in with the password it chose.
      expect(await t.login(address, pw)).toMatch(/^arcs_/);
      // Accepted invitations cannot be revoked.
      expect(
        errorCode(await t.gql(REVOKE_INVITATION, { id: inv.invitation.id }, { token: a.owner.session })),
      ).toBe('CONFLICT');
    });

    it('concurrent accepts of one token: exactly one wins', async () => {
      const address = email('race');
      const inv = await invite(a.owner, address, 'viewer');
      const results = await Promise.all([
        accept(inv.token, password()),
        accept(inv.token, password()),
        accept(inv.token, password()),
      ]);
      expect(results.filter((r) => !r.body.errors)).toHaveLength(1);
      for (const r of results.filter((r) => r.body.errors)) expect(errorCode(r)).toBe('UNAUTHENTICATED');
      const { rows } = await db.query(
        'SELECT (SELECT count(*)::int FROM users WHERE email = $1) AS users, (SELECT count(*)::int FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1) AS memberships',
        [address],
      );
      expect(rows[0]).toEqual({ users: 1, memberships: 1 });
    });

    it('a revoked invitation is UNAUTHENTICATED and creates nothing', async () => {
      const address = email('revoked');
      const inv = await invite(a.owner, address, 'viewer');
      // Another tenant cannot see or revoke it.
      const other = bystander;
      expect(
        errorCode(await t.gql(REVOKE_INVITATION, { id: inv.invitation.id }, { token: other.owner.session })),
      ).toBe('NOT_FOUND');
      const theirs = await t.ok<{ invitations: { id: string }[] }>(
        INVITATIONS,
        {},
        { token: other.owner.session },
      );
      expect(theirs.invitations).toEqual([]);
      const revoked = await t.ok<{ revokeInvitation: { revokedAt: string | null } }>(
        REVOKE_INVITATION,
        { id: inv.invitation.id },
        { token: a.owner.session },
      );
      expect(revoked.revokeInvitation.revokedAt).not.toBeNull();
      const res = await accept(inv.token, password());
      expect(errorCode(res)).toBe('UNAUTHENTICATED');
      const { rows } = await db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [address]);
      expect(rows[0].n).toBe(0);
      expect(
        errorCode(await t.gql(REVOKE_INVITATION, { id: randomUUID() }, { token: a.owner.session })),
      ).toBe('NOT_FOUND');
    });

    it('an expired invitation is UNAUTHENTICATED', async () => {
      const address = email('expired');
      const inv = await invite(a.owner, address, 'viewer');
      await db.query("UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1", [
        inv.invitation.id,
      ]);
      expect(errorCode(await accept(inv.token, password()))).toBe('UNAUTHENTICATED');
      const { rows } = await db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [address]);
      expect(rows[0].n).toBe(0);
    });

    it('malformed and unknown tokens are rejected', async () => {
      expect(errorCode(await accept('arci_nope', password()))).toBe('BAD_USER_INPUT');
      expect(errorCode(await accept(`arci_${randomBytes(32).toString('base64url')}`, password()))).toBe(
        'UNAUTHENTICATED',
      );
      expect(errorCode(await accept(`arcs_${randomBytes(32).toString('base64url')}`, password()))).toBe(
        'BAD_USER_INPUT',
      );
    });

    it('re-inviting an email revokes its pending invitation', async () => {
      const address = email('twice');
      const first = await invite(a.owner, address, 'viewer');
      const second = await invite(a.owner, address, 'consumer');
      const { rows } = await db.query<{ id: string; revoked: boolean }>(
        'SELECT id, revoked_at IS NOT NULL AS revoked FROM invitations WHERE tenant_id = $1 AND email = $2',
        [a.id, address],
      );
      expect(Object.fromEntries(rows.map((r) => [r.id, r.revoked]))).toEqual({
        [first.invitation.id]: true,
        [second.invitation.id]: false,
      });
      expect(errorCode(await accept(first.token, password()))).toBe('UNAUTHENTICATED');
      const ok = await accept(second.token, password());
      expect(ok.body.data?.acceptInvitation.me.role).toBe('CONSUMER');
    });

    it('concurrent invitations for one email leave exactly one pending', async () => {
      // Three bursts of eight simultaneous invitations, each to its own email.
      const bursts = await Promise.all(
        ['burst-a', 'burst-b', 'burst-c'].map(async (label) => {
          const address = email(label);
          const sent = await Promise.all(Array.from({ length: 8 }, () => invite(a.owner, address, 'viewer')));
          return { address, sent };
        }),
      );
      for (const { address } of bursts) {
        const { rows } = await db.query(
          'SELECT id FROM invitations WHERE tenant_id = $1 AND email = $2 AND revoked_at IS NULL AND accepted_at IS NULL',
          [a.id, address],
        );
        expect(rows, address).toHaveLength(1);
      }
      const { address, sent } = bursts[0]!;
      const { rows } = await db.query<{ id: string }>(
        'SELECT id FROM invitations WHERE tenant_id = $1 AND email = $2 AND revoked_at IS NULL',
        [a.id, address],
      );
      const winner = sent.find((i) => i.invitation.id === rows[0]!.id)!;
      for (const other of sent.filter((i) => i !== winner)) {
        expect(errorCode(await accept(other.token, password()))).toBe('UNAUTHENTICATED');
      }
      expect((await accept(winner.token, password())).body.data?.acceptInvitation.me.role).toBe('VIEWER');
    });

    it('a new account needs a policy-compliant password; a rejected accept does not consume the token', async () => {
      const inv = await invite(a.owner, email('short'), 'viewer');
      const res = await accept(inv.token, 'short');
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      expect(res.body.errors?.[0]?.message).toContain('at least 12 characters');
      expect((await accept(inv.token, password())).body.data?.acceptInvitation.me.role).toBe('VIEWER');
    });

    it('only owners invite owners; inviting needs members:manage; bad emails are BAD_USER_INPUT', async () => {
      const b = full;
      const asAdmin = await t.gql(
        INVITE,
        { i: { email: email('o'), role: 'OWNER' } },
        { token: b.members.admin.session },
      );
      expect(errorCode(asAdmin)).toBe('FORBIDDEN');
      expect((await invite(b.members.admin, email('a'), 'admin')).invitation.role).toBe('ADMIN');
      expect((await invite(b.owner, email('o'), 'owner')).invitation.role).toBe('OWNER');
      for (const role of ['publisher', 'approver', 'consumer', 'viewer', 'auditor'] as const) {
        const res = await t.gql(
          INVITE,
          { i: { email: email('x'), role: 'VIEWER' } },
          { token: b.members[role].apiKey },
        );
        expect(errorCode(res)).toBe('FORBIDDEN');
        expect(errorCode(await t.gql(INVITATIONS, {}, { token: b.members[role].session }))).toBe('FORBIDDEN');
      }
      const bad = await t.gql(
        INVITE,
        { i: { email: 'not-an-email', role: 'VIEWER' } },
        { token: b.owner.session },
      );
      expect(errorCode(bad)).toBe('BAD_USER_INPUT');
      expect(bad.body.errors?.[0]?.message).toContain('email must be a valid email address');
      // Emails are normalized, so a differently-cased address is the same person.
      const mixed = await invite(b.owner, '  Mixed.Case@Tenancy.TEST ', 'viewer');
      expect(mixed.invitation.email).toBe('mixed.case@tenancy.test');
    });
  });

  describe('existing accounts and several tenants', () => {
    let a: TestTenant;
    let b: TestTenant;
    let person: Principal;
    beforeAll(async () => {
      [a, b] = [own[2]!, own[3]!];
      person = await t.addMember(a.owner, 'publisher');
    });

    it('an existing account accepts with its own password; a wrong password changes nothing', async () => {
      const inv = await invite(b.owner, person.email, 'viewer');
      const wrong = await accept(inv.token, password(), 'Someone Else');
      expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
      expect(wrong.body.errors?.[0]?.message).toContain('already has an account');
      expect(await membership(b.id, person.userId)).toBeNull();
      const { rows } = await db.query('SELECT accepted_at, revoked_at FROM invitations WHERE id = $1', [
        inv.invitation.id,
      ]);
      expect(rows[0]).toEqual({ accepted_at: null, revoked_at: null });
      const { rows: users } = await db.query('SELECT count(*)::int AS n FROM users WHERE email = $1', [
        person.email,
      ]);
      expect(users[0].n).toBe(1);

      const ok = await accept(inv.token, person.password, 'Ignored Name');
      expect(ok.body.errors).toBeUndefined();
      expect(ok.body.data!.acceptInvitation.me).toMatchObject({
        role: 'VIEWER',
        tenant: { id: b.id },
        user: { id: person.userId, email: person.email },
      });
      expect(ok.body.data!.acceptInvitation.me.user.displayName).not.toBe('Ignored Name');
      expect(await membership(b.id, person.userId)).toBe('viewer');
      expect(await membership(a.id, person.userId)).toBe('publisher');
    });

    it('a member of two tenants must pick one at login and gets a session for that tenant', async () => {
      expect(await membership(b.id, person.userId)).toBe('viewer');
      // A wrong password learns nothing about the tenants.
      const wrong = await t.gql(LOGIN, { i: { email: person.email, password: password() } });
      expect(errorCode(wrong)).toBe('UNAUTHENTICATED');
      expect(wrong.raw).not.toContain(a.slug);
      const res = await t.gql(LOGIN, { i: { email: person.email, password: person.password } });
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      const details = res.body.errors?.[0]?.extensions?.['details'] as { field: string; tenants: string[] };
      expect(details.field).toBe('tenantSlug');
      expect([...details.tenants].sort()).toEqual([a.slug, b.slug].sort());

      for (const [tenant, role] of [
        [b, 'VIEWER'],
        [a, 'PUBLISHER'],
      ] as const) {
        const session = await t.login(person.email, person.password, tenant.slug);
        const me = await t.ok<{ me: { role: string; tenant: { slug: string }; user: { id: string } } }>(
          ME,
          {},
          { token: session },
        );
        expect(me.me).toMatchObject({ role, tenant: { slug: tenant.slug }, user: { id: person.userId } });
      }
      const c = bystander;
      const foreign = await t.gql(LOGIN, {
        i: { email: person.email, password: person.password, tenantSlug: c.slug },
      });
      expect(errorCode(foreign)).toBe('UNAUTHENTICATED');
    });

    it('inviting someone who is already a member is a CONFLICT', async () => {
      const res = await t.gql(
        INVITE,
        { i: { email: person.email, role: 'ADMIN' } },
        { token: b.owner.session },
      );
      expect(errorCode(res)).toBe('CONFLICT');
      expect(await membership(b.id, person.userId)).toBe('viewer');
    });

    it('accepting a second invitation after becoming a member is a CONFLICT and leaves it unused', async () => {
      const address = email('race');
      const first = await invite(a.owner, address, 'viewer');
      const second = await invite(a.owner, address, 'admin');
      const pw = password();
      const joined = await accept(second.token, pw);
      expect(joined.body.data?.acceptInvitation.me.role).toBe('ADMIN');
      // Two pending invitations for one email can coexist when two invites race; simulate that state.
      await db.query('UPDATE invitations SET revoked_at = NULL WHERE id = $1', [first.invitation.id]);
      const res = await accept(first.token, pw);
      expect(errorCode(res)).toBe('CONFLICT');
      const { rows } = await db.query('SELECT accepted_at FROM invitations WHERE id = $1', [
        first.invitation.id,
      ]);
      expect(rows[0].accepted_at).toBeNull();
      expect(await membership(a.id, joined.body.data!.acceptInvitation.me.user.id)).toBe('admin');
    });
  });

  describe('roles', () => {
    let a: TestTenant;
    beforeAll(() => {
      a = own[0]!;
    });

    const setRole = (by: string, userId: string, role: Role): Promise<GqlResponse> =>
      t.gql(UPDATE_ROLE, { i: { userId, role: upper(role) } }, { token: by });

    it('changes a role; the member’s existing session and API key follow immediately', async () => {
      const m = await t.addMember(a.owner, 'viewer');
      expect(
        errorCode(
          await t.gql('mutation { createModel(input: { name: "x" }) { id } }', {}, { token: m.session }),
        ),
      ).toBe('FORBIDDEN');
      const res = await setRole(a.members.admin.session, m.userId, 'publisher');
      expect(res.body.data).toEqual({ updateMemberRole: { role: 'PUBLISHER', user: { id: m.userId } } });
      expect(await membership(a.id, m.userId)).toBe('publisher');
      expect((await t.ok<{ me: { role: string } }>(ME, {}, { token: m.session })).me.role).toBe('PUBLISHER');
      // The key was minted with viewer scopes; the new role does not widen it, but it still resolves.
      expect((await t.ok<{ me: { role: string } }>(ME, {}, { token: m.apiKey })).me.role).toBe('PUBLISHER');
      await t.createModel(m.session);
      // Demoting takes permissions away at once.
      await setRole(a.owner.apiKey, m.userId, 'viewer');
      expect(
        errorCode(
          await t.gql('mutation { createModel(input: { name: "y" }) { id } }', {}, { token: m.session }),
        ),
      ).toBe('FORBIDDEN');
      // Same role again is a no-op.
      expect((await setRole(a.owner.session, m.userId, 'viewer')).body.data).toEqual({
        updateMemberRole: { role: 'VIEWER', user: { id: m.userId } },
      });
    });

    it('only an owner grants or takes the owner role', async () => {
      const m = await t.addMember(a.owner, 'consumer');
      const promote = await setRole(a.members.admin.session, m.userId, 'owner');
      expect(errorCode(promote)).toBe('FORBIDDEN');
      expect(await membership(a.id, m.userId)).toBe('consumer');
      expect(errorCode(await setRole(a.members.admin.apiKey, a.owner.userId, 'admin'))).toBe('FORBIDDEN');
      expect(errorCode(await t.gql(REMOVE, { id: a.owner.userId }, { token: a.members.admin.session }))).toBe(
        'FORBIDDEN',
      );
      expect(await membership(a.id, a.owner.userId)).toBe('owner');

      expect((await setRole(a.owner.session, m.userId, 'owner')).body.data).toMatchObject({
        updateMemberRole: { role: 'OWNER' },
      });
      expect(await owners(a.id)).toEqual([a.owner.userId, m.userId].sort());
      // The new owner can take the role back from the old one, and the old one is then bound by admin rules.
      expect((await setRole(m.session, a.owner.userId, 'admin')).body.data).toMatchObject({
        updateMemberRole: { role: 'ADMIN' },
      });
      expect(errorCode(await setRole(a.owner.session, m.userId, 'admin'))).toBe('FORBIDDEN');
      expect((await setRole(m.session, a.owner.userId, 'owner')).body.errors).toBeUndefined();
      expect((await setRole(a.owner.session, m.userId, 'consumer')).body.errors).toBeUndefined();
      expect(await owners(a.id)).toEqual([a.owner.userId]);
    });

    it('roles without members:manage cannot change roles', async () => {
      for (const role of ['publisher', 'approver', 'consumer', 'viewer', 'auditor'] as const) {
        const res = await setRole(a.members[role].session, a.members.viewer.userId, 'admin');
        expect(errorCode(res)).toBe('FORBIDDEN');
        expect(
          errorCode(await t.gql(REMOVE, { id: a.members.viewer.userId }, { token: a.members[role].apiKey })),
        ).toBe('FORBIDDEN');
      }
      expect(await membership(a.id, a.members.viewer.userId)).toBe('viewer');
    });

    it('the last owner can be neither demoted nor removed', async () => {
      const solo = await t.tenant({ withMembers: false });
      const res = await setRole(solo.owner.session, solo.owner.userId, 'admin');
      expect(errorCode(res)).toBe('FAILED_PRECONDITION');
      const rm = await t.gql(REMOVE, { id: solo.owner.userId }, { token: solo.owner.apiKey });
      expect(errorCode(rm)).toBe('FAILED_PRECONDITION');
      expect(await owners(solo.id)).toEqual([solo.owner.userId]);
      // With a second owner, either may step down.
      const second = await t.addMember(solo.owner, 'owner');
      expect((await setRole(solo.owner.session, solo.owner.userId, 'admin')).body.errors).toBeUndefined();
      expect(await owners(solo.id)).toEqual([second.userId]);
      expect(errorCode(await setRole(second.session, second.userId, 'viewer'))).toBe('FAILED_PRECONDITION');
    });

    it('unknown users, other tenants’ members and malformed ids are rejected', async () => {
      const other = bystander;
      expect(errorCode(await setRole(a.owner.session, randomUUID(), 'viewer'))).toBe('NOT_FOUND');
      expect(errorCode(await setRole(a.owner.session, other.owner.userId, 'viewer'))).toBe('NOT_FOUND');
      expect(errorCode(await t.gql(REMOVE, { id: other.owner.userId }, { token: a.owner.session }))).toBe(
        'NOT_FOUND',
      );
      expect(await membership(other.id, other.owner.userId)).toBe('owner');
      expect(errorCode(await setRole(a.owner.session, 'nope', 'viewer'))).toBe('BAD_USER_INPUT');
      expect(errorCode(await t.gql(REMOVE, { id: 'nope' }, { token: a.owner.session }))).toBe(
        'BAD_USER_INPUT',
      );
    });

    it('two owners demoting (or removing) each other at the same moment never leave zero owners', async () => {
      const rounds = 10;
      const tenants = await Promise.all(
        Array.from({ length: rounds }, async () => {
          const x = await t.tenant({ withMembers: false });
          return { x, second: await t.addMember(x.owner, 'owner') };
        }),
      );
      for (const [i, { x, second }] of tenants.entries()) {
        const first = x.owner;
        const op = (by: Principal, target: Principal): Promise<GqlResponse> =>
          i % 2 === 0
            ? setRole(by.session, target.userId, 'admin')
            : t.gql(REMOVE, { id: target.userId }, { token: by.session });
        const results = await Promise.all([op(first, second), op(second, first)]);
        const left = await owners(x.id);
        expect(left, `round ${i}`).toHaveLength(1);
        expect(results.filter((r) => !r.body.errors).length, `round ${i}`).toBe(1);
        for (const r of results.filter((r) => r.body.errors)) {
          // The loser either saw one owner left under the lock, or had already lost the owner role.
          expect(['FAILED_PRECONDITION', 'FORBIDDEN', 'UNAUTHENTICATED']).toContain(errorCode(r));
        }
      }
    });
  });

  describe('removing a member', () => {
    it('revokes their sessions and API keys at once and deletes their model grants; other tenants are untouched', async () => {
      const [a, b] = await Promise.all([t.tenant({ withMembers: false }), t.tenant({ withMembers: false })]);
      const m = await t.addMember(a.owner, 'publisher');
      // Also a member of b, with a session there.
      const inv = await invite(b.owner, m.email, 'viewer');
      const inB = (await accept(inv.token, m.password)).body.data!.acceptInvitation.token;
      const secondSessionInA = await t.login(m.email, m.password, a.slug);
      const model = await t.createModel(a.owner.session, { visibility: 'RESTRICTED' });
      await t.ok(
        'mutation($i: GrantModelAccessInput!) { grantModelAccess(input: $i) { role } }',
        { i: { modelId: model.id, userId: m.userId, role: 'VIEWER' } },
        { token: a.owner.session },
      );
      for (const token of [m.session, m.apiKey, secondSessionInA]) {
        expect((await t.ok<{ me: { role: string } }>(ME, {}, { token })).me.role).toBe('PUBLISHER');
      }

      expect(
        (await t.ok<{ removeMember: boolean }>(REMOVE, { id: m.userId }, { token: a.owner.session }))
          .removeMember,
      ).toBe(true);
      for (const token of [m.session, m.apiKey, secondSessionInA]) {
        expect(errorCode(await t.gql(ME, {}, { token }))).toBe('UNAUTHENTICATED');
      }
      expect(
        errorCode(await t.gql(LOGIN, { i: { email: m.email, password: m.password, tenantSlug: a.slug } })),
      ).toBe('UNAUTHENTICATED');
      expect((await t.ok<{ me: { role: string } }>(ME, {}, { token: inB })).me.role).toBe('VIEWER');

      expect(await membership(a.id, m.userId)).toBeNull();
      const { rows: live } = await db.query(
        'SELECT count(*)::int AS n FROM sessions WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL',
        [a.id, m.userId],
      );
      expect(live[0].n).toBe(0);
      const { rows: grants } = await db.query(
        'SELECT count(*)::int AS n FROM model_grants WHERE user_id = $1',
        [m.userId],
      );
      expect(grants[0].n).toBe(0);
      const { rows: liveB } = await db.query(
        'SELECT count(*)::int AS n FROM sessions WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL',
        [b.id, m.userId],
      );
      expect(liveB[0].n).toBe(1);

      // Removing twice is NOT_FOUND; they can be invited again, and the old key stays dead.
      expect(errorCode(await t.gql(REMOVE, { id: m.userId }, { token: a.owner.session }))).toBe('NOT_FOUND');
      const back = await invite(a.owner, m.email, 'viewer');
      expect((await accept(back.token, m.password)).body.data?.acceptInvitation.me.role).toBe('VIEWER');
      // Coming back must not resurrect the old session or API key.
      for (const token of [m.session, m.apiKey, secondSessionInA]) {
        expect(errorCode(await t.gql(ME, {}, { token }))).toBe('UNAUTHENTICATED');
      }
      const { rows: keys } = await db.query(
        'SELECT count(*)::int AS n FROM api_keys WHERE tenant_id = $1 AND created_by = $2 AND revoked_at IS NULL',
        [a.id, m.userId],
      );
      expect(keys[0].n).toBe(0);
      const { rows: noGrants } = await db.query(
        'SELECT count(*)::int AS n FROM model_grants WHERE user_id = $1',
        [m.userId],
      );
      expect(noGrants[0].n).toBe(0);
    });
  });

  describe('members list', () => {
    let a: TestTenant;
    beforeAll(() => {
      a = full;
    });

    it('walks every member exactly once with first: 2, oldest first', async () => {
      const edges = await allMembers(a.owner.session, 2);
      const ids = edges.map((e) => e.node.user.id);
      expect(ids).toHaveLength(ALL_ROLES.length);
      expect(new Set(ids).size).toBe(ALL_ROLES.length);
      const { rows } = await db.query<{ user_id: string }>(
        'SELECT user_id FROM memberships WHERE tenant_id = $1 ORDER BY created_at, user_id',
        [a.id],
      );
      expect(ids).toEqual(rows.map((r) => r.user_id));
      expect(ids[0]).toBe(a.owner.userId);
      expect(Object.fromEntries(edges.map((e) => [e.node.user.id, e.node.role]))).toEqual(
        Object.fromEntries(Object.values(a.members).map((p) => [p.userId, upper(p.role)])),
      );
      // The auditor may read members; a viewer may not.
      expect(await allMembers(a.members.auditor.apiKey, 3)).toHaveLength(ALL_ROLES.length);
      expect(errorCode(await t.gql(MEMBERS, {}, { token: a.members.viewer.session }))).toBe('FORBIDDEN');
    });

    it('breaks created_at ties by user id', async () => {
      const c = await t.tenant({ withMembers: false });
      const extra = await Promise.all(Array.from({ length: 4 }, () => t.addMember(c.owner, 'viewer')));
      await db.query(
        "UPDATE memberships SET created_at = '2030-01-01T00:00:00.500Z' WHERE tenant_id = $1 AND role = 'viewer'",
        [c.id],
      );
      const ids = (await allMembers(c.owner.session, 1)).map((e) => e.node.user.id);
      expect(ids).toEqual([c.owner.userId, ...extra.map((p) => p.userId).sort()]);
    });

    // KNOWN BUG (prisma migration, not this feature): memberships.created_at is timestamptz(6) but cursors carry a
    // millisecond JavaScript Date, so a row with a sub-millisecond created_at is returned again on the next page
    // (`created_at > cursor` holds for the cursor row itself). Fix proposed in the report: timestamptz(3).
    it('does not repeat a member whose created_at has sub-millisecond precision', async () => {
      const c = await t.tenant({ withMembers: false });
      const [early, late] = await Promise.all([
        t.addMember(c.owner, 'viewer'),
        t.addMember(c.owner, 'viewer'),
      ]);
      await db.query(
        `UPDATE memberships SET created_at = CASE user_id WHEN $2::uuid THEN '2030-01-01T00:00:00.500250Z'::timestamptz
           ELSE '2030-01-01T00:00:00.900Z'::timestamptz END WHERE tenant_id = $1 AND user_id IN ($2, $3)`,
        [c.id, early.userId, late.userId],
      );
      const ids = (await allMembers(c.owner.session, 1)).map((e) => e.node.user.id);
      expect(ids).toEqual([c.owner.userId, early.userId, late.userId]);
    });

    it('rejects bad page arguments', async () => {
      for (const first of [0, 101]) {
        expect(errorCode(await t.gql(MEMBERS, { first }, { token: a.owner.session }))).toBe('BAD_USER_INPUT');
      }
      expect(errorCode(await t.gql(MEMBERS, { after: '!!' }, { token: a.owner.session }))).toBe(
        'BAD_USER_INPUT',
      );
      const badDate = Buffer.from(JSON.stringify(['not a date', randomUUID()])).toString('base64url');
      const res = await t.gql(MEMBERS, { after: badDate }, { token: a.owner.session });
      expect(errorCode(res)).toBe('BAD_USER_INPUT');
      const badId = Buffer.from(JSON.stringify([new Date().toISOString(), 'not-a-uuid'])).toString(
        'base64url',
      );
      expect(errorCode(await t.gql(MEMBERS, { after: badId }, { token: a.owner.session }))).toBe(
        'BAD_USER_INPUT',
      );
      for (const date of ['-100000-01-01T00:00:00.000Z', '+275760-09-13T00:00:00.000Z']) {
        const outOfRange = Buffer.from(JSON.stringify([date, randomUUID()])).toString('base64url');
        expect(errorCode(await t.gql(MEMBERS, { after: outOfRange }, { token: a.owner.session })), date).toBe(
          'BAD_USER_INPUT',
        );
      }
    });
  });

  describe('tenant', () => {
    it('reads and renames the tenant; the slug never changes', async () => {
      const a = full;
      const before = await t.ok<{ tenant: { id: string; slug: string; name: string } }>(
        TENANT,
        {},
        { token: a.members.viewer.session },
      );
      expect(before.tenant).toMatchObject({ id: a.id, slug: a.slug, name: a.slug });
      const res = await t.ok<{ updateTenant: { id: string; slug: string; name: string } }>(
        UPDATE_TENANT,
        { i: { name: '  Acme Research  ' } },
        { token: a.owner.session },
      );
      expect(res.updateTenant).toEqual({ id: a.id, slug: a.slug, name: 'Acme Research' });
      await t.ok(UPDATE_TENANT, { i: { name: 'Acme R&D' } }, { token: a.members.admin.apiKey });
      expect(
        (await t.ok<{ tenant: { name: string } }>(TENANT, {}, { token: a.members.auditor.session })).tenant
          .name,
      ).toBe('Acme R&D');
      for (const role of ['publisher', 'approver', 'consumer', 'viewer', 'auditor'] as const) {
        expect(
          errorCode(await t.gql(UPDATE_TENANT, { i: { name: 'Pwned' } }, { token: a.members[role].session })),
        ).toBe('FORBIDDEN');
      }
      for (const name of ['', '   ', 'x'.repeat(201)]) {
        expect(errorCode(await t.gql(UPDATE_TENANT, { i: { name } }, { token: a.owner.session }))).toBe(
          'BAD_USER_INPUT',
        );
      }
      const { rows } = await db.query('SELECT name, slug FROM tenants WHERE id = $1', [a.id]);
      expect(rows[0]).toEqual({ name: 'Acme R&D', slug: a.slug });
    });
  });

  describe('provisioning (arca-server create-tenant)', () => {
    const counts = async (address: string): Promise<{ users: number; memberships: number; keys: number }> => {
      const { rows } = await db.query(
        `SELECT (SELECT count(*)::int FROM users WHERE email = $1) AS users,
                (SELECT count(*)::int FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = $1) AS memberships,
                (SELECT count(*)::int FROM api_keys k JOIN users u ON u.id = k.created_by WHERE u.email = $1) AS keys`,
        [address],
      );
      return rows[0];
    };

    it('creates tenant, owner and an owner API key', async () => {
      const slug = `p-${randomBytes(5).toString('hex')}`;
      const address = email('prov');
      const p = await t
        .tenants()
        .provision({ slug, name: 'Provisioned', ownerEmail: `  ${address.toUpperCase()} ` });
      expect(p.tenant).toMatchObject({ slug, name: 'Provisioned' });
      expect(p.ownerPassword).toEqual(expect.any(String));
      const me = await t.ok<{ me: { role: string; tenant: { slug: string }; user: { id: string } } }>(
        ME,
        {},
        {
          token: p.ownerApiKey,
        },
      );
      expect(me.me).toMatchObject({ role: 'OWNER', tenant: { slug }, user: { id: p.ownerUserId } });
      await t.login(address, p.ownerPassword!, slug);
      expect(await counts(address)).toEqual({ users: 1, memberships: 1, keys: 1 });
    });

    it('a taken slug is a CONFLICT and writes nothing', async () => {
      const existing = await t.tenant({ withMembers: false });
      const fresh = email('orphan');
      await expect(t.tenants().provision({ slug: existing.slug, ownerEmail: fresh })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect(await counts(fresh)).toEqual({ users: 0, memberships: 0, keys: 0 });
      // With an existing owner email: no extra membership or key either.
      const before = await counts(existing.owner.email);
      await expect(
        t.tenants().provision({ slug: existing.slug, ownerEmail: existing.owner.email }),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await counts(existing.owner.email)).toEqual(before);
      const { rows } = await db.query('SELECT count(*)::int AS n FROM tenants WHERE slug = $1', [
        existing.slug,
      ]);
      expect(rows[0].n).toBe(1);
    });

    it('an existing email gets a membership in the new tenant and no new password', async () => {
      const existing = await t.tenant({ withMembers: false });
      const slug = `p-${randomBytes(5).toString('hex')}`;
      const p = await t.tenants().provision({ slug, ownerEmail: existing.owner.email });
      expect(p.ownerPassword).toBeNull();
      expect(p.ownerUserId).toBe(existing.owner.userId);
      expect(await membership(p.tenant.id, existing.owner.userId)).toBe('owner');
      expect(await membership(existing.id, existing.owner.userId)).toBe('owner');
      // The old password still works, now for either tenant.
      const session = await t.login(existing.owner.email, existing.owner.password, slug);
      expect(
        (await t.ok<{ me: { tenant: { slug: string } } }>(ME, {}, { token: session })).me.tenant.slug,
      ).toBe(slug);
      expect(
        errorCode(
          await t.gql(LOGIN, { i: { email: existing.owner.email, password: existing.owner.password } }),
        ),
      ).toBe('BAD_USER_INPUT');
    });

    it('rejects bad slugs and emails', async () => {
      await expect(t.tenants().provision({ slug: 'Bad_Slug', ownerEmail: email('x') })).rejects.toMatchObject(
        {
          code: 'BAD_USER_INPUT',
        },
      );
      await expect(
        t.tenants().provision({ slug: `ok-${randomBytes(3).toString('hex')}`, ownerEmail: 'nope' }),
      ).rejects.toMatchObject({
        code: 'BAD_USER_INPUT',
      });
    });
  });
});
