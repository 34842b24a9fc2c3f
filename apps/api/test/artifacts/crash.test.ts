import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { KeyHierarchy } from '@arca/api-artifacts';
import { Db } from '@arca/api-db';
import { modelStream } from '@arca/onnx/testing';
import { TEST_MASTER_KEY, TEST_PEPPER, TestApp, type TestTenant } from '../support/harness.js';
import { MiB, expectSameBytes, readBlob, sha256 } from './support.js';

// SIGKILL of a real server process (apps/api/bin/arca-server.js, built from these sources) in the middle of an
// upload and in the middle of a key rotation: nothing half-done becomes visible, and a new process finishes.

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
let t: TestApp;
let admin: pg.Client;
const servers: ChildProcess[] = [];

beforeAll(async () => {
  const built = spawnSync('npm', ['run', 'build', '--silent'], {
    cwd: repo,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (built.status !== 0) throw new Error('npm run build failed');
  t = await TestApp.start();
  admin = new pg.Client({ connectionString: inject('databaseAdminUrl') });
  await admin.connect();
}, 600_000);

afterAll(async () => {
  for (const s of servers) s.kill('SIGKILL');
  await admin?.end();
  await t?.close();
});

/** A server process on the suite's database; resolves with its base URL once it listens. */
async function startServer(): Promise<{ base: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, [join(repo, 'apps/api/bin/arca-server.js'), 'start'], {
    cwd: repo,
    env: {
      PATH: process.env['PATH'],
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      DATABASE_URL: inject('databaseAdminUrl'),
      DATABASE_APP_URL: inject('databaseAppUrl'),
      ARCA_API_KEY_PEPPER: TEST_PEPPER,
      ARCA_MASTER_KEY: TEST_MASTER_KEY,
      ARCA_DATA_DIR: mkdtempSync(join(tmpdir(), 'arca-crash-')),
      ARCA_DEMO_TENANT: 'false',
      ARCA_AUDIT_SEQUENCER: 'false',
      ARCA_JOBS_ENABLED: 'false',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  servers.push(proc);
  const base = await new Promise<string>((resolvePort, reject) => {
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /serving GraphQL at (http:\/\/[^/\s]+)\/graphql/.exec(out);
      if (m) resolvePort(m[1]!.replace('localhost', '127.0.0.1'));
    });
    proc.once('exit', (code) => reject(new Error(`server exited early (${code}): ${out}`)));
  });
  return { base, proc };
}

async function gql<T>(
  base: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors?.length || !body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

function killed(proc: ChildProcess): Promise<void> {
  return new Promise((r) => {
    proc.once('exit', () => r());
    proc.kill('SIGKILL');
  });
}

async function until(check: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('SIGKILL mid-upload', () => {
  it('leaves no version; a new server resumes the upload, finalizes and serves identical bytes', async () => {
    const tenant: TestTenant = await t.tenant({ withMembers: false });
    const token = tenant.owner.session;
    const model = await t.createModel(token);
    const source = modelStream(12 * MiB, { seed: 5 });
    const bytes = Buffer.concat([...source.chunks()].map((c) => Buffer.from(c)));
    const first = await startServer();
    const upload = (
      await gql<{ createUpload: { id: string; url: string; token: string } }>(
        first.base,
        token,
        'mutation($i: CreateUploadInput!) { createUpload(input: $i) { id url token } }',
        { i: { modelId: model.id, sizeBytes: bytes.length } },
      )
    ).createUpload;
    // Send 6.5 MiB and hold the request open; kill the server once some segments are committed.
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    async function* body(): AsyncGenerator<Uint8Array> {
      for (let at = 0; at < 6.5 * MiB; at += 256 * 1024) {
        yield bytes.subarray(at, Math.min(at + 256 * 1024, 6.5 * MiB));
      }
      await hold;
    }
    const put = fetch(`${first.base}${upload.url}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${upload.token}`, 'content-type': 'application/octet-stream' },
      body: body(),
      duplex: 'half',
    }).catch((error: unknown) => error);
    const received = async () =>
      Number(
        (await admin.query('SELECT received_size FROM uploads WHERE id = $1', [upload.id])).rows[0]
          .received_size,
      );
    await until(async () => (await received()) >= 4 * MiB, 'segments to be committed');
    await killed(first.proc);
    release();
    expect(await put).toBeInstanceOf(Error);

    const stored = await received();
    expect(stored).toBeGreaterThan(0);
    expect((await admin.query('SELECT 1 FROM model_versions WHERE id = $1', [upload.id])).rowCount).toBe(0);
    const segments = await admin.query('SELECT count(*)::int AS n FROM blob_segments WHERE blob_id = $1', [
      upload.id,
    ]);
    expect(segments.rows[0].n).toBeGreaterThan(0);

    const second = await startServer();
    const status = (await (
      await fetch(`${second.base}${upload.url}`, { headers: { authorization: `Bearer ${upload.token}` } })
    ).json()) as { receivedSize: number };
    expect(status.receivedSize).toBe(stored);
    const rest = await fetch(`${second.base}${upload.url}`, {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${upload.token}`,
        'content-type': 'application/octet-stream',
        'content-range': `bytes ${stored}-*/${bytes.length}`,
      },
      body: bytes.subarray(stored),
    });
    expect(await rest.json()).toMatchObject({ receivedSize: bytes.length, complete: true });
    const version = (
      await gql<{ finalizeUpload: { state: string; sha256: string } }>(
        second.base,
        token,
        'mutation($u: ID!) { finalizeUpload(uploadId: $u) { state sha256 } }',
        { u: upload.id },
      )
    ).finalizeUpload;
    expect(version).toEqual({ state: 'READY', sha256: sha256(bytes) });
    expectSameBytes(await readBlob(t, tenant.id, upload.id), bytes);
    await killed(second.proc);
  }, 120_000);
});

describe('SIGKILL during key rotation', () => {
  it('rerunning completes the rotation, and every version still decrypts', async () => {
    const tenant = await t.tenant({ withMembers: false });
    const token = tenant.owner.session;
    const model = await t.createModel(token);
    // A couple of real blobs with data, plus thousands of data keys (upload rows with wrapped DEKs) to re-wrap.
    const real: { id: string; bytes: Buffer }[] = [];
    for (let i = 0; i < 2; i++) {
      const bytes = randomBytes(2 * MiB + i);
      const up = await t.ok<{ createUpload: { id: string; url: string; token: string } }>(
        'mutation($i: CreateUploadInput!) { createUpload(input: $i) { id url token } }',
        { i: { modelId: model.id, sizeBytes: bytes.length } },
        { token },
      );
      const res = await t.http('PUT', up.createUpload.url, bytes, {
        authorization: `Bearer ${up.createUpload.token}`,
        'content-type': 'application/octet-stream',
      });
      expect(res.status).toBe(200);
      real.push({ id: up.createUpload.id, bytes });
    }
    const ids = Array.from({ length: 4000 }, () => randomUUID());
    await admin.query(
      `INSERT INTO uploads (id, tenant_id, model_id, token_hash, declared_size, header, created_by, expires_at)
       SELECT id, $1, $2, sha256(('token:' || id)::bytea), 0, sha256(id::text::bytea) || substring(sha256(id::text::bytea) from 1 for 8),
              $3, now() + interval '1 day'
         FROM unnest($4::uuid[]) AS id`,
      [tenant.id, model.id, tenant.owner.userId, ids],
    );
    const keys = t.app.get(KeyHierarchy);
    for (let at = 0; at < ids.length; at += 250) {
      // Short transactions (the Db refuses any longer than 15 s, and a loaded CI machine is slow).
      await t.app.get(Db).tenantTransaction(tenant.id, async () => {
        for (const id of ids.slice(at, at + 250)) {
          await keys.storeBlobKey(tenant.id, model.id, id, keys.newDek());
        }
      });
    }

    const first = await startServer();
    const rotation = gql(first.base, token, 'mutation { rotateTenantKey { toVersion } }', {}).catch(
      (e: unknown) => e,
    );
    const stale = async () =>
      Number(
        (
          await admin.query(
            `SELECT count(*) FILTER (WHERE kek_version = 2) AS done FROM blob_keys WHERE tenant_id = $1`,
            [tenant.id],
          )
        ).rows[0].done,
      );
    await until(async () => (await stale()) > 0, 'the re-wrap to start');
    await killed(first.proc);
    expect(await rotation).toBeInstanceOf(Error);
    const doneAtKill = await stale();
    expect(doneAtKill).toBeLessThan(ids.length + real.length); // the crash really interrupted it

    const second = await startServer();
    const resumed = await gql<{ rotateTenantKey: Record<string, unknown> }>(
      second.base,
      token,
      'mutation { rotateTenantKey { fromVersion toVersion rewrapped resumed } }',
      {},
    );
    expect(resumed.rotateTenantKey).toEqual({
      fromVersion: null,
      toVersion: 2,
      rewrapped: ids.length + real.length - doneAtKill,
      resumed: true,
    });
    const keks = await admin.query(
      'SELECT version, state, wrapped_kek IS NULL AS erased FROM tenant_keys WHERE tenant_id = $1 ORDER BY version',
      [tenant.id],
    );
    expect(keks.rows).toEqual([
      { version: 1, state: 'destroyed', erased: true },
      { version: 2, state: 'active', erased: false },
    ]);
    for (const blob of real) expectSameBytes(await readBlob(t, tenant.id, blob.id), blob.bytes);
    await t.app.get(Db).tenantTransaction(tenant.id, async () => {
      for (const id of ids.slice(0, 200)) {
        expect((await keys.blobKey(tenant.id, model.id, id)).length).toBe(32);
      }
    });
    await killed(second.proc);
  }, 180_000);
});
