import { createHash, randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditLog, AuditSequencer, LogKeys } from '@arca/api-audit';
import { Db } from '@arca/api-db';
import { verifyAuditLog, type AuditVerification, type AuditVerifierState } from '@arca/sdk';
import { formatCheckpoint, merkleRoot, openCheckpoint, parseVerifierKey, signNote } from '@arca/transparency';
import { TestApp, type TestTenant } from './support/harness.js';

// A superuser attacks a live log (reference/audit.md §6.9): triggers switched off with session_replication_role,
// rows edited, deleted, reordered, forged, the log rolled back, a second signed view shown. The verifier, holding
// only the pinned log key and what it saw before, must catch each one and name the first bad sequence number.

let t: TestApp;
let admin: pg.Client;

beforeAll(async () => {
  t = await TestApp.start();
  admin = new pg.Client({ connectionString: inject('databaseAdminUrl') });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await t?.close();
});

const sha = (...parts: Buffer[]): Buffer => createHash('sha256').update(Buffer.concat(parts)).digest();
const leafOf = (entry: Buffer): Buffer => sha(Buffer.of(0), entry);

async function verify(tenant: TestTenant, previous?: AuditVerifierState): Promise<AuditVerification> {
  return verifyAuditLog(t.client(tenant.owner.apiKey).audit, { previous });
}

async function grow(tenant: TestTenant, models: number): Promise<number> {
  for (let i = 0; i < models; i++) await t.createModel(tenant.owner.apiKey);
  await t.flushAudit();
  const { rows } = await admin.query<{ size: string }>(
    'SELECT max(size) AS size FROM audit_checkpoints WHERE tenant_id = $1',
    [tenant.id],
  );
  return Number(rows[0]!.size);
}

/** A verified log of a fresh tenant: returns the verifier's state after its first (trusting) run. */
async function verifiedLog(): Promise<{ tenant: TestTenant; state: AuditVerifierState; size: number }> {
  const tenant = await t.tenant({ withMembers: false });
  const size = await grow(tenant, 12);
  const first = await verify(tenant);
  expect(first).toMatchObject({ ok: true, pinnedNow: true, checked: size });
  return { tenant, state: first.state!, size };
}

/** Runs `sql` as the superuser with triggers off (what an attacker with database superuser does). */
async function tamper(...statements: [string, unknown[]][]): Promise<void> {
  await admin.query('BEGIN');
  try {
    await admin.query('SET LOCAL session_replication_role = replica');
    for (const [sql, params] of statements) await admin.query(sql, params);
    await admin.query('COMMIT');
  } catch (error) {
    await admin.query('ROLLBACK');
    throw error;
  }
}

async function entryAt(tenantId: string, seq: number): Promise<Buffer> {
  const { rows } = await admin.query<{ entry: Buffer }>(
    'SELECT entry FROM audit_entries WHERE tenant_id = $1 AND seq = $2',
    [tenantId, seq],
  );
  return rows[0]!.entry;
}

const rewrite = (entry: Buffer): Buffer =>
  Buffer.from(entry.toString('utf8').replace('"success"', '"denied"'));

describe('tamper detection on a live database', () => {
  it('untouched, a later run verifies consistently with the first and extends the pinned state', async () => {
    const { tenant, state, size } = await verifiedLog();
    const bigger = await grow(tenant, 3);
    const again = await verify(tenant, state);
    expect(again).toMatchObject({ ok: true, pinnedNow: false, checked: bigger });
    expect(again.state!.leaves.subarray(0, size * 32)).toEqual(state.leaves);
  });

  it('an edited event (entry bytes only) is named by its sequence number', async () => {
    const { tenant, state } = await verifiedLog();
    await grow(tenant, 2);
    const entry = await entryAt(tenant.id, 5);
    await tamper([
      'UPDATE audit_entries SET entry = $3 WHERE tenant_id = $1 AND seq = $2',
      [tenant.id, 5, rewrite(entry)],
    ]);
    expect(await verify(tenant, state)).toMatchObject({
      ok: false,
      firstBadSeq: 5,
      problem: { kind: 'leaf-hash-mismatch' },
    });
    // A first-time verifier catches it too.
    expect(await verify(tenant)).toMatchObject({ ok: false, firstBadSeq: 5 });
  });

  it('an edited event with a recomputed leaf hash is named by comparing with what was verified before', async () => {
    const { tenant, state } = await verifiedLog();
    const forged = rewrite(await entryAt(tenant.id, 4));
    await tamper([
      'UPDATE audit_entries SET entry = $3, leaf_hash = $4 WHERE tenant_id = $1 AND seq = $2',
      [tenant.id, 4, forged, leafOf(forged)],
    ]);
    expect(await verify(tenant, state)).toMatchObject({
      ok: false,
      firstBadSeq: 4,
      problem: { kind: 'entry-changed' },
    });
    // Without earlier state, the signed checkpoints still bracket it.
    const fresh = await verify(tenant);
    expect(fresh.ok).toBe(false);
    expect(fresh.badRange ?? { from: fresh.firstBadSeq, to: fresh.firstBadSeq! + 1 }).toSatisfy(
      (r: { from: number; to: number }) => r.from <= 4 && 4 < r.to,
    );
  });

  it('a deleted event is named by the gap it leaves', async () => {
    const { tenant, state } = await verifiedLog();
    await tamper(['DELETE FROM audit_entries WHERE tenant_id = $1 AND seq = $2', [tenant.id, 6]]);
    expect(await verify(tenant, state)).toMatchObject({
      ok: false,
      firstBadSeq: 6,
      problem: { kind: 'sequence' },
    });
  });

  it('two reordered events are named by the first of them', async () => {
    const { tenant, state } = await verifiedLog();
    const park = 1_000_000;
    await tamper(
      ['UPDATE audit_entries SET seq = $2 WHERE tenant_id = $1 AND seq = 3', [tenant.id, park]],
      ['UPDATE audit_entries SET seq = 3 WHERE tenant_id = $1 AND seq = 4', [tenant.id]],
      ['UPDATE audit_entries SET seq = 4 WHERE tenant_id = $1 AND seq = $2', [tenant.id, park]],
    );
    expect(await verify(tenant, state)).toMatchObject({
      ok: false,
      firstBadSeq: 3,
      problem: { kind: 'entry-changed' },
    });
  });

  it('a forged event inserted into the middle is named by its position', async () => {
    const { tenant, state } = await verifiedLog();
    const park = 1_000_000;
    const id = randomUUID();
    const forged = Buffer.from(
      JSON.stringify({
        action: 'model.create',
        actor: { kind: 'system' },
        id,
        outcome: 'success',
        tenant: tenant.id,
        time: new Date().toISOString(),
        v: 1,
      }),
    );
    await tamper(
      ['UPDATE audit_entries SET seq = seq + $2 WHERE tenant_id = $1 AND seq >= 2', [tenant.id, park]],
      ['UPDATE audit_entries SET seq = seq - $2 + 1 WHERE tenant_id = $1 AND seq >= $2', [tenant.id, park]],
      [
        `INSERT INTO audit_entries (tenant_id, seq, event_id, entry, leaf_hash, sequenced_at, event_time, action, outcome, actor_kind)
         VALUES ($1, 2, $2, $3, $4, now(), now(), 'model.create', 'success', 'system')`,
        [tenant.id, id, forged, leafOf(forged)],
      ],
    );
    expect(await verify(tenant, state)).toMatchObject({
      ok: false,
      firstBadSeq: 2,
      problem: { kind: 'entry-changed' },
    });
  });

  it('a rolled-back log (older backup: entries and checkpoints) is caught and the first lost entry named', async () => {
    const tenant = await t.tenant({ withMembers: false });
    const older = await grow(tenant, 4);
    const newer = await grow(tenant, 4);
    expect(newer).toBeGreaterThan(older);
    const { state } = (await verify(tenant)) as { state: AuditVerifierState };
    await tamper(
      ['DELETE FROM audit_entries WHERE tenant_id = $1 AND seq >= $2', [tenant.id, older]],
      ['DELETE FROM audit_checkpoints WHERE tenant_id = $1 AND size > $2', [tenant.id, older]],
    );
    expect(await verify(tenant, state)).toMatchObject({
      ok: false,
      firstBadSeq: older,
      problem: { kind: 'rollback' },
    });
  });

  it('a split view — two validly signed checkpoints of one size with different roots — is caught and the first differing entry named', async () => {
    const { tenant, state, size } = await verifiedLog();
    // The attacker holds the log key here (a compromised server): rewrite entry 3, re-sign a checkpoint of the same size.
    const forged = rewrite(await entryAt(tenant.id, 3));
    const { rows } = await admin.query<{ leaf_hash: Buffer; seq: string }>(
      'SELECT seq, leaf_hash FROM audit_entries WHERE tenant_id = $1 AND seq < $2 ORDER BY seq',
      [tenant.id, size],
    );
    const leaves = rows.map((r) => (Number(r.seq) === 3 ? leafOf(forged) : r.leaf_hash));
    const root = Buffer.from(merkleRoot(leaves));
    const note = await t.app.get(Db).tenantTransaction(tenant.id, async () => {
      const signer = await t.app.get(LogKeys).signer(tenant.id, tenant.slug);
      return signNote(
        formatCheckpoint({ origin: signer.origin, size, rootHash: root, extensions: [] }),
        signer.origin,
        signer.seed,
      );
    });
    await tamper(
      [
        'UPDATE audit_entries SET entry = $3, leaf_hash = $4 WHERE tenant_id = $1 AND seq = $2',
        [tenant.id, 3, forged, leafOf(forged)],
      ],
      ['DELETE FROM audit_checkpoints WHERE tenant_id = $1 AND size >= $2', [tenant.id, size]],
      [
        'INSERT INTO audit_checkpoints (tenant_id, size, root, note) VALUES ($1, $2, $3, $4)',
        [tenant.id, size, root, note],
      ],
    );
    const result = await verify(tenant, state);
    expect(result).toMatchObject({ ok: false, firstBadSeq: 3, problem: { kind: 'split-view' } });
    // Both notes verify with the pinned key: together they prove the log misbehaved.
    const key = parseVerifierKey(state.verifierKey);
    const a = openCheckpoint(state.checkpoint.note, key);
    const b = openCheckpoint(note, key);
    expect(a.size).toBe(b.size);
    expect(Buffer.from(a.rootHash)).not.toEqual(Buffer.from(b.rootHash));
  });

  it('a checkpoint signed with another key, or a swapped log key, is refused', async () => {
    const { tenant, state } = await verifiedLog();
    const other = randomBytes(32);
    const { rows } = await admin.query<{ size: string; root: Buffer }>(
      'SELECT size, root FROM audit_checkpoints WHERE tenant_id = $1 ORDER BY size DESC LIMIT 1',
      [tenant.id],
    );
    const { size, root } = rows[0]!;
    const forgedNote = signNote(
      formatCheckpoint({ origin: state.origin, size: Number(size), rootHash: root, extensions: [] }),
      state.origin,
      other,
    );
    await tamper([
      'UPDATE audit_checkpoints SET note = $3 WHERE tenant_id = $1 AND size = $2',
      [tenant.id, size, forgedNote],
    ]);
    expect(await verify(tenant, state)).toMatchObject({ ok: false, problem: { kind: 'bad-signature' } });
  });
});

describe('concurrency', () => {
  it('64 writers across 4 tenants append 20 000 events: no gaps, no duplicates, every event in one checkpointed tree, incremental roots = recomputation', async () => {
    const db = t.app.get(Db);
    const audit = t.app.get(AuditLog);
    const tenants = await Promise.all(
      [0, 1, 2, 3].map(async () => {
        const slug = `conc-${randomBytes(5).toString('hex')}`;
        return (await t.tenants().provision({ slug, ownerEmail: `o@${slug}.test` })).tenant;
      }),
    );
    const TOTAL = 20_000;
    const WRITERS = 64;
    const written = new Map<string, string[]>(tenants.map((x) => [x.id, []]));
    let next = 0;
    const writer = async (w: number): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= TOTAL) return;
        const tenantId = tenants[(i + w) % tenants.length]!.id;
        await db.tenantTransaction(tenantId, () =>
          audit.record({ tenantId, kind: 'system' }, { action: 'bench.append', details: { i, w } }),
        );
        written.get(tenantId)!.push(String(i));
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    await t.app.get(AuditSequencer).flush();

    for (const tenant of tenants) {
      const { rows } = await admin.query<{ seq: string; leaf_hash: Buffer; entry: Buffer }>(
        'SELECT seq, leaf_hash, entry FROM audit_entries WHERE tenant_id = $1 ORDER BY seq',
        [tenant.id],
      );
      const mine = rows.filter((r) => JSON.parse(r.entry.toString()).action === 'bench.append');
      const details = mine.map((r) =>
        String((JSON.parse(r.entry.toString()) as { details: { i: number } }).details.i),
      );
      // Every event written exactly once, and nothing else of this kind.
      expect(details.sort()).toEqual([...written.get(tenant.id)!].sort());
      expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i));
      for (const r of rows) expect(r.leaf_hash).toEqual(leafOf(r.entry));
      const leaves = rows.map((r) => r.leaf_hash);
      const cps = await admin.query<{ size: string; root: Buffer }>(
        'SELECT size, root FROM audit_checkpoints WHERE tenant_id = $1 ORDER BY size',
        [tenant.id],
      );
      expect(Number(cps.rows.at(-1)!.size)).toBe(rows.length);
      for (const cp of cps.rows) {
        expect(cp.root, `checkpoint ${cp.size}`).toEqual(
          Buffer.from(merkleRoot(leaves.slice(0, Number(cp.size)))),
        );
      }
      // Stored subtree hashes (levels 8, 16) equal the recomputed ones.
      const nodes = await admin.query<{ level: number; idx: string; hash: Buffer }>(
        'SELECT level, idx, hash FROM audit_nodes WHERE tenant_id = $1',
        [tenant.id],
      );
      expect(nodes.rows.length).toBe(Math.floor(rows.length / 256) + Math.floor(rows.length / 65_536));
      for (const n of nodes.rows) {
        const width = 2 ** n.level;
        const start = Number(n.idx) * width;
        expect(n.hash).toEqual(Buffer.from(merkleRoot(leaves.slice(start, start + width))));
      }
      const head = await admin.query<{ root: Buffer }>('SELECT root FROM audit_heads WHERE tenant_id = $1', [
        tenant.id,
      ]);
      expect(head.rows[0]!.root).toEqual(Buffer.from(merkleRoot(leaves)));
    }
  }, 300_000);
});
