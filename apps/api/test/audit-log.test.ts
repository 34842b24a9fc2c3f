import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { AuditLog, AuditRepository, AuditSequencer } from '@arca/api-audit';
import { ArcaError, type AuditEvent } from '@arca/sdk';
import {
  hexToBytes,
  leafHash,
  merkleRoot,
  openCheckpoint,
  parseVerifierKey,
  utf8Encode,
  verifyConsistency,
  verifyInclusion,
} from '@arca/transparency';
import { TestApp, errorCode, type TestTenant } from './support/harness.js';

// The audit log end to end through the real app: which actions write events (and in which transaction), the
// sequenced tree against a recomputation, signed checkpoints, proofs, append-only guards, alerts.

let t: TestApp;
let admin: pg.Client;
let tenant: TestTenant;

beforeAll(async () => {
  t = await TestApp.start();
  admin = new pg.Client({ connectionString: inject('databaseAdminUrl') });
  await admin.connect();
  tenant = await t.tenant();
});

afterAll(async () => {
  await admin?.end();
  await t?.close();
});

async function events(token: string, filter: Record<string, unknown> = {}): Promise<AuditEvent[]> {
  await t.flushAudit();
  const out: AuditEvent[] = [];
  for await (const page of t.client(token).audit.eventsAll({ filter, newestFirst: false, first: 100 })) {
    out.push(...page.items);
  }
  return out;
}

async function leafHashes(tenantId: string): Promise<Buffer[]> {
  const { rows } = await admin.query<{ leaf_hash: Buffer }>(
    'SELECT leaf_hash FROM audit_entries WHERE tenant_id = $1 ORDER BY seq',
    [tenantId],
  );
  return rows.map((r) => r.leaf_hash);
}

describe('events written by the app', () => {
  it('provisioning, invitations, logins and API keys are in the log, in order, with canonical bytes', async () => {
    const log = await events(tenant.owner.apiKey);
    const actions = log.map((e) => e.action);
    expect(actions.slice(0, 3)).toEqual(['tenant.create', 'member.add', 'api_key.create']);
    expect(actions).toEqual(expect.arrayContaining(['auth.login', 'member.invite', 'member.join']));
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i));
    for (const e of log) {
      const parsed = JSON.parse(e.entry) as { tenant: string; id: string; action: string };
      expect(parsed.tenant).toBe(tenant.id);
      expect(parsed.id).toBe(e.eventId);
      expect(Buffer.from(leafHash(utf8Encode(e.entry))).toString('hex')).toBe(e.leafHash);
    }
  });

  it('personal data (the invitee email) stays out of the hashed entry and can be erased without breaking verification', async () => {
    const invite = (await events(tenant.owner.apiKey, { action: 'member.invite' }))[0]!;
    expect(invite.entry).not.toContain('@member.test');
    const entry = JSON.parse(invite.entry) as { pii: string };
    const { rows } = await admin.query<{ salt: Buffer; data: Buffer }>(
      'SELECT salt, data FROM audit_pii WHERE event_id = $1',
      [invite.eventId],
    );
    const pii = rows[0]!;
    expect(pii.data.toString()).toContain('@member.test');
    const { createHash } = await import('node:crypto');
    expect(createHash('sha256').update(pii.salt).update(pii.data).digest('hex')).toBe(entry.pii);
    // Erasure: the side row goes, the log still verifies.
    await admin.query('DELETE FROM audit_pii WHERE event_id = $1', [invite.eventId]);
    const result = await t
      .client(tenant.owner.apiKey)
      .audit.inclusionProof(invite.seq, (await events(tenant.owner.apiKey)).length);
    verifyInclusion(
      hexToBytes(invite.leafHash),
      invite.seq,
      result.treeSize,
      result.proof.map(hexToBytes),
      hexToBytes(result.rootHash),
    );
  });

  it('model changes, grants and revocations write events with the acting principal', async () => {
    const publisher = tenant.members.publisher;
    const model = await t.createModel(publisher.apiKey);
    await t.ok(
      'mutation($id: ID!) { updateModel(id: $id, input: { description: "d" }) { id } }',
      { id: model.id },
      { token: publisher.apiKey },
    );
    await t.ok(
      'mutation($id: ID!) { archiveModel(id: $id) { id } }',
      { id: model.id },
      { token: tenant.owner.apiKey },
    );
    const log = await events(tenant.owner.apiKey, { resourceType: 'model', resourceId: model.id });
    expect(log.map((e) => [e.action, e.actorId])).toEqual([
      ['model.create', publisher.userId],
      ['model.update', publisher.userId],
      ['model.archive', tenant.owner.userId],
    ]);
    expect(log[0]!.apiKeyId).not.toBeNull();
    expect(log[0]!.ip).toBe(t.clientIp);
  });

  it('every denied authorization is recorded: guard refusals and service-level ones', async () => {
    const viewer = tenant.members.viewer;
    const denied = await t.gql(
      'mutation { createModel(input: { name: "nope" }) { id } }',
      {},
      { token: viewer.apiKey },
    );
    expect(errorCode(denied)).toBe('FORBIDDEN');
    // A service rule: an admin may not grant the owner role.
    const admin2 = tenant.members.admin;
    const rule = await t.gql(
      'mutation($u: ID!) { updateMemberRole(input: { userId: $u, role: OWNER }) { role } }',
      { u: viewer.userId },
      { token: admin2.session },
    );
    expect(errorCode(rule)).toBe('FORBIDDEN');
    const log = await events(tenant.owner.apiKey, { action: 'authz.denied' });
    expect(log.map((e) => [e.actorId, e.resourceId, e.outcome])).toEqual(
      expect.arrayContaining([
        [viewer.userId, 'createModel', 'denied'],
        [admin2.userId, 'updateMemberRole', 'denied'],
      ]),
    );
  });

  it('failed logins of a known account and the use of a revoked key are recorded', async () => {
    const member = tenant.members.consumer;
    const bad = await t.gql('mutation($i: LoginInput!) { login(input: $i) { token } }', {
      i: { email: member.email, password: 'wrong-password-123', tenantSlug: tenant.slug },
    });
    expect(errorCode(bad)).toBe('UNAUTHENTICATED');
    const key = await t.createApiKey(member.session, ['models:read']);
    const { apiKeys } = await t.ok<{ apiKeys: { id: string; revokedAt: string | null }[] }>(
      '{ apiKeys { id revokedAt } }',
      {},
      { token: member.session },
    );
    const keyId = apiKeys.find((k) => !k.revokedAt)!.id;
    await t.ok(
      'mutation($id: ID!) { revokeApiKey(id: $id) { id } }',
      { id: keyId },
      { token: member.session },
    );
    expect(errorCode(await t.gql('{ models { edges { cursor } } }', {}, { token: key }))).toBe(
      'UNAUTHENTICATED',
    );
    const logins = await events(tenant.owner.apiKey, { action: 'auth.login', outcome: 'DENIED' });
    expect(logins.some((e) => e.actorId === member.userId)).toBe(true);
    const uses = await events(tenant.owner.apiKey, { action: 'api_key.use_revoked' });
    expect(uses.map((e) => e.apiKeyId)).toContain(keyId);
    expect(
      (await events(tenant.owner.apiKey, { action: 'api_key.revoke' })).map((e) => e.resourceId),
    ).toContain(keyId);
  });

  it('a key revoked elsewhere while cached here: its next use leaks nothing, fails, and is recorded', async () => {
    const member = tenant.members.consumer;
    const key = await t.createApiKey(member.session, ['models:read']);
    const { apiKeys } = await t.ok<{ apiKeys: { id: string; revokedAt: string | null }[] }>(
      '{ apiKeys { id revokedAt } }',
      {},
      { token: member.session },
    );
    const keyId = apiKeys.find((k) => !k.revokedAt)!.id;
    const MANY = '{ a: models { edges { cursor } } b: models { edges { cursor } } me { role } }';
    expect((await t.gql(MANY, {}, { token: key })).body.data?.['me']).toEqual({ role: 'CONSUMER' });
    // Another replica revokes it: nothing in this process hears of it.
    await admin.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [keyId]);
    const refused = await t.gql(MANY, {}, { token: key });
    expect(errorCode(refused)).toBe('UNAUTHENTICATED');
    expect(refused.body.data ?? null).toBeNull();
    await t.app.get(AuditLog).settled();
    const uses = await events(tenant.owner.apiKey, { action: 'api_key.use_revoked' });
    expect(uses.filter((e) => e.apiKeyId === keyId)).toHaveLength(1); // not again by the server's replay
  });

  it('reads are filtered by actor, action prefix, outcome and time, and paginate without gaps', async () => {
    const all = await events(tenant.owner.apiKey);
    const byPrefix = await events(tenant.owner.apiKey, { action: 'model.' });
    expect(byPrefix.length).toBeGreaterThan(0);
    expect(byPrefix.every((e) => e.action.startsWith('model.'))).toBe(true);
    const until = all[2]!.time;
    const early = await events(tenant.owner.apiKey, { to: new Date(Date.parse(until) + 1).toISOString() });
    expect(early.every((e) => Date.parse(e.time) <= Date.parse(until))).toBe(true);
    const newest = await t.client(tenant.owner.apiKey).audit.events({ first: 2 });
    expect(newest.items[0]!.seq).toBeGreaterThan(newest.items[1]!.seq);
  });

  it('auditors read the log; viewers and models-only keys cannot', async () => {
    expect((await events(tenant.members.auditor.apiKey)).length).toBeGreaterThan(0);
    for (const token of [tenant.members.viewer.session, tenant.members.publisher.apiKey]) {
      await expect(t.client(token).audit.events()).rejects.toMatchObject({ code: 'FORBIDDEN' });
    }
  });
});

describe('tree, checkpoints and proofs', () => {
  it('the sequenced leaves fold to the signed checkpoint root, verifiable with the published log key only', async () => {
    await t.createModel(tenant.owner.apiKey);
    await t.flushAudit();
    const cp = await t.client(tenant.owner.apiKey).audit.latestCheckpoint();
    expect(cp.origin).toBe(`localhost/arca/${tenant.slug}`);
    const opened = openCheckpoint(cp.note, parseVerifierKey(cp.verifierKey), { origin: cp.origin });
    expect(opened.size).toBe(cp.size);
    const leaves = (await leafHashes(tenant.id)).slice(0, cp.size);
    expect(Buffer.from(merkleRoot(leaves)).toString('hex')).toBe(cp.rootHash);
    expect(Buffer.from(opened.rootHash).toString('hex')).toBe(cp.rootHash);
    // One byte changed in the note: it no longer opens.
    const forged = cp.note.replace(`\n${cp.size}\n`, `\n${cp.size + 1}\n`);
    expect(() => openCheckpoint(forged, parseVerifierKey(cp.verifierKey))).toThrow();
  });

  it('every inclusion proof and consistency proof the API serves verifies against recomputed roots', async () => {
    for (let i = 0; i < 5; i++) await t.createModel(tenant.owner.apiKey);
    await t.flushAudit();
    const audit = t.client(tenant.owner.apiKey).audit;
    const leaves = await leafHashes(tenant.id);
    const n = leaves.length;
    for (const size of [1, 2, 3, Math.floor(n / 2), n - 1, n]) {
      const root = merkleRoot(leaves.slice(0, size));
      for (const seq of new Set([0, size - 1, Math.floor(size / 2)])) {
        const p = await audit.inclusionProof(seq, size);
        expect(p.rootHash).toBe(Buffer.from(root).toString('hex'));
        verifyInclusion(leaves[seq]!, seq, size, p.proof.map(hexToBytes), root);
      }
      for (const from of new Set([1, Math.max(1, size - 1), Math.ceil(size / 3)])) {
        if (from > size) continue;
        const c = await audit.consistencyProof(from, size);
        verifyConsistency(from, size, c.proof.map(hexToBytes), merkleRoot(leaves.slice(0, from)), root);
      }
    }
    await expect(audit.inclusionProof(0, n + 1000)).rejects.toMatchObject({ code: 'FAILED_PRECONDITION' });
    await expect(audit.inclusionProof(5, 5)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(audit.consistencyProof(3, 2)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(audit.inclusionProof(1.5, 4)).rejects.toBeInstanceOf(ArcaError);
  });

  it('the JSON Lines export carries the checkpoint and each entry with a proof against it', async () => {
    const lines = [];
    for await (const line of t.client(tenant.owner.apiKey).audit.export()) lines.push(line);
    const [head, ...entries] = lines;
    if (head?.type !== 'checkpoint' || !head.rootHash) throw new Error('no checkpoint line');
    expect(entries).toHaveLength(head.size);
    const root = hexToBytes(head.rootHash);
    for (const e of entries) {
      if (e.type !== 'entry' || !e.proof) throw new Error('entry line without proof');
      verifyInclusion(leafHash(utf8Encode(e.entry)), e.seq, head.size, e.proof.map(hexToBytes), root);
    }
  });

  it('a tenant never sees another tenant’s log', async () => {
    const other = await t.tenant({ withMembers: false });
    const mine = await events(other.owner.apiKey);
    expect(mine.every((e) => JSON.parse(e.entry).tenant === other.id)).toBe(true);
    expect(mine.map((e) => e.seq)).toEqual(mine.map((_, i) => i));
    const cp = await t.client(other.owner.apiKey).audit.latestCheckpoint();
    expect(cp.origin).toBe(`localhost/arca/${other.slug}`);
  });
});

describe('append-only storage', () => {
  it('the app role may not change, delete or truncate the log; even the owner is refused by triggers', async () => {
    const app = new pg.Client({ connectionString: inject('databaseAppUrl') });
    await app.connect();
    try {
      for (const sql of [
        'UPDATE audit_entries SET action = action',
        'DELETE FROM audit_entries',
        'TRUNCATE audit_entries',
        'UPDATE audit_checkpoints SET note = note',
        'DELETE FROM audit_nodes',
      ]) {
        await expect(app.query(sql)).rejects.toMatchObject({ code: '42501' });
      }
    } finally {
      await app.end();
    }
    for (const sql of [
      'UPDATE audit_entries SET action = action WHERE tenant_id = $1',
      'DELETE FROM audit_entries WHERE tenant_id = $1',
      'DELETE FROM audit_checkpoints WHERE tenant_id = $1',
      'UPDATE audit_nodes SET hash = hash WHERE tenant_id = $1',
    ]) {
      await expect(admin.query(sql, [tenant.id]), sql).rejects.toThrow(/append-only/);
    }
    await admin.query('BEGIN');
    await expect(admin.query('TRUNCATE audit_entries')).rejects.toThrow(/append-only/);
    await admin.query('ROLLBACK');
  });

  it('a replayed event (an id already in the log) is dropped by the sequencer and never stalls the log', async () => {
    const first = (await events(tenant.owner.apiKey, { action: 'tenant.create' }))[0]!;
    const app = new pg.Client({ connectionString: inject('databaseAppUrl') });
    await app.connect();
    try {
      await app.query('BEGIN');
      await app.query(`SELECT set_config('app.tenant_id', $1, true)`, [tenant.id]);
      await app.query('INSERT INTO audit_outbox (tenant_id, event_id, entry) VALUES ($1, $2, $3)', [
        tenant.id,
        first.eventId,
        Buffer.from(first.entry),
      ]);
      await app.query('COMMIT');
    } finally {
      await app.end();
    }
    const model = await t.createModel(tenant.owner.apiKey);
    const log = await events(tenant.owner.apiKey);
    expect(log.filter((e) => e.eventId === first.eventId)).toHaveLength(1);
    expect(log.map((e) => e.seq)).toEqual(log.map((_, i) => i));
    expect(log.at(-1)).toMatchObject({ action: 'model.create', resourceId: model.id });
  });

  it('a business change whose audit write fails is rolled back (fault injected at the repository and in the database)', async () => {
    const repo = t.app.get(AuditRepository);
    const name = `fault-${randomBytes(4).toString('hex')}`;
    const spy = vi.spyOn(repo, 'append').mockRejectedValueOnce(new Error('injected audit failure'));
    const res = await t.gql(
      'mutation($i: CreateModelInput!) { createModel(input: $i) { id } }',
      { i: { name } },
      { token: tenant.owner.apiKey },
    );
    expect(errorCode(res)).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(res.body)).not.toContain('injected');
    // The database refuses an entry that is not the event it claims to be (tenant mismatch in the bytes).
    const original = repo.append.bind(repo);
    spy.mockImplementationOnce((tenantId, eventId, entry, pii) =>
      original(
        tenantId,
        eventId,
        utf8Encode(new TextDecoder().decode(entry).replace(tenantId, '00000000-0000-4000-8000-000000000000')),
        pii,
      ),
    );
    const res2 = await t.gql(
      'mutation($i: CreateModelInput!) { createModel(input: $i) { id } }',
      { i: { name } },
      { token: tenant.owner.apiKey },
    );
    expect(errorCode(res2)).toBe('INTERNAL_SERVER_ERROR');
    spy.mockRestore();
    const { rowCount } = await admin.query('SELECT 1 FROM models WHERE tenant_id = $1 AND name = $2', [
      tenant.id,
      name,
    ]);
    expect(rowCount).toBe(0);
    // And without the fault the same change commits with its event.
    const ok = await t.createModel(tenant.owner.apiKey, { name });
    expect((await events(tenant.owner.apiKey, { resourceId: ok.id })).map((e) => e.action)).toEqual([
      'model.create',
    ]);
  });
});

describe('sequencer leadership', () => {
  const holders = async (): Promise<number> =>
    (
      await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = 72707371 AND granted`,
      )
    ).rows[0]!.n;

  it('plans every batch with its real size: a generic plan would read the whole log to drop replayed events', async () => {
    const { rows } = await admin.query<{ config: string[] | null }>(
      `SELECT proconfig AS config FROM pg_proc WHERE proname = 'arca_audit_sequence'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.config).toContain('plan_cache_mode=force_custom_plan');
  });

  it('exactly one replica holds the sequencer lock; when it stops, another takes over', async () => {
    const second = await TestApp.start();
    try {
      const deadline = Date.now() + 10_000;
      while ((await holders()) !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await holders()).toBe(1);
      const ours = [t, second].filter((a) => a.app.get(AuditSequencer).isLeader);
      expect(ours.length).toBeLessThanOrEqual(1);
      if (ours[0] === second) {
        await second.close();
        const until = Date.now() + 10_000;
        while ((await holders()) !== 1 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
        expect(await holders()).toBe(1);
        expect(second.app.get(AuditSequencer).isLeader).toBe(false);
      }
    } finally {
      await second.close().catch(() => undefined);
    }
  });
});

describe('alerts', () => {
  it('bursts of failed logins per account and per IP, denied-access bursts and a key used from a new network raise alerts', async () => {
    const victim = await t.tenant({ withMembers: false });
    const ip = `10.99.${Math.floor(Math.random() * 250)}.7`;
    for (let i = 0; i < 10; i++) {
      await t.gql(
        'mutation($i: LoginInput!) { login(input: $i) { token } }',
        {
          i: { email: victim.owner.email, password: `wrong-${i}-password`, tenantSlug: victim.slug },
        },
        { ip },
      );
    }
    const viewer = await t.addMember(victim.owner, 'viewer');
    for (let i = 0; i < 10; i++) {
      await t.gql('mutation { createModel(input: { name: "x" }) { id } }', {}, { token: viewer.apiKey });
    }
    // The owner key acts from its usual network, then from another one.
    await t.createModel(victim.owner.apiKey);
    await t.gql(
      'mutation($i: CreateModelInput!) { createModel(input: $i) { id } }',
      { i: { name: `n-${randomBytes(3).toString('hex')}` } },
      { token: victim.owner.apiKey, ip: '192.0.2.44' },
    );
    await t.flushAudit();
    const alerts = (await t.client(victim.owner.apiKey).audit.alerts({ first: 50 })).items;
    const rules = alerts.map((a) => `${a.rule} ${a.subject}`);
    expect(rules).toEqual(
      expect.arrayContaining([
        `failed_login_account user:${victim.owner.userId}`,
        `failed_login_ip ip:${ip}`,
        `denied_access_burst api_key:${JSON.parse((await events(victim.owner.apiKey, { action: 'authz.denied' }))[0]!.entry).actor.apiKeyId}`,
        expect.stringMatching(/^api_key_new_network api_key:.*:192\.0\.2\.0\/24$/),
      ]),
    );
    // Counted once per window: another flush raises nothing new.
    await t.flushAudit();
    expect((await t.client(victim.owner.apiKey).audit.alerts({ first: 50 })).items).toHaveLength(
      alerts.length,
    );
  });
});
