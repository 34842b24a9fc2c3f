import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KeyHierarchy, TenantKeysService } from '@arca/api-artifacts';
import { Db } from '@arca/api-db';
import { LocalKeyProvider } from '@arca/crypto';
import { TEST_MASTER_KEY, TestApp, errorCode, type TestTenant } from '../support/harness.js';
import { MiB, createUpload, expectSameBytes, put, readBlob, sha256 } from './support.js';

// The key hierarchy: KEK rotation re-wraps data keys only and resumes after a crash; master-key rotation
// re-wraps tenant keys; a replaced wrapped key fails closed; crypto-shredding makes a tenant unrecoverable.

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

async function storedBlobs(tenant: TestTenant, count: number, size = MiB + 5) {
  const modelId = (await t.createModel(tenant.owner.session)).id;
  const blobs: { id: string; bytes: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = randomBytes(size + i);
    const upload = await createUpload(t, tenant.owner.session, modelId, bytes.length);
    expect((await put(t, upload, bytes)).status).toBe(200);
    blobs.push({ id: upload.id, bytes });
  }
  return blobs;
}

const segmentDigests = async (blobId: string): Promise<string[]> =>
  (
    await admin.query<{ c: Buffer }>(
      'SELECT ciphertext AS c FROM blob_segments WHERE blob_id = $1 ORDER BY idx',
      [blobId],
    )
  ).rows.map((r) => sha256(r.c));

const ROTATE = 'mutation { rotateTenantKey { fromVersion toVersion rewrapped resumed } }';

describe('tenant KEK rotation', () => {
  it('re-wraps every data key under a new KEK, destroys the old one, and rewrites no ciphertext', async () => {
    const tenant = await t.tenant({ withMembers: false });
    const blobs = await storedBlobs(tenant, 3);
    const before = await Promise.all(blobs.map((b) => segmentDigests(b.id)));
    const data = await t.ok<{ rotateTenantKey: Record<string, unknown> }>(
      ROTATE,
      {},
      { token: tenant.owner.session },
    );
    expect(data.rotateTenantKey).toEqual({ fromVersion: 1, toVersion: 2, rewrapped: 3, resumed: false });
    const keks = await admin.query<{ version: number; state: string; wrapped_kek: Buffer | null }>(
      'SELECT version, state, wrapped_kek FROM tenant_keys WHERE tenant_id = $1 ORDER BY version',
      [tenant.id],
    );
    expect(keks.rows.map((k) => [k.version, k.state, k.wrapped_kek === null])).toEqual([
      [1, 'destroyed', true],
      [2, 'active', false],
    ]);
    const versions = await admin.query('SELECT DISTINCT kek_version FROM blob_keys WHERE tenant_id = $1', [
      tenant.id,
    ]);
    expect(versions.rows).toEqual([{ kek_version: 2 }]);
    for (const [i, blob] of blobs.entries()) {
      expect(await segmentDigests(blob.id)).toEqual(before[i]);
      expectSameBytes(await readBlob(t, tenant.id, blob.id), blob.bytes);
    }
  });

  it('resumes a rotation that a crash interrupted, and every blob still decrypts', async () => {
    const tenant = await t.tenant({ withMembers: false });
    const blobs = await storedBlobs(tenant, 4, 10);
    // The crash: a new KEK is active, nothing was re-wrapped yet, and one batch re-wrapped one key.
    const db = t.app.get(Db);
    await db.tenantTransaction(tenant.id, () => t.app.get(KeyHierarchy).rotate(tenant.id));
    await db.tenantTransaction(tenant.id, () => t.app.get(KeyHierarchy).rewrapBatch(tenant.id, 1));
    const data = await t.ok<{ rotateTenantKey: Record<string, unknown> }>(
      ROTATE,
      {},
      { token: tenant.owner.session },
    );
    expect(data.rotateTenantKey).toEqual({ fromVersion: null, toVersion: 2, rewrapped: 3, resumed: true });
    for (const blob of blobs) expectSameBytes(await readBlob(t, tenant.id, blob.id), blob.bytes);
    const again = await t.ok<{ rotateTenantKey: Record<string, unknown> }>(
      ROTATE,
      {},
      { token: tenant.owner.session },
    );
    expect(again.rotateTenantKey).toMatchObject({
      fromVersion: 2,
      toVersion: 3,
      rewrapped: 4,
      resumed: false,
    });
  });

  it('only an owner, with a session (not an API key), may rotate', async () => {
    const tenant = await t.tenant();
    expect(errorCode(await t.gql(ROTATE, {}, { token: tenant.owner.apiKey }))).toBe('FORBIDDEN');
    expect(errorCode(await t.gql(ROTATE, {}, { token: tenant.members.admin.session }))).toBe('FORBIDDEN');
  });
});

describe('wrapped keys fail closed', () => {
  it('a wrapped DEK swapped for another blob’s, or a tampered KEK, gives INTEGRITY_ERROR', async () => {
    const tenant = await t.tenant({ withMembers: false });
    const [a, b] = await storedBlobs(tenant, 2, 100);
    await admin.query(
      `UPDATE blob_keys SET wrapped_dek = (SELECT wrapped_dek FROM blob_keys WHERE blob_id = $2) WHERE blob_id = $1`,
      [a!.id, b!.id],
    );
    await expect(readBlob(t, tenant.id, a!.id)).rejects.toMatchObject({ code: 'INTEGRITY_ERROR' });
    expectSameBytes(await readBlob(t, tenant.id, b!.id), b!.bytes);
    await admin.query(
      `UPDATE tenant_keys SET wrapped_kek = overlay(wrapped_kek placing '\\x00'::bytea from 20 for 1) WHERE tenant_id = $1`,
      [tenant.id],
    );
    await expect(readBlob(t, tenant.id, b!.id)).rejects.toMatchObject({ code: 'INTEGRITY_ERROR' });
  });
});

describe('master key rotation', () => {
  it('re-wraps tenant keys under the new master key; servers without the old key can then read', async () => {
    const tenant = await t.tenant({ withMembers: false });
    const [blob] = await storedBlobs(tenant, 1, 1000);
    await t.flushAudit(); // creates the tenant's audit log key, sealed under the old master key
    const NEW = randomBytes(32).toString('hex');
    const rotating = await TestApp.start({
      ARCA_MASTER_KEY: NEW,
      ARCA_MASTER_KEY_PREVIOUS: TEST_MASTER_KEY,
      ARCA_AUDIT_SEQUENCER: 'false',
      ARCA_JOBS_ENABLED: 'false',
    });
    // Apps under other master keys never consume jobs: they could not unwrap other suites' keys.
    const onlyNew = await TestApp.start({
      ARCA_MASTER_KEY: NEW,
      ARCA_AUDIT_SEQUENCER: 'false',
      ARCA_JOBS_ENABLED: 'false',
    });
    const back = await TestApp.start({
      ARCA_MASTER_KEY: TEST_MASTER_KEY,
      ARCA_MASTER_KEY_PREVIOUS: NEW,
      ARCA_AUDIT_SEQUENCER: 'false',
      ARCA_JOBS_ENABLED: 'false',
    });
    try {
      await expect(readBlob(onlyNew, tenant.id, blob!.id)).rejects.toMatchObject({ code: 'INTEGRITY_ERROR' });
      const result = await rotating.app.get(TenantKeysService).rotateMasterKey([tenant.id]);
      expect(result).toEqual({ tenants: 1, keks: 1, logKeys: 1, failed: [] });
      const newId = new LocalKeyProvider(Buffer.from(NEW, 'hex')).keyId;
      const kek = await admin.query('SELECT master_key_id FROM tenant_keys WHERE tenant_id = $1', [
        tenant.id,
      ]);
      expect(kek.rows).toEqual([{ master_key_id: newId }]);
      expectSameBytes(await readBlob(onlyNew, tenant.id, blob!.id), blob!.bytes);
      await expect(readBlob(t, tenant.id, blob!.id)).rejects.toMatchObject({ code: 'INTEGRITY_ERROR' });
      // Rerunning finds nothing left to do.
      expect(await rotating.app.get(TenantKeysService).rotateMasterKey([tenant.id])).toEqual({
        tenants: 1,
        keks: 0,
        logKeys: 0,
        failed: [],
      });
      // A server holding neither key reports the tenant instead of stopping half-way.
      const stranger = await TestApp.start({
        ARCA_MASTER_KEY: randomBytes(32).toString('hex'),
        ARCA_AUDIT_SEQUENCER: 'false',
        ARCA_JOBS_ENABLED: 'false',
      });
      try {
        expect(await stranger.app.get(TenantKeysService).rotateMasterKey([tenant.id])).toMatchObject({
          keks: 0,
          failed: [tenant.id],
        });
      } finally {
        await stranger.close();
      }
    } finally {
      // Put the tenant back under the suite's master key (other apps share this database).
      await back.app.get(TenantKeysService).rotateMasterKey([tenant.id]);
      await Promise.all([rotating.close(), onlyNew.close(), back.close()]);
    }
    expectSameBytes(await readBlob(t, tenant.id, blob!.id), blob!.bytes);
  });
});

describe('crypto-shredding (tenant deletion)', () => {
  const DELETE = 'mutation($s: String!) { deleteTenant(confirmSlug: $s) { keysDestroyed versionsShredded } }';

  it('destroys every KEK: nothing decrypts, even with the database and the master key; others unaffected', async () => {
    const victim = await t.tenant();
    const bystander = await t.tenant({ withMembers: false });
    const [gone] = await storedBlobs(victim, 1, 2 * MiB);
    const [kept] = await storedBlobs(bystander, 1, 2 * MiB);
    expect(errorCode(await t.gql(DELETE, { s: 'wrong' }, { token: victim.owner.session }))).toBe(
      'BAD_USER_INPUT',
    );
    expect(errorCode(await t.gql(DELETE, { s: victim.slug }, { token: victim.members.admin.session }))).toBe(
      'FORBIDDEN',
    );
    expectSameBytes(await readBlob(t, victim.id, gone!.id), gone!.bytes);
    const data = await t.ok<{ deleteTenant: { keysDestroyed: number } }>(
      DELETE,
      { s: victim.slug },
      {
        token: victim.owner.session,
      },
    );
    expect(data.deleteTenant.keysDestroyed).toBe(1);
    await expect(readBlob(t, victim.id, gone!.id)).rejects.toMatchObject({ code: 'INTEGRITY_ERROR' });
    // An attacker holding the database and the master key finds no key material left to unwrap.
    const material = await admin.query(
      'SELECT count(*)::int AS n FROM tenant_keys WHERE tenant_id = $1 AND wrapped_kek IS NOT NULL',
      [victim.id],
    );
    expect(material.rows[0]).toEqual({ n: 0 });
    expect(
      (await admin.query('SELECT 1 FROM blob_segments WHERE blob_id = $1', [gone!.id])).rowCount,
    ).toBeGreaterThan(0);
    expectSameBytes(await readBlob(t, bystander.id, kept!.id), kept!.bytes);
    // The tenant is gone for its members; its audit log keeps the record.
    expect(errorCode(await t.gql('{ tenant { id } }', {}, { token: victim.owner.session }))).toBe(
      'UNAUTHENTICATED',
    );
    await t.flushAudit();
    const shred = await admin.query(
      `SELECT convert_from(entry, 'UTF8')::jsonb AS e FROM audit_entries WHERE tenant_id = $1 AND action = 'tenant.shred'`,
      [victim.id],
    );
    expect(shred.rows[0]?.e).toMatchObject({ action: 'tenant.shred', details: { keysDestroyed: 1 } });
  });
});
