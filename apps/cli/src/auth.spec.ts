import { lstat, readdir, readFile, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { apiKeyDisplayPrefix } from '@arca/contracts';
import { gqlData, gqlError, sampleMe } from '@arca/sdk/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InputStream } from './output.js';
import { CliHarness, newApiKey } from './testing/harness.js';

let h: CliHarness;
beforeEach(async () => {
  h = await CliHarness.start();
  h.server.on('Me', gqlData('me', sampleMe()));
});
afterEach(async () => {
  await h.close();
});

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('arca login', () => {
  it('verifies the key with `me` and stores it 0600 in a 0700 directory', async () => {
    const run = await h.run(['login', '--server', h.server.url, '--api-key', h.apiKey]);
    expect(run.code).toBe(0);
    expect(h.server.requests).toHaveLength(1);
    expect(h.server.requests[0]?.headers.authorization).toBe(`Bearer ${h.apiKey}`);
    expect(h.server.requests[0]?.json?.operationName).toBe('Me');
    expect(JSON.parse(await readFile(h.credentialsFile, 'utf8'))).toEqual({
      server: h.server.url,
      apiKey: h.apiKey,
    });
    expect(await mode(h.credentialsFile)).toBe(0o600);
    expect(await mode(h.configDir)).toBe(0o700);
    expect(await readdir(h.configDir)).toEqual(['credentials.json']); // no temp file left behind
    expect(run.stdout).toContain(`Logged in to ${h.server.url} as ada@example.com.`);
    expect(run.stdout).toMatch(/Credential +API key arca_AbCdEfGh… "ci"/);
    expect(run.stderr).toContain('warning: --api-key is visible');
    expect(run.stdout + run.stderr).not.toContain(h.apiKey);
  });

  it('takes the key from ARCA_API_KEY and the server from ARCA_SERVER, with --json', async () => {
    const run = await h.run(['login', '--json'], {
      env: { ARCA_API_KEY: h.apiKey, ARCA_SERVER: h.server.url },
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(out).toMatchObject({
      server: h.server.url,
      credentials: h.credentialsFile,
      user: sampleMe().user,
    });
    expect(run.stdout).not.toContain(h.apiKey);
  });

  it('reads the key from piped stdin', async () => {
    const run = await h.run(['login', '--server', h.server.url + '/'], { stdin: `${h.apiKey}\n` });
    expect(run.code).toBe(0);
    expect(JSON.parse(await readFile(h.credentialsFile, 'utf8'))).toMatchObject({ server: h.server.url });
  });

  it('prompts on a terminal without echoing the key', async () => {
    const tty = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: (on: boolean) => void };
    tty.isTTY = true;
    tty.setRawMode = vi.fn();
    const running = h.run(['login', '--server', h.server.url], { stdin: tty as unknown as InputStream });
    setTimeout(() => tty.write(`x\u007f${h.apiKey}\r`), 20);
    const run = await running;
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('API key: \n');
    expect(tty.setRawMode).toHaveBeenNthCalledWith(1, true);
    expect(tty.setRawMode).toHaveBeenLastCalledWith(false);
    expect(JSON.parse(await readFile(h.credentialsFile, 'utf8'))).toMatchObject({ apiKey: h.apiKey });
  });

  it.each([
    ['malformed', 'not-a-key', 'is not an Arca API key'],
    ['bad-checksum', 'BAD', 'bad checksum'],
  ])('rejects a %s key before any network call', async (_, kind, message) => {
    const key = kind === 'BAD' ? h.apiKey.slice(0, -1) + (h.apiKey.endsWith('0') ? '1' : '0') : kind;
    const run = await h.run(['login', '--server', h.server.url], { stdin: key });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toContain(key);
    expect(h.server.requests).toHaveLength(0);
    await expect(lstat(h.credentialsFile)).rejects.toThrow(/ENOENT/);
  });

  it('stores nothing when the server rejects the key', async () => {
    h.server.on('Me', gqlError('UNAUTHENTICATED', 'invalid API key'));
    const run = await h.run(['login', '--server', h.server.url], { stdin: h.apiKey });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `arca: ${h.server.url} rejected the API key ${apiKeyDisplayPrefix(h.apiKey)}…: invalid API key\n`,
    );
    await expect(lstat(h.credentialsFile)).rejects.toThrow(/ENOENT/);
  });

  it('needs a server, and refuses plain http to a remote host', async () => {
    expect((await h.run(['login'], { stdin: h.apiKey })).stderr).toBe(
      'arca: missing --server URL (or set ARCA_SERVER)\n',
    );
    const run = await h.run(['login', '--server', 'http://arca.example.com'], { stdin: h.apiKey });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('refusing to send credentials over plain http to arca.example.com');
    expect((await h.run(['login', '--server', 'ftp://x'], { stdin: h.apiKey })).code).toBe(2);
  });

  it('replaces a previous, too permissive credentials file with a private one', async () => {
    await h.storeCredentials(0o644, newApiKey());
    expect((await h.run(['login', '--server', h.server.url], { stdin: h.apiKey })).code).toBe(0);
    expect(await mode(h.credentialsFile)).toBe(0o600);
    expect(JSON.parse(await readFile(h.credentialsFile, 'utf8'))).toMatchObject({ apiKey: h.apiKey });
  });
});

describe('stored credentials', () => {
  it.each([0o644, 0o640, 0o604, 0o660])('refuses a credentials file with mode %o', async (fileMode) => {
    await h.storeCredentials(fileMode);
    const run = await h.run(['whoami']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `is accessible by other users (mode 0${fileMode.toString(8)}); refusing to use it`,
    );
    expect(run.stderr).toContain(`chmod 600 ${h.credentialsFile}`);
    expect(h.server.requests).toHaveLength(0);
  });

  it('refuses a symlinked credentials file and a corrupt one', async () => {
    await h.storeCredentials();
    await writeFile(`${h.configDir}/real.json`, await readFile(h.credentialsFile), { mode: 0o600 });
    await unlink(h.credentialsFile);
    await symlink(`${h.configDir}/real.json`, h.credentialsFile);
    let run = await h.run(['whoami', '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      error: {
        code: 'INSECURE_CREDENTIALS',
        message: `${h.credentialsFile} is a symbolic link; refusing to read it`,
      },
    });
    await unlink(h.credentialsFile);
    await writeFile(h.credentialsFile, '{"server": 1}', { mode: 0o600 });
    run = await h.run(['whoami']);
    expect([run.code, run.stderr]).toEqual([
      1,
      `arca: ${h.credentialsFile} is not a valid credentials file; run "arca login" again\n`,
    ]);
  });

  it('prefers ARCA_SERVER and ARCA_API_KEY over the file, and checks the env key offline', async () => {
    await h.storeCredentials(0o600, newApiKey());
    const env = { ARCA_API_KEY: h.apiKey, ARCA_SERVER: h.server.url };
    expect((await h.run(['whoami'], { env })).code).toBe(0);
    expect(h.server.requests[0]?.headers.authorization).toBe(`Bearer ${h.apiKey}`);
    const run = await h.run(['whoami'], { env: { ARCA_API_KEY: 'arca_nope' } });
    expect([run.code, run.stderr]).toEqual([
      2,
      'arca: ARCA_API_KEY is not an Arca API key (expected "arca_" and 49 letters or digits)\n',
    ]);
    expect(h.server.requests).toHaveLength(1);
  });
});

describe('arca whoami and logout', () => {
  it('prints the principal as aligned fields, or JSON', async () => {
    await h.storeCredentials();
    const text = await h.run(['whoami']);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(
      [
        `Server       ${h.server.url}`,
        'User         Ada Lovelace <ada@example.com>',
        'Tenant       Acme Corp (acme)',
        'Role         publisher',
        'Credential   API key arca_AbCdEfGh… "ci"',
        'Expires      2025-04-02T03:04:05.000Z',
        'Permissions  models:read, models:create',
        '',
      ].join('\n'),
    );
    const json = await h.run(['whoami', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ server: h.server.url, ...sampleMe() });
  });

  it('says "not logged in" with exit code 3', async () => {
    const run = await h.run(['whoami']);
    expect([run.code, run.stdout]).toEqual([3, '']);
    expect(run.stderr).toBe('arca: not logged in; run "arca login --server URL" or set ARCA_API_KEY\n');
  });

  it('deletes the credentials, also when they are too permissive', async () => {
    await h.storeCredentials(0o644);
    const run = await h.run(['logout']);
    expect(run).toEqual({ code: 0, stdout: `Logged out; removed ${h.credentialsFile}.\n`, stderr: '' });
    await expect(lstat(h.credentialsFile)).rejects.toThrow(/ENOENT/);
    expect((await h.run(['logout'])).stdout).toBe('Not logged in; nothing to remove.\n');
    await h.storeCredentials();
    const json = await h.run(['logout', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      loggedOut: true,
      server: h.server.url,
      credentials: h.credentialsFile,
    });
    expect((await h.run(['whoami'])).code).toBe(3);
  });
});
