import { gqlData, gqlError, sampleConnection, sampleModel } from '@arca/sdk/testing';
import type { Model } from '@arca/sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CliHarness } from './testing/harness.js';

let h: CliHarness;
beforeEach(async () => {
  h = await CliHarness.start();
  await h.storeCredentials();
});
afterEach(async () => {
  await h.close();
});

const models = (...names: string[]): Model[] =>
  names.map((name, i) =>
    sampleModel({ id: `00000000-0000-4000-8000-00000000000${i}`, name, tags: i ? [] : ['vision'] }),
  );
const vars = (i: number): Record<string, unknown> | undefined => h.server.requests[i]?.json?.variables;

describe('arca models list', () => {
  it('prints an aligned table and passes every filter', async () => {
    h.server.on('Models', gqlData('models', sampleConnection(models('resnet-50', 'bert'))));
    const run = await h.run([
      'models',
      'list',
      '--query',
      'r',
      '--tag',
      'a',
      '--tag',
      'b',
      '--archived',
      '--limit',
      '5',
    ]);
    expect(run.code).toBe(0);
    expect(vars(0)).toEqual({ first: 5, query: 'r', tags: ['a', 'b'], includeArchived: true });
    expect(run.stdout).toBe(
      [
        'NAME       VISIBILITY  STATE   TAGS    UPDATED                   ID',
        'resnet-50  internal    active  vision  2025-01-02T03:04:05.000Z  00000000-0000-4000-8000-000000000000',
        'bert       internal    active  -       2025-01-02T03:04:05.000Z  00000000-0000-4000-8000-000000000001',
        '',
      ].join('\n'),
    );
    expect(run.stderr).toBe('');
  });

  it('pages until --limit and reports that there is more', async () => {
    const pages = [
      sampleConnection(models('a', 'b'), 'p1', true),
      sampleConnection(models('c', 'd'), 'p2', true),
    ];
    h.server.on('Models', (req) =>
      gqlData('models', req.json?.variables?.after === 'p1' ? pages[1] : pages[0]),
    );
    const run = await h.run(['models', 'list', '--limit', '3', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { models: Model[]; hasMore: boolean };
    expect(out.models.map((m) => m.name)).toEqual(['a', 'b', 'c']);
    expect(out.hasMore).toBe(true);
    expect(h.server.requests).toHaveLength(2);
    expect(vars(0)).toEqual({ first: 3 });
    const text = await h.run(['models', 'list', '--limit', '2']);
    expect(text.stderr).toBe('arca: showing the first 2 models; raise --limit to see more\n');
  });

  it('says so when nothing matches', async () => {
    h.server.on('Models', gqlData('models', sampleConnection([])));
    expect((await h.run(['models', 'list'])).stdout).toBe('No models found.\n');
    expect(vars(0)).toEqual({ first: 50 });
    expect(JSON.parse((await h.run(['models', 'list', '--json'])).stdout)).toEqual({
      models: [],
      hasMore: false,
    });
  });

  it.each([
    [['--limit', '0'], "option '--limit <n>' argument '0' is invalid. expected a positive integer"],
    [['--limit', 'x'], "option '--limit <n>' argument 'x' is invalid. expected a positive integer"],
    [['--tag', 'Bad Tag'], 'invalid tag "Bad Tag"'],
  ])('rejects %j without a request', async (args, message) => {
    const run = await h.run(['models', 'list', ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(h.server.requests).toHaveLength(0);
  });

  it('neutralises terminal control characters from the server', async () => {
    h.server.on(
      'Models',
      gqlData('models', sampleConnection([sampleModel({ name: 'evil\u001b[2Jname\u202e' })])),
    );
    const run = await h.run(['models', 'list']);
    expect(run.stdout).toContain('evil\uFFFD[2Jname\uFFFD');
    expect(run.stdout).not.toContain('\u001b');
  });
});

describe('arca models create', () => {
  it('creates a model and prints its fields', async () => {
    const created = sampleModel({
      name: 'yolo',
      visibility: 'RESTRICTED',
      tags: ['a', 'b'],
      description: 'detector',
    });
    h.server.on('CreateModel', gqlData('createModel', created));
    const args = [
      'models',
      'create',
      'yolo',
      '--description',
      'detector',
      '--tag',
      'a',
      '--tag',
      'b',
      '--restricted',
    ];
    const run = await h.run(args);
    expect(run.code).toBe(0);
    expect(vars(0)).toEqual({
      input: { name: 'yolo', description: 'detector', tags: ['a', 'b'], visibility: 'RESTRICTED' },
    });
    expect(run.stdout).toBe(
      [
        'Created model yolo.',
        '',
        `ID           ${created.id}`,
        'Name         yolo',
        'Description  detector',
        'Visibility   restricted',
        'Tags         a, b',
        'Archived     no',
        'Created      2025-01-02T03:04:05.000Z',
        'Updated      2025-01-02T03:04:05.000Z',
        '',
      ].join('\n'),
    );
    const json = await h.run(['models', 'create', 'yolo', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(created);
    expect(vars(1)).toEqual({ input: { name: 'yolo' } });
  });

  it('validates the name locally and maps CONFLICT to exit code 6', async () => {
    const bad = await h.run(['models', 'create', 'Not Valid']);
    expect([bad.code, h.server.requests.length]).toEqual([2, 0]);
    expect(bad.stderr).toMatch(/^arca: invalid model name "Not Valid"/);
    h.server.on('CreateModel', gqlError('CONFLICT', 'a model named "yolo" already exists'));
    const run = await h.run(['models', 'create', 'yolo']);
    expect([run.code, run.stderr]).toEqual([6, 'arca: a model named "yolo" already exists\n']);
  });
});

describe('arca models show', () => {
  it('finds a model by exact name', async () => {
    const page = sampleConnection(models('resnet-50-v2', 'resnet-50'));
    h.server.on('Models', gqlData('models', page));
    const run = await h.run(['models', 'show', 'resnet-50']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Name         resnet-50\n');
    expect(run.stdout).toContain('ID           00000000-0000-4000-8000-000000000001\n');
    expect(vars(0)).toEqual({ query: 'resnet-50', includeArchived: true, first: 100 });
    const json = await h.run(['models', 'show', 'resnet-50', '--json']);
    expect((JSON.parse(json.stdout) as Model).id).toBe('00000000-0000-4000-8000-000000000001');
  });

  it('looks up UUID-shaped arguments by id first', async () => {
    const model = sampleModel({ archived: true, archivedAt: '2025-03-01T00:00:00.000Z' });
    h.server.on('Model', gqlData('model', model));
    const run = await h.run(['models', 'show', model.id]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Archived     yes (2025-03-01T00:00:00.000Z)\n');
    expect(h.server.requests.map((r) => r.json?.operationName)).toEqual(['Model']);
  });

  it('exits 5 when neither the name nor the id exists', async () => {
    h.server.on('Models', gqlData('models', sampleConnection(models('other'))));
    h.server.on('Model', gqlError('NOT_FOUND', 'model not found'));
    const run = await h.run(['models', 'show', 'ghost']);
    expect([run.code, run.stderr]).toEqual([5, 'arca: no model named "ghost" and no model with that id\n']);
    expect(h.server.requests.map((r) => r.json?.operationName)).toEqual(['Models', 'Model']);
    const json = await h.run(['models', 'show', 'ghost', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: 'NOT_FOUND', message: 'no model named "ghost" and no model with that id' },
    });
  });
});
