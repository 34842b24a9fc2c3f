import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TestApp, errorCode, type TestTenant } from '../support/harness.js';
import { MiB, createUpload, expectSameBytes, markedBytes, put, readBlob } from './support.js';

// Staged uploads into encrypted segments: exact round trips at every segment boundary, resume after a break,
// refusal of bad input, and no plaintext in the database.

let t: TestApp;
let tenant: TestTenant;
let modelId: string;
let admin: pg.Client;

beforeAll(async () => {
  t = await TestApp.start();
  tenant = await t.tenant({ withMembers: false });
  modelId = (await t.createModel(tenant.owner.session)).id;
  admin = new pg.Client({ connectionString: inject('databaseAdminUrl') });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await t?.close();
});

// First segment: 1 MiB − 16-byte tag − 40-byte header; later segments: 1 MiB − 16.
const FIRST = MiB - 16 - 40;
const LATER = MiB - 16;

describe('staged upload into encrypted segments', () => {
  const sizes = [
    0,
    1,
    FIRST - 1,
    FIRST,
    FIRST + 1,
    MiB - 1,
    MiB,
    MiB + 1,
    FIRST + LATER,
    FIRST + 2 * LATER + 7,
  ];
  for (const size of sizes) {
    it(`round-trips ${size} bytes exactly`, async () => {
      const marker = randomBytes(16);
      const bytes = markedBytes(size, marker);
      const upload = await createUpload(t, tenant.owner.session, modelId, size);
      const res = await put(t, upload, bytes);
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ receivedSize: size, declaredSize: size, complete: true });
      expectSameBytes(await readBlob(t, tenant.id, upload.id), bytes);
      const rows = await admin.query<{ idx: number; ciphertext: Buffer }>(
        'SELECT idx, ciphertext FROM blob_segments WHERE blob_id = $1 ORDER BY idx',
        [upload.id],
      );
      const expectedSegments = size <= FIRST ? 1 : 1 + Math.ceil((size - FIRST) / LATER);
      expect(rows.rows.map((r) => r.idx)).toEqual([...Array(expectedSegments).keys()]);
      if (size >= marker.length) {
        for (const row of rows.rows) expect(row.ciphertext.includes(marker)).toBe(false);
      }
    });
  }

  it('resumes at the last committed segment after a broken PUT', async () => {
    const bytes = randomBytes(FIRST + 2 * LATER + 1234);
    const upload = await createUpload(t, tenant.owner.session, modelId, bytes.length);
    // The connection "breaks" after 1.5 segments: only the first, complete segment is kept.
    const first = await put(t, upload, bytes.subarray(0, FIRST + LATER / 2));
    expect(first.json).toMatchObject({ receivedSize: FIRST, complete: false });
    // A start beyond the stored end would leave a gap: CONFLICT, with the offset to resume at.
    const gap = await put(t, upload, bytes.subarray(FIRST + 10, FIRST + 20), FIRST + 10);
    expect(gap.status).toBe(409);
    expect(gap.json).toMatchObject({ error: { code: 'CONFLICT', details: { offset: FIRST } } });
    // A start before it is fine: the bytes the server already has are skipped.
    const overlap = await put(t, upload, bytes.subarray(FIRST - 1000), FIRST - 1000);
    expect(overlap.json).toMatchObject({ receivedSize: bytes.length, complete: true });
    expectSameBytes(await readBlob(t, tenant.id, upload.id), bytes);
  });

  it('refuses a body longer than declared and keeps only whole segments that fit', async () => {
    const upload = await createUpload(t, tenant.owner.session, modelId, 100);
    const res = await put(t, upload, randomBytes(101));
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
    const status = await t.http('GET', upload.url, undefined, { authorization: `Bearer ${upload.token}` });
    expect(JSON.parse(status.body)).toMatchObject({ receivedSize: 0, complete: false });
  });

  it('a token unlocks only its own upload, and a wrong token reveals nothing', async () => {
    const a = await createUpload(t, tenant.owner.session, modelId, 10);
    const b = await createUpload(t, tenant.owner.session, modelId, 10);
    for (const token of [b.token, `arcu_${'A'.repeat(43)}`, 'not-a-token']) {
      const res = await put(t, a, randomBytes(10), undefined, token);
      expect(res.status).toBe(404);
      expect(res.json).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
  });

  it('finalize refuses an incomplete upload and changes nothing', async () => {
    const upload = await createUpload(t, tenant.owner.session, modelId, FIRST + 10);
    await put(t, upload, randomBytes(FIRST + 5));
    const res = await t.gql(
      'mutation($u: ID!) { finalizeUpload(uploadId: $u) { id } }',
      { u: upload.id },
      {
        token: tenant.owner.session,
      },
    );
    expect(errorCode(res)).toBe('FAILED_PRECONDITION');
    const versions = await admin.query('SELECT 1 FROM model_versions WHERE id = $1', [upload.id]);
    expect(versions.rowCount).toBe(0);
  });

  it('rejects sizes beyond the limit and uploads to models the caller cannot write', async () => {
    const tooBig = await t.gql(
      'mutation($i: CreateUploadInput!) { createUpload(input: $i) { id } }',
      { i: { modelId, sizeBytes: 2 ** 31 } },
      { token: tenant.owner.session },
    );
    expect(errorCode(tooBig)).toBe('BAD_USER_INPUT');
    const other = await t.tenant({ withMembers: false });
    const foreign = await t.gql(
      'mutation($i: CreateUploadInput!) { createUpload(input: $i) { id } }',
      { i: { modelId, sizeBytes: 1 } },
      { token: other.owner.session },
    );
    expect(errorCode(foreign)).toBe('NOT_FOUND');
  });
});
