import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelVersion } from '@arca/sdk';
import { gqlData, gqlError, sampleConnection, sampleModel } from '@arca/sdk/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliHarness } from './testing/harness.js';

let h: CliHarness;
let dir: string;
beforeEach(async () => {
  h = await CliHarness.start();
  await h.storeCredentials();
  dir = await mkdtemp(join(tmpdir(), 'arca-cli-transfer-'));
});
afterEach(async () => {
  await h.close();
  await rm(dir, { recursive: true, force: true });
});

const MODEL = sampleModel();
const CONTENT = 'not really onnx, but bytes all the same\n'.repeat(50);
const SHA = createHash('sha256').update(CONTENT).digest('hex');
const TOKEN = 'arcd_download-path-secret';

function version(overrides: Partial<ModelVersion> = {}): ModelVersion {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    modelId: MODEL.id,
    number: 3,
    state: 'READY',
    failureCode: null,
    failureReason: null,
    sizeBytes: CONTENT.length,
    sha256: SHA,
    irVersion: 10,
    opsetImports: [{ domain: '', version: 21 }],
    inputs: [{ name: 'input', elemType: 'FLOAT', shape: ['batch', '4'] }],
    outputs: [{ name: 'logits', elemType: 'FLOAT', shape: ['batch', '2'] }],
    parameterCount: 10,
    producer: 'arca-testing',
    parentVersionId: null,
    description: '',
    card: { intendedUse: null, limitations: null, metrics: null },
    tags: [],
    createdById: 'user-1',
    createdAt: '2025-01-02T03:04:05.000Z',
    readyAt: '2025-01-02T03:04:05.000Z',
    archivedAt: null,
    ...overrides,
  };
}

const ops = (): (string | undefined)[] =>
  h.server.requests.map((r) => r.json?.operationName ?? `${r.method} ${r.path}`);

describe('arca push', () => {
  function serveUpload(): void {
    h.server.on('Models', gqlData('models', sampleConnection([MODEL])));
    h.server.on(
      'CreateUpload',
      gqlData('createUpload', {
        id: 'up-1',
        modelId: MODEL.id,
        url: '/v1/uploads/up-1',
        token: 'arcu_upload-secret',
        state: 'open',
        declaredSize: CONTENT.length,
        receivedSize: 0,
        segmentSize: 1048576,
        expiresAt: '2030-01-01T00:00:00.000Z',
      }),
    );
    h.server.on('PUT /v1/uploads/up-1', {
      body: { uploadId: 'up-1', receivedSize: CONTENT.length, declaredSize: CONTENT.length, complete: true },
    });
    h.server.on('FinalizeUpload', gqlData('finalizeUpload', version({ tags: ['a', 'b'] })));
  }

  it('uploads the file, finalizes with description and tags, and prints the version', async () => {
    serveUpload();
    const file = join(dir, 'model.onnx');
    await writeFile(file, CONTENT);
    const run = await h.run(['push', file, '--model', MODEL.name, '--description', 'first', '--tags', 'a,b']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(ops()).toEqual(['Models', 'CreateUpload', 'PUT /v1/uploads/up-1', 'FinalizeUpload']);
    const put = h.server.requests[2]!;
    expect(put.body).toBe(CONTENT);
    expect(put.headers.authorization).toBe('Bearer arcu_upload-secret');
    expect(put.headers['content-type']).toBe('application/octet-stream');
    expect(h.server.requests[1]?.json?.variables).toEqual({
      input: { modelId: MODEL.id, sizeBytes: CONTENT.length },
    });
    expect(h.server.requests[3]?.json?.variables).toEqual({
      uploadId: 'up-1',
      input: { description: 'first', tags: ['a', 'b'] },
    });
    expect(run.stdout).toContain('Pushed resnet-50 version 3.');
    expect(run.stdout).toContain(`SHA-256  ${SHA}`);
    expect(run.stdout + run.stderr).not.toContain('arcu_upload-secret');
  });

  it('asks for approval when the alias is protected, and says so', async () => {
    serveUpload();
    h.server.on('SetAlias', gqlError('FAILED_PRECONDITION', 'alias "prod" is protected'));
    h.server.on(
      'RequestPromotion',
      gqlData('requestPromotion', {
        id: '22222222-2222-4222-8222-222222222222',
        modelId: MODEL.id,
        alias: 'prod',
        versionId: version().id,
        versionNumber: 3,
        state: 'PENDING',
        reason: 'arca push of version 3',
        requestedById: 'user-1',
        decidedById: null,
        decisionNote: null,
        createdAt: '2025-01-02T03:04:05.000Z',
        decidedAt: null,
      }),
    );
    const file = join(dir, 'model.onnx');
    await writeFile(file, CONTENT);
    const run = await h.run(['push', file, '--model', MODEL.name, '--alias', 'prod', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { version: ModelVersion; alias: unknown };
    expect(out.alias).toEqual({
      name: 'prod',
      status: 'pending',
      requestId: '22222222-2222-4222-8222-222222222222',
    });
    expect(ops().slice(-2)).toEqual(['SetAlias', 'RequestPromotion']);
    const text = await h.run(['push', file, '--model', MODEL.name, '--alias', 'prod']);
    expect(text.stdout).toContain(
      'Alias prod is protected: promotion request 22222222-2222-4222-8222-222222222222 is pending approval.',
    );
  });

  it('exits non-zero with the reason when validation fails', async () => {
    serveUpload();
    h.server.on(
      'FinalizeUpload',
      gqlData(
        'finalizeUpload',
        version({
          state: 'FAILED',
          sha256: null,
          failureCode: 'ONNX_MALFORMED',
          failureReason: 'not a ModelProto',
        }),
      ),
    );
    const file = join(dir, 'model.onnx');
    await writeFile(file, CONTENT);
    const run = await h.run(['push', file, '--model', MODEL.name]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('arca: version 3 failed validation: not a ModelProto\n');
    const json = await h.run(['push', file, '--model', MODEL.name, '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: 'VERSION_FAILED', message: 'version 3 failed validation: not a ModelProto' },
    });
  });

  it.each([
    [['push', 'nope.onnx', '--model', 'm'], 2, /cannot read nope.onnx: no such file/],
    [['push', '.', '--model', 'm'], 2, /not a regular file/],
    [['push', 'x.onnx'], 2, /required option '--model <name-or-id>' not specified/],
    [['push', 'x.onnx', '--model', 'm', '--tags', 'Bad Tag'], 2, /invalid tag "Bad Tag"/],
    [['push', 'x.onnx', '--model', 'm', '--alias', 'Prod'], 2, /invalid alias "Prod"/],
  ])('rejects %j before any request', async (args, code, message) => {
    const run = await h.run(args);
    expect(run.code).toBe(code);
    expect(run.stderr).toMatch(message);
    expect(h.server.requests).toHaveLength(0);
  });
});

describe('arca pull', () => {
  function serveDownload(sha256 = SHA): void {
    h.server.on('ResolveModelVersion', gqlData('resolveModelVersion', version()));
    h.server.on(
      'CreateDownload',
      gqlData('createDownload', {
        id: 'g-1',
        versionId: version().id,
        url: `/v1/downloads/${TOKEN}`,
        expiresAt: '2030-01-01T00:00:00.000Z',
        sizeBytes: CONTENT.length,
        sha256,
      }),
    );
    h.server.on(`GET /v1/downloads/${TOKEN}`, (req) => {
      const start = Number(/^bytes=(\d+)-$/.exec(String(req.headers.range ?? ''))?.[1] ?? 0);
      return start > 0
        ? {
            status: 206,
            raw: CONTENT.slice(start),
            headers: { 'content-range': `bytes ${start}-${CONTENT.length - 1}/${CONTENT.length}` },
          }
        : { raw: CONTENT };
    });
  }

  it('downloads, verifies and renames into place with mode 0600', async () => {
    serveDownload();
    const out = join(dir, 'model.onnx');
    const run = await h.run(['pull', 'resnet-50@prod', '--out', out, '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(h.server.requests[0]?.json?.variables).toEqual({ model: 'resnet-50', ref: 'prod' });
    expect(readFileSync(out, 'utf8')).toBe(CONTENT);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['model.onnx']);
    expect(JSON.parse(run.stdout)).toMatchObject({
      number: 3,
      sha256: SHA,
      resumedFrom: 0,
      sizeBytes: CONTENT.length,
    });
    expect(run.stdout).not.toContain(TOKEN);
  });

  it('refuses to overwrite without --force', async () => {
    serveDownload();
    const out = join(dir, 'model.onnx');
    await writeFile(out, 'precious');
    const run = await h.run(['pull', 'resnet-50', '--out', out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/already exists; pass --force/);
    expect(h.server.requests).toHaveLength(0);
    expect((await h.run(['pull', 'resnet-50', '--out', out, '--force'])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(CONTENT);
  });

  it('leaves no file at all when the SHA-256 does not match', async () => {
    serveDownload('00'.repeat(32));
    const out = join(dir, 'model.onnx');
    const run = await h.run(['pull', 'resnet-50:3', '--out', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^arca: SHA-256 mismatch/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('resumes a partial file of the same version and restarts one of another version', async () => {
    serveDownload();
    const out = join(dir, 'model.onnx');
    const sidecar = (versionId: string) =>
      writeFile(`${out}.partial.json`, JSON.stringify({ versionId, sha256: SHA, sizeBytes: CONTENT.length }));
    await writeFile(`${out}.partial`, CONTENT.slice(0, 700), { mode: 0o600 });
    await sidecar(version().id);
    const run = await h.run(['pull', 'resnet-50', '--out', out, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ resumedFrom: 700 });
    expect(h.server.requests.at(-1)?.headers.range).toBe('bytes=700-');
    expect(readFileSync(out, 'utf8')).toBe(CONTENT);
    expect(readdirSync(dir)).toEqual(['model.onnx']);

    await writeFile(`${out}.partial`, 'garbage from another version');
    await sidecar('33333333-3333-4333-8333-333333333333');
    const again = await h.run(['pull', 'resnet-50', '--out', out, '--force', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ resumedFrom: 0 });
    expect(readFileSync(out, 'utf8')).toBe(CONTENT);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });

  it('maps a server INTEGRITY_ERROR and keeps nothing', async () => {
    serveDownload();
    h.server.on(`GET /v1/downloads/${TOKEN}`, {
      status: 500,
      body: { error: { code: 'INTEGRITY_ERROR', message: 'the stored model failed to authenticate' } },
    });
    const out = join(dir, 'model.onnx');
    const run = await h.run(['pull', 'resnet-50', '--out', out, '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      error: { code: 'INTEGRITY_ERROR', message: 'the stored model failed to authenticate' },
    });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects a malformed reference before any request', async () => {
    const run = await h.run(['pull', 'resnet-50@prod:3', '--out', join(dir, 'x')]);
    expect([run.code, h.server.requests.length]).toEqual([2, 0]);
    expect(run.stderr).toMatch(/both @ and :/);
  });
});

describe('arca versions and arca alias', () => {
  it('lists versions in a table and filters by state', async () => {
    h.server.on('Models', gqlData('models', sampleConnection([MODEL])));
    h.server.on('ModelVersions', gqlData('modelVersions', sampleConnection([version()])));
    const run = await h.run(['versions', 'list', 'resnet-50', '--state', 'ready']);
    expect(run.code).toBe(0);
    expect(h.server.requests[1]?.json?.variables).toEqual({ modelId: MODEL.id, state: 'READY', first: 50 });
    expect(run.stdout.split('\n')[0]).toMatch(/^VERSION +STATE +SIZE +SHA-256 +TAGS +CREATED +ID$/);
    expect(run.stdout).toContain(`3        ready  2.0 KiB  ${SHA.slice(0, 12)}`);
    const bad = await h.run(['versions', 'list', 'resnet-50', '--state', 'gone']);
    expect(bad.code).toBe(2);
  });

  it('sets an alias, and points at alias request when it is protected', async () => {
    h.server.on('Models', gqlData('models', sampleConnection([MODEL])));
    h.server.on('ResolveModelVersion', gqlData('resolveModelVersion', version()));
    h.server.on('SetAlias', gqlError('FAILED_PRECONDITION', 'alias "prod" is protected'));
    const run = await h.run(['alias', 'set', 'resnet-50', 'prod', 'v3']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      'arca: alias "prod" is protected; to ask an approver, run: arca alias request resnet-50 prod 3\n',
    );
    expect(h.server.requests.at(-1)?.json?.variables).toEqual({
      modelId: MODEL.id,
      alias: 'prod',
      versionId: version().id,
    });
  });
});
