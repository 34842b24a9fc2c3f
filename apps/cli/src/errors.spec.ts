import { gqlError } from '@arca/sdk/testing';
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

describe('exit codes', () => {
  it.each([
    ['BAD_USER_INPUT', 2],
    ['UNAUTHENTICATED', 3],
    ['FORBIDDEN', 4],
    ['NOT_FOUND', 5],
    ['CONFLICT', 6],
    ['RATE_LIMITED', 7],
    ['FAILED_PRECONDITION', 1],
    ['INTERNAL_SERVER_ERROR', 1],
    ['GRAPHQL_VALIDATION_FAILED', 1],
  ])('%s exits with %i, as one stderr line or JSON on stdout', async (code, exitCode) => {
    h.server.on('Me', gqlError(code, `server says ${code}`, code.startsWith('GRAPHQL') ? 400 : 200));
    const hint = code === 'UNAUTHENTICATED' ? '; run "arca login" again' : '';
    const text = await h.run(['whoami']);
    expect(text).toEqual({ code: exitCode, stdout: '', stderr: `arca: server says ${code}${hint}\n` });
    const json = await h.run(['whoami', '--json']);
    expect(json.code).toBe(exitCode);
    expect(json.stderr).toBe('');
    expect(JSON.parse(json.stdout)).toEqual({ error: { code, message: `server says ${code}${hint}` } });
    expect(json.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('exits 8 when the server is unreachable, without printing the key', async () => {
    await h.server.close();
    const run = await h.run(['whoami']);
    expect(run.code).toBe(8);
    expect(run.stderr).toMatch(/^arca: cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)\n$/);
    const json = await h.run(['models', 'list', '--json']);
    expect(json.code).toBe(8);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'NETWORK_ERROR' } });
    expect(run.stderr + json.stdout).not.toContain(h.apiKey);
  });

  it('exits 1 for answers that are not GraphQL', async () => {
    h.server.on('Me', { status: 502, raw: 'Bad gateway' });
    const run = await h.run(['whoami']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^arca: http:\/\/127\.0\.0\.1:\d+ answered HTTP 502 with a non-JSON body\n$/);
  });

  it('exits 2 on usage errors, in text and JSON', async () => {
    expect(await h.run(['frobnicate'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "arca: unknown command 'frobnicate'\n",
    });
    expect(await h.run(['whoami', '--nope'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "arca: unknown option '--nope'\n",
    });
    const json = await h.run(['models', 'create', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      error: { code: 'USAGE', message: "missing required argument 'name'" },
    });
    const bare = await h.run([]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('Usage: arca');
  });

  it('documents the exit codes in --help; --help and --version exit 0', async () => {
    const help = await h.run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes:');
    expect(help.stdout).toContain('8  network error');
    expect(help.stdout).toContain('ARCA_CONFIG_DIR');
    expect(await h.run(['--version'])).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
    expect((await h.run(['models', 'list', '--help'])).stdout).toContain('--tag <tag>');
  });
});
