import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  absurdDimensionModel,
  buildMlp,
  modelStream,
  emptyFile,
  externalDataModel,
  randomBytes as seededRandom,
  truncatedModel,
  unknownDomainModel,
} from '@arca/onnx/testing';
import { TestApp, errorCode, type TestTenant } from '../support/harness.js';
import { MiB, downloadUrl, expectSameBytes, listen, onnxOfSize, push, sha256 } from './support.js';

// Versions end to end through the API: validation at finalize, byte-identical downloads with Range, one-time
// grants, and tampering with stored ciphertext that must fail with INTEGRITY_ERROR, never with wrong bytes.

let t: TestApp;
let tenant: TestTenant;
let modelId: string;
let admin: pg.Client;
let server: string;
const base = buildMlp({ inputSize: 16, hidden: [32], outputs: 4, seed: 11 });

beforeAll(async () => {
  t = await TestApp.start();
  tenant = await t.tenant();
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

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await t.http('GET', url, undefined, headers);
  return { status: res.status, body: res.raw, headers: res.headers, text: res.body };
}

describe('finalize validates the model', () => {
  it('a valid model becomes ready with its digest and format summary, numbered in turn', async () => {
    const bytes = Buffer.from(base);
    const first = await push(t, owner(), modelId, bytes);
    expect(first).toMatchObject({ state: 'READY', sha256: sha256(bytes), failureCode: null });
    const data = await t.ok<{ modelVersion: Record<string, unknown> }>(
      `query($id: ID!) { modelVersion(id: $id) { number sizeBytes irVersion parameterCount
         opsetImports { domain version } inputs { name elemType shape } outputs { name elemType shape } } }`,
      { id: first.id },
      { token: owner() },
    );
    expect(data.modelVersion).toMatchObject({
      sizeBytes: bytes.length,
      parameterCount: 16 * 32 + 32 + 32 * 4 + 4,
      inputs: [{ name: 'input', elemType: 'FLOAT', shape: ['batch', '16'] }],
      outputs: [{ name: 'logits', elemType: 'FLOAT', shape: ['batch', '4'] }],
    });
    const second = await push(t, owner(), modelId, bytes);
    expect(second.number).toBe(first.number + 1);
  });

  const malformed: [string, Uint8Array, string][] = [
    ['a 0-byte file', emptyFile(), 'EMPTY_FILE'],
    ['random bytes', seededRandom(4096, 9), 'NOT_ONNX'],
    ['a truncated protobuf', truncatedModel(), 'TRUNCATED'],
    ['external-data paths', externalDataModel('../../etc/passwd'), 'EXTERNAL_DATA'],
    ['an unknown operator domain', unknownDomainModel('com.acme'), 'UNKNOWN_DOMAIN'],
    ['absurd declared dimensions', absurdDimensionModel(), 'ABSURD_DIMENSION'],
  ];
  for (const [what, bytes, code] of malformed) {
    it(`${what} → a failed version with ${code}, and the server keeps serving`, async () => {
      const version = await push(t, owner(), modelId, Buffer.from(bytes));
      expect(version.state).toBe('FAILED');
      expect(version.failureCode).toBe(code);
      expect(version.failureReason).toMatch(/\w/);
      const grant = await t.gql(
        'mutation($v: ID!) { createDownload(versionId: $v) { url } }',
        { v: version.id },
        {
          token: owner(),
        },
      );
      expect(errorCode(grant)).toBe('FAILED_PRECONDITION');
    });
  }

  it('a tenant may allow an extra operator domain; the runtime still has to load the model', async () => {
    await admin.query(`UPDATE tenants SET onnx_allowed_domains = ARRAY['com.acme'] WHERE id = $1`, [
      tenant.id,
    ]);
    try {
      const version = await push(t, owner(), modelId, Buffer.from(unknownDomainModel('com.acme')));
      expect(version.state).toBe('FAILED');
      expect(version.failureCode).toBe('RUNTIME_LOAD_FAILED');
    } finally {
      await admin.query(`UPDATE tenants SET onnx_allowed_domains = ARRAY[]::text[] WHERE id = $1`, [
        tenant.id,
      ]);
    }
  });
});

describe('downloads', () => {
  for (const size of [MiB - 1, MiB, MiB + 1, 3 * MiB + 17]) {
    it(`returns exactly the ${size} bytes uploaded, and ranges of them`, async () => {
      const bytes = onnxOfSize(base, size);
      const version = await push(t, owner(), modelId, bytes);
      expect(version.state).toBe('READY');
      const url = await downloadUrl(t, owner(), version.id);
      // Ranges that stop short of the end leave the grant usable (a client resuming a broken transfer).
      const ranges: [string, number, number][] = [
        ['bytes=0-99', 0, 100],
        [`bytes=${MiB - 60}-${Math.min(MiB + 100, size - 2)}`, MiB - 60, Math.min(MiB + 101, size - 1)],
      ];
      for (const [header, from, to] of ranges) {
        const part = await get(url, { range: header });
        expect(part.status).toBe(206);
        expect(part.headers['content-range']).toBe(`bytes ${from}-${to - 1}/${size}`);
        expectSameBytes(part.body, bytes.subarray(from, to));
      }
      const full = await get(url);
      expect(full.status).toBe(200);
      expect(full.headers['x-arca-sha256']).toBe(sha256(bytes));
      expectSameBytes(full.body, bytes);
      // One-time: the link is used up once the last byte went out (here by a full response, below by a range).
      expect((await get(url)).status).toBe(404);
      expect(JSON.parse((await get(`${url}/status`)).text)).toEqual({
        state: 'completed',
        failureCode: null,
      });
      const second = await downloadUrl(t, owner(), version.id);
      const tail = await get(second, { range: 'bytes=-10' });
      expect(tail.status).toBe(206);
      expectSameBytes(tail.body, bytes.subarray(size - 10));
      expect((await get(second, { range: 'bytes=0-9' })).status).toBe(404);
    });
  }

  it('refuses unsatisfiable ranges, unknown links, and raw downloads without the permission', async () => {
    const version = await push(t, owner(), modelId, Buffer.from(base));
    const url = await downloadUrl(t, owner(), version.id);
    const bad = await get(url, { range: `bytes=${base.length}-` });
    expect(bad.status).toBe(416);
    expect(bad.headers['content-range']).toBe(`bytes */${base.length}`);
    expect((await get(`/v1/downloads/arcd_${'x'.repeat(43)}`)).status).toBe(404);
    for (const role of ['publisher', 'consumer', 'viewer', 'auditor', 'approver'] as const) {
      const res = await t.gql(
        'mutation($v: ID!) { createDownload(versionId: $v) { url } }',
        { v: version.id },
        {
          token: tenant.members[role].session,
        },
      );
      expect(errorCode(res), role).toBe('FORBIDDEN');
    }
    const other = await t.tenant({ withMembers: false });
    const foreign = await t.gql(
      'mutation($v: ID!) { createDownload(versionId: $v) { url } }',
      { v: version.id },
      {
        token: other.owner.session,
      },
    );
    expect(errorCode(foreign)).toBe('NOT_FOUND');
  });
});

describe('tampering with stored ciphertext', () => {
  const size = 3 * MiB + 500;

  async function readyVersion(): Promise<{ id: string; bytes: Buffer }> {
    const bytes = onnxOfSize(base, size);
    const version = await push(t, owner(), modelId, bytes);
    expect(version.state).toBe('READY');
    return { id: version.id, bytes };
  }

  /**
   * Over a real socket: the download fails with INTEGRITY_ERROR before any byte, or the connection is cut short
   * and the grant's status says why. Whatever did go out is a prefix of the original, never altered bytes.
   */
  async function expectIntegrityFailure(versionId: string, original: Buffer): Promise<void> {
    const url = await downloadUrl(t, owner(), versionId);
    const res = await fetch(`${server}${url}`);
    if (res.status === 500) {
      expect(await res.json()).toMatchObject({ error: { code: 'INTEGRITY_ERROR' } });
    } else {
      expect(res.status).toBe(200);
      const received: Buffer[] = [];
      await expect(
        (async () => {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            received.push(Buffer.from(chunk));
          }
        })(),
      ).rejects.toThrow();
      const body = Buffer.concat(received);
      expect(body.length).toBeLessThan(original.length);
      expect(body.equals(original.subarray(0, body.length))).toBe(true);
    }
    expect(JSON.parse((await get(`${url}/status`)).text)).toEqual({
      state: 'failed',
      failureCode: 'INTEGRITY_ERROR',
    });
    await t.flushAudit();
    const audit = await admin.query(
      `SELECT 1 FROM audit_entries WHERE tenant_id = $1 AND action = 'model_version.integrity_failure' AND resource_id = $2`,
      [tenant.id, versionId],
    );
    expect(audit.rowCount).toBeGreaterThan(0);
  }

  it('a flipped byte in a stored segment', async () => {
    const v = await readyVersion();
    await admin.query(
      `UPDATE blob_segments SET ciphertext = overlay(ciphertext placing '\\xff'::bytea from 1000 for 1)
        WHERE blob_id = $1 AND idx = 2`,
      [v.id],
    );
    await expectIntegrityFailure(v.id, v.bytes);
  });

  it('two segments swapped', async () => {
    const v = await readyVersion();
    await admin.query(
      `UPDATE blob_segments s SET ciphertext = o.ciphertext FROM blob_segments o
        WHERE s.blob_id = $1 AND o.blob_id = $1 AND ((s.idx = 1 AND o.idx = 2) OR (s.idx = 2 AND o.idx = 1))`,
      [v.id],
    );
    await expectIntegrityFailure(v.id, v.bytes);
  });

  it('a segment moved in from another version', async () => {
    const a = await readyVersion();
    const b = await readyVersion();
    await admin.query(
      `UPDATE blob_segments SET ciphertext = (SELECT ciphertext FROM blob_segments WHERE blob_id = $2 AND idx = 0)
        WHERE blob_id = $1 AND idx = 0`,
      [a.id, b.id],
    );
    await expectIntegrityFailure(a.id, a.bytes);
  });

  it('the last segment truncated', async () => {
    const v = await readyVersion();
    await admin.query(
      `UPDATE blob_segments SET ciphertext = substring(ciphertext from 1 for octet_length(ciphertext) - 1)
        WHERE blob_id = $1 AND idx = (SELECT max(idx) FROM blob_segments WHERE blob_id = $1)`,
      [v.id],
    );
    await expectIntegrityFailure(v.id, v.bytes);
  });

  it('the last segment deleted', async () => {
    const v = await readyVersion();
    await admin.query(
      `DELETE FROM blob_segments WHERE blob_id = $1 AND idx = (SELECT max(idx) FROM blob_segments WHERE blob_id = $1)`,
      [v.id],
    );
    await expectIntegrityFailure(v.id, v.bytes);
  });

  it('the wrapped DEK replaced', async () => {
    const a = await readyVersion();
    const b = await readyVersion();
    await admin.query(
      `UPDATE blob_keys SET wrapped_dek = (SELECT wrapped_dek FROM blob_keys WHERE blob_id = $2) WHERE blob_id = $1`,
      [a.id, b.id],
    );
    await expectIntegrityFailure(a.id, a.bytes);
  });
});

describe('a 300 MiB model over real sockets', () => {
  it('streams up, is validated by the background job, and streams down byte-identical', async () => {
    const source = modelStream(300 * MiB, { seed: 3 });
    const expected = createHash('sha256');
    for (const chunk of source.chunks()) expected.update(chunk);
    const digest = expected.digest('hex');
    const upload = (
      await t.ok<{ createUpload: { id: string; url: string; token: string } }>(
        'mutation($i: CreateUploadInput!) { createUpload(input: $i) { id url token } }',
        { i: { modelId, sizeBytes: source.byteLength } },
        { token: owner() },
      )
    ).createUpload;
    const put = await fetch(`${server}${upload.url}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${upload.token}`, 'content-type': 'application/octet-stream' },
      body: source.stream(),
      duplex: 'half',
    });
    expect(await put.json()).toMatchObject({ receivedSize: source.byteLength, complete: true });
    const finalized = await t.ok<{ finalizeUpload: { id: string; state: string } }>(
      'mutation($u: ID!) { finalizeUpload(uploadId: $u) { id state } }',
      { u: upload.id },
      { token: owner() },
    );
    // Above the inline limit (256 MiB): the artifact-validate job takes it.
    expect(finalized.finalizeUpload.state).toBe('VALIDATING');
    let state = 'VALIDATING';
    let sha: string | null = null;
    for (let i = 0; i < 240 && state === 'VALIDATING'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const v = await t.ok<{ modelVersion: { state: string; sha256: string | null } }>(
        'query($id: ID!) { modelVersion(id: $id) { state sha256 } }',
        { id: upload.id },
        { token: owner() },
      );
      state = v.modelVersion.state;
      sha = v.modelVersion.sha256;
    }
    expect(state).toBe('READY');
    expect(sha).toBe(digest);
    const url = await downloadUrl(t, owner(), upload.id);
    const res = await fetch(`${server}${url}`);
    expect(res.status).toBe(200);
    const got = createHash('sha256');
    let length = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      got.update(chunk);
      length += chunk.length;
    }
    expect(length).toBe(source.byteLength);
    expect(got.digest('hex')).toBe(digest);
  }, 300_000);
});
