import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildMlp } from '@arca/onnx/testing';
import { ArcaClient, bytesSource } from '@arca/sdk';
import { main as cli, type CliIo } from '../../apps/cli/src/main.js';
import { main } from '../../apps/api/src/main.js';
import { TEST_MASTER_KEY, TEST_PEPPER } from '../../apps/api/test/support/harness.js';

// End to end: the real server (external test Postgres), `arca push` and `arca pull` of a real ONNX model, and an
// upload whose connection breaks mid-body and resumes from the segments the server committed.

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function capture(env: Record<string, string>, stop?: Promise<unknown>) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      out: (t: string) => out.push(t),
      err: (t: string) => err.push(t),
      env: { LOG_LEVEL: 'silent', ARCA_DATA_DIR: mkdtempSync(join(tmpdir(), 'arca-srv-')), ...env },
      stop,
    },
  };
}

const external = () => ({
  DATABASE_URL: inject('databaseAdminUrl'),
  DATABASE_APP_URL: inject('databaseAppUrl'),
  ARCA_API_KEY_PEPPER: TEST_PEPPER,
  ARCA_MASTER_KEY: TEST_MASTER_KEY,
});

let url: string;
let apiKey: string;
let release: () => void;
let done: Promise<number>;
const work = mkdtempSync(join(tmpdir(), 'arca-e2e-transfers-'));

beforeAll(async () => {
  const server = capture(
    { ...external(), PORT: '0', ARCA_DEMO_TENANT: 'false' },
    new Promise<void>((r) => (release = r)),
  );
  done = main(['node', 'arca-server', 'start'], server.io);
  const deadline = Date.now() + 60_000;
  while (!url && Date.now() < deadline) {
    url = /at (http:\/\/localhost:\d+)\/graphql/.exec(server.out.join('\n'))?.[1] ?? '';
    if (!url) await new Promise((r) => setTimeout(r, 100));
  }
  expect(url, server.err.join('\n')).toMatch(/^http/);
  const slug = `xfer-${Date.now().toString(36)}`;
  const created = capture(external());
  expect(
    await main(
      ['node', 'arca-server', 'create-tenant', '--slug', slug, '--owner-email', `o@${slug}.test`, '--json'],
      created.io,
    ),
  ).toBe(0);
  apiKey = (JSON.parse(created.out.join('\n')) as { apiKey: string }).apiKey;
}, 120_000);

afterAll(async () => {
  release?.();
  await done;
});

async function arca(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: { write: (s: string) => ((stdout += s), true) },
    stderr: { write: (s: string) => ((stderr += s), true) },
    env: { ARCA_CONFIG_DIR: join(work, 'cli'), ARCA_API_KEY: apiKey, ARCA_SERVER: url },
  } as unknown as CliIo;
  const code = await cli(['node', 'arca', ...args], io);
  return { code, stdout, stderr };
}

describe('arca push / arca pull against the real server', () => {
  it('pushes a real ONNX model and pulls it back byte-identical, by number and by latest', async () => {
    expect((await arca('models', 'create', 'mlp')).code).toBe(0);
    const model = buildMlp({ inputSize: 16, hidden: [32], outputs: 4, seed: 7 });
    const file = join(work, 'mlp.onnx');
    writeFileSync(file, model);

    const pushed = await arca(
      'push',
      file,
      '--model',
      'mlp',
      '--description',
      'first',
      '--tags',
      'e2e',
      '--json',
    );
    expect(pushed.stderr).toBe('');
    expect(pushed.code).toBe(0);
    const { version } = JSON.parse(pushed.stdout) as {
      version: { number: number; state: string; sha256: string };
    };
    expect(version).toMatchObject({ number: 1, state: 'READY', sha256: sha256(model) });

    const pulledDir = join(work, 'pulled');
    mkdirSync(pulledDir);
    const out = join(pulledDir, 'mlp-v1.onnx');
    const pulled = await arca('pull', 'mlp:1', '--out', out, '--json');
    expect(pulled.stderr).toBe('');
    expect(pulled.code).toBe(0);
    expect(Buffer.compare(readFileSync(out), Buffer.from(model))).toBe(0);
    expect(readdirSync(pulledDir)).toEqual(['mlp-v1.onnx']);

    const again = await arca('pull', 'mlp', '--out', out);
    expect(again.code).toBe(2);
    const forced = await arca('pull', 'mlp', '--out', out, '--force');
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/^Pulled mlp \(latest\) version 1 to .*SHA-256 [0-9a-f]{64} verified/);

    const list = await arca('versions', 'list', 'mlp');
    expect(list.stdout).toMatch(/^1 +ready +/m);
  });

  it('resumes an upload whose connection breaks mid-body, then pulls it back intact', async () => {
    expect((await arca('models', 'create', 'mlp-big')).code).toBe(0);
    // About 2.1 MiB: several 1 MiB segments, so the broken first attempt leaves whole segments to resume after.
    const model = buildMlp({ inputSize: 512, hidden: [1024], outputs: 10, seed: 3 });
    expect(model.length).toBeGreaterThan(2 * 1024 * 1024);
    let puts = 0;
    const breakingFetch: typeof fetch = (input, init) => {
      if (init?.method === 'PUT' && init.body instanceof ReadableStream && puts++ === 0) {
        // Forward 1.5 MiB of the body, then fail it, as a dropped connection would.
        const reader = (init.body as ReadableStream<Uint8Array>).getReader();
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const { done: end, value } = await reader.read();
            if (end) return controller.close();
            sent += value.length;
            if (sent > 1.5 * 1024 * 1024) {
              // Drop the connection once the server has committed what it received (deterministic resume point).
              const headers = new Headers(init.headers);
              for (let i = 0; i < 500; i++) {
                const status = await fetch(input, {
                  headers: { authorization: headers.get('authorization')! },
                });
                if (((await status.json()) as { receivedSize: number }).receivedSize > 0) break;
                await new Promise((r) => setTimeout(r, 10));
              }
              await reader.cancel();
              return controller.error(new Error('connection dropped'));
            }
            controller.enqueue(value);
          },
        });
        return fetch(input, { ...init, body, duplex: 'half' });
      }
      return fetch(input, init);
    };
    const client = new ArcaClient({ serverUrl: url, token: apiKey, fetch: breakingFetch });
    const target = await client.models.getByName('mlp-big');
    const starts: number[] = [];
    const retries: string[] = [];
    const version = await client.transfers.upload({
      modelId: target!.id,
      size: model.length,
      source: (start) => {
        starts.push(start);
        return bytesSource(model, 256 * 1024)(start);
      },
      retryDelayMs: 10,
      onRetry: (r) => retries.push(r.error.code),
    });
    // The drop comes first. The server may still be committing the broken request's last segment when the client
    // resumes: it then answers CONFLICT with the new offset (possibly cutting that request short), and the client
    // converges on it. Every resume starts at a committed segment boundary, never beyond what was sent.
    expect(retries[0]).toBe('NETWORK_ERROR');
    expect(retries.every((code) => code === 'NETWORK_ERROR' || code === 'CONFLICT')).toBe(true);
    expect(starts.length).toBeGreaterThanOrEqual(2);
    expect(starts[0]).toBe(0);
    expect(starts[1]).toBeGreaterThan(0);
    expect(Math.max(...starts)).toBeLessThanOrEqual(1.5 * 1024 * 1024);
    expect(version.state).toBe('READY');
    expect(version.sha256).toBe(sha256(model));

    const out = join(work, 'big.onnx');
    const pulled = await arca('pull', 'mlp-big:v1', '--out', out);
    expect(pulled.code).toBe(0);
    expect(Buffer.compare(readFileSync(out), Buffer.from(model))).toBe(0);
  });
});
