import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UploadsService } from '@arca/api-artifacts';
import { buildMlp } from '@arca/onnx/testing';
import { loggablePath } from '../../src/create-app.js';
import { TestApp, errorCode, type TestTenant } from '../support/harness.js';
import {
  MiB,
  createUpload,
  downloadUrl,
  expectSameBytes,
  onnxOfSize,
  push,
  put,
  readBlob,
  listen,
} from './support.js';

// Abuse cases from the security review: replayed or concurrent download links, HEAD requests, a stranger's PUT
// against an upload in progress, expired uploads, shredding racing a rotation, rejected models' bytes.

let t: TestApp;
let tenant: TestTenant;
let modelId: string;
let admin: pg.Client;
let server: string;
const base = buildMlp({ inputSize: 16, hidden: [32], outputs: 4, seed: 21 });

beforeAll(async () => {
  t = await TestApp.start();
  tenant = await t.tenant({ withMembers: false });
  modelId = (await t.createModel(tenant.owner.session)).id;
  admin = new pg.Client({ connectionString: inject('databaseAdminUrl') });
  await admin.connect();
  server = await listen(t);
});

afterAll(async () => {
  await admin?.end();
  await t?.close();
});

const owner = () => tenant.owner.session;

describe('download links', () => {
  it('serve one request at a time: a replay while a transfer is in flight is refused', async () => {
    const bytes = onnxOfSize(base, 6 * MiB);
    const version = await push(t, owner(), modelId, bytes);
    const url = await downloadUrl(t, owner(), version.id);
    const first = await fetch(`${server}${url}`);
    expect(first.status).toBe(200);
    const reader = (first.body as ReadableStream<Uint8Array>).getReader();
    await reader.read(); // the transfer is under way and holds the grant
    const replay = await fetch(`${server}${url}`);
    expect(replay.status).toBe(404);
    const received: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) received.push(r.value);
    expect(Buffer.concat(received).length).toBeGreaterThan(0);
    expect((await fetch(`${server}${url}`)).status).toBe(404); // used up after the last byte
  });

  it('answer HEAD with 405 without spending the grant', async () => {
    const version = await push(t, owner(), modelId, Buffer.from(base));
    const url = await downloadUrl(t, owner(), version.id);
    const head = await fetch(`${server}${url}`, { method: 'HEAD' });
    expect(head.status).toBe(405);
    const res = await fetch(`${server}${url}`);
    expect(res.status).toBe(200);
    expectSameBytes(Buffer.from(await res.arrayBuffer()), Buffer.from(base));
  });

  it('are capped in requests, and their secret never reaches the access log', async () => {
    const version = await push(t, owner(), modelId, Buffer.from(base));
    const url = await downloadUrl(t, owner(), version.id);
    const ranged = async () => {
      const res = await fetch(`${server}${url}`, { headers: { range: 'bytes=0-0' } });
      await res.arrayBuffer(); // the request releases the grant once its body is out
      return res.status;
    };
    for (let i = 0; i < 16; i++) expect(await ranged()).toBe(206);
    expect(await ranged()).toBe(404);
    expect(loggablePath(`${url}?x=1`)).toBe('/v1/downloads/[link]');
    expect(loggablePath(`${url}/status`)).toBe('/v1/downloads/[link]/status');
  });
});

describe('uploads', () => {
  it("a stranger's PUT cannot stop an upload in progress", async () => {
    const bytes = randomBytes(3 * MiB);
    const upload = await createUpload(t, owner(), modelId, bytes.length);
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    async function* body(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 1.5 * MiB);
      await hold;
      yield bytes.subarray(1.5 * MiB);
    }
    const legit = fetch(`${server}${upload.url}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${upload.token}`, 'content-type': 'application/octet-stream' },
      body: body(),
      duplex: 'half',
    });
    const received = async () =>
      Number(
        (await admin.query('SELECT received_size FROM uploads WHERE id = $1', [upload.id])).rows[0]
          .received_size,
      );
    for (let i = 0; i < 500 && (await received()) === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const stranger = await fetch(`${server}${upload.url}`, {
      method: 'PUT',
      headers: { authorization: 'Bearer arcu_' + 'x'.repeat(43), 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(10),
    });
    expect(stranger.status).toBe(404);
    release();
    expect(await (await legit).json()).toMatchObject({ receivedSize: bytes.length, complete: true });
    expectSameBytes(await readBlob(t, tenant.id, upload.id), bytes);
  });

  it('an upload still open when its link expires is aborted and its ciphertext deleted, with an audit event', async () => {
    const upload = await createUpload(t, owner(), modelId, 3 * MiB);
    await put(t, upload, randomBytes(2 * MiB));
    await admin.query(`UPDATE uploads SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      upload.id,
    ]);
    expect((await put(t, upload, randomBytes(10), 2 * MiB)).status).toBe(404);
    await t.app.get(UploadsService).expire(tenant.id, upload.id);
    const row = await admin.query('SELECT state FROM uploads WHERE id = $1', [upload.id]);
    expect(row.rows[0]).toEqual({ state: 'aborted' });
    expect((await admin.query('SELECT 1 FROM blob_segments WHERE blob_id = $1', [upload.id])).rowCount).toBe(
      0,
    );
    await t.flushAudit();
    const audit = await admin.query(
      `SELECT 1 FROM audit_entries WHERE tenant_id = $1 AND action = 'upload.expire' AND resource_id = $2`,
      [tenant.id, upload.id],
    );
    expect(audit.rowCount).toBe(1);
  });

  it("a rejected model's ciphertext is freed; the failed version and its reason stay", async () => {
    const version = await push(t, owner(), modelId, randomBytes(2 * MiB));
    expect(version.state).toBe('FAILED');
    expect((await admin.query('SELECT 1 FROM blob_segments WHERE blob_id = $1', [version.id])).rowCount).toBe(
      0,
    );
  });

  it('a parent version on a model the caller cannot see answers NOT_FOUND, like one that does not exist', async () => {
    const restricted = await t.createModel(owner(), { visibility: 'RESTRICTED' });
    const parent = await push(t, owner(), restricted.id, Buffer.from(base));
    const publisher = await t.addMember(tenant.owner, 'publisher');
    const open = await t.createModel(owner());
    const res = await t.gql(
      'mutation($i: CreateUploadInput!) { createUpload(input: $i) { id } }',
      { i: { modelId: open.id, sizeBytes: 10, parentVersionId: parent.id } },
      { token: publisher.session },
    );
    expect(errorCode(res)).toBe('NOT_FOUND');
  });
});

describe('crypto-shredding racing a key rotation', () => {
  it('whatever the order, no key-encryption key survives the deletion', async () => {
    const victim = await t.tenant({ withMembers: false });
    const m = await t.createModel(victim.owner.session);
    for (let i = 0; i < 20; i++) await createUpload(t, victim.owner.session, m.id, 10);
    const rotate = t.gql('mutation { rotateTenantKey { toVersion } }', {}, { token: victim.owner.session });
    const shred = t.gql(
      'mutation($s: String!) { deleteTenant(confirmSlug: $s) { keysDestroyed } }',
      { s: victim.slug },
      {
        token: victim.owner.session,
      },
    );
    await Promise.all([rotate, shred]);
    const live = await admin.query(
      'SELECT version, state FROM tenant_keys WHERE tenant_id = $1 AND wrapped_kek IS NOT NULL',
      [victim.id],
    );
    expect(live.rows).toEqual([]);
  });
});
