import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxValidationError, type OnnxErrorCode } from './errors.js';
import { inspectInChildProcess, pipeSource, type InspectInChildProcessOptions } from './inspector.js';
import {
  buildMlp,
  emptyFile,
  externalDataModel,
  modelStream,
  randomBytes,
  runtimeRejectedModel,
  unknownDomainModel,
} from './testing/index.js';

// Needs dist/inspect-worker.js: `npm run build -w @arca/onnx` (test/global-setup or CI runs it first).

const OPTIONS: InspectInChildProcessOptions = { maxBytes: 64 << 20, timeoutMs: 30_000 };

async function* chunksOf(bytes: Uint8Array, size = 4096): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) {
    await Promise.resolve();
    yield bytes.subarray(i, i + size);
  }
}

async function* forever(): AsyncGenerator<Uint8Array> {
  yield buildMlp({ inputSize: 4, hidden: [4], outputs: 2 }).subarray(0, 10);
  await new Promise(() => undefined);
}

async function failure(promise: Promise<unknown>): Promise<OnnxValidationError> {
  const err = await promise.then(
    () => new Error('expected a rejection'),
    (e: unknown) => e,
  );
  if (err instanceof OnnxValidationError) return err;
  throw err;
}

/** Node processes whose parent is this test process (the inspector when one is running). */
function children(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, command]) => pid && command !== 'ps')
    .map(([pid]) => Number(pid));
}

async function waitForChild(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const [pid] = children();
    if (pid) return pid;
    await sleep(25);
  }
  throw new Error('no inspector process appeared');
}

const scratch = mkdtempSync(join(tmpdir(), 'arca-onnx-fake-workers-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function fakeWorker(name: string, code: string): string {
  const path = join(scratch, `${name}.mjs`);
  writeFileSync(path, code);
  return path;
}

describe('inspectInChildProcess', () => {
  it('validates and loads a model in onnxruntime, and reports its sha256', async () => {
    const bytes = buildMlp({ inputSize: 8, hidden: [16], outputs: 3, seed: 9 });
    const summary = await inspectInChildProcess(chunksOf(bytes, 100), OPTIONS);
    expect(summary).toMatchObject({
      runtimeVerified: true,
      byteLength: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      inputs: [{ name: 'input', elementType: 'FLOAT', shape: ['batch', 8] }],
      outputs: [{ name: 'logits', elementType: 'FLOAT', shape: ['batch', 3] }],
    });
    expect(children()).toEqual([]);
  });

  it('streams a 64 MiB model (expected size announced) and loads it', async () => {
    const stream = modelStream(64 << 20);
    const summary = await inspectInChildProcess(stream.stream(), {
      ...OPTIONS,
      maxBytes: 128 << 20,
      expectedBytes: stream.byteLength,
    });
    expect(summary.parameterCount).toBe(stream.rows * stream.cols);
    expect(summary.runtimeVerified).toBe(true);
  });

  it.each<[OnnxErrorCode, () => Uint8Array, RegExp]>([
    ['EMPTY_FILE', emptyFile, /empty/],
    ['NOT_ONNX', () => randomBytes(10_000), /not an ONNX model/],
    ['EXTERNAL_DATA', () => externalDataModel(), /external file/],
    ['UNKNOWN_DOMAIN', () => unknownDomainModel(), /com\.acme/],
    ['RUNTIME_LOAD_FAILED', runtimeRejectedModel, /could not load the model: .*NoSuchOperator/],
  ])('rejects with %s', async (code, build, message) => {
    const err = await failure(inspectInChildProcess(chunksOf(build()), OPTIONS));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('records but does not load a model with allowed external data', async () => {
    const summary = await inspectInChildProcess(chunksOf(externalDataModel('w.bin')), {
      ...OPTIONS,
      policy: { allowExternalData: true },
    });
    expect(summary.runtimeVerified).toBe(false);
    expect(summary.externalData.map((e) => e.location)).toEqual(['w.bin']);
  });

  it('rejects an upload shorter than announced as TRUNCATED', async () => {
    const bytes = buildMlp({ inputSize: 4, hidden: [4], outputs: 2 });
    const err = await failure(
      inspectInChildProcess(chunksOf(bytes.subarray(0, 100)), { ...OPTIONS, expectedBytes: bytes.length }),
    );
    expect(err.code).toBe('TRUNCATED');
  });

  it('stops reading the source at maxBytes (TOO_LARGE) and closes it', async () => {
    let closed = false;
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          pulled += 1;
          await Promise.resolve();
          yield new Uint8Array(64 << 10);
        }
      } finally {
        closed = true;
      }
    }
    const err = await failure(inspectInChildProcess(endless(), { ...OPTIONS, maxBytes: 1 << 20 }));
    expect(err.code).toBe('TOO_LARGE');
    expect(pulled).toBeLessThanOrEqual(17);
    expect(closed).toBe(true);
    expect(children()).toEqual([]);
  });

  it('kills the inspector on timeout and leaves no process behind', async () => {
    const started = Date.now();
    const err = await failure(inspectInChildProcess(forever(), { ...OPTIONS, timeoutMs: 1_500 }));
    expect(err.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(children()).toEqual([]);
  });

  it('reports a killed inspector as RUNTIME_CRASHED', async () => {
    const pending = failure(inspectInChildProcess(forever(), OPTIONS));
    process.kill(await waitForChild(), 'SIGKILL');
    const err = await pending;
    expect(err.code).toBe('RUNTIME_CRASHED');
    expect(err.message).toMatch(/killed by SIGKILL/);
    expect(children()).toEqual([]);
  });

  it('rejects with the abort reason and kills the inspector', async () => {
    const controller = new AbortController();
    const pending = inspectInChildProcess(forever(), { ...OPTIONS, signal: controller.signal });
    await waitForChild();
    controller.abort(new Error('request cancelled'));
    await expect(pending).rejects.toThrow('request cancelled');
    expect(children()).toEqual([]);
  });

  it('rejects with the source error (e.g. a failed decryption) and kills the inspector', async () => {
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array(10);
      await sleep(50);
      throw new Error('authentication tag mismatch');
    }
    await expect(inspectInChildProcess(broken(), OPTIONS)).rejects.toThrow('authentication tag mismatch');
    expect(children()).toEqual([]);
  });

  it.each<[string, string, OnnxErrorCode, RegExp, number?]>([
    ['garbage', 'process.stdout.write("not json\\n");', 'RUNTIME_CRASHED', /exited with code 0/],
    [
      'bad-json',
      'process.stdout.write(JSON.stringify({ ok: false, code: "NOPE" }) + "\\n");',
      'RUNTIME_CRASHED',
      /code 0/,
    ],
    ['exit', 'process.exit(3);', 'RUNTIME_CRASHED', /exited with code 3/],
    ['segv', 'process.kill(process.pid, "SIGSEGV");', 'RUNTIME_CRASHED', /killed by SIGSEGV/],
    [
      'oom',
      'const a = []; for (;;) a.push(new Array(1e5).fill(1.5));',
      'OUT_OF_MEMORY',
      /ran out of memory/,
      32,
    ],
  ])('maps a %s worker to %s', async (name, code, expected, message, memoryLimitMb) => {
    const workerPath = fakeWorker(name, `process.stdin.resume();\n${code}\n`);
    const err = await failure(
      inspectInChildProcess(chunksOf(new Uint8Array(10)), { ...OPTIONS, workerPath, memoryLimitMb }),
    );
    expect(err.code).toBe(expected);
    expect(err.message).toMatch(message);
  });
});

describe('pipeSource', () => {
  it('applies backpressure: the source is pulled only as fast as the sink drains', async () => {
    const chunk = 16 << 10;
    const highWaterMark = 64 << 10;
    let produced = 0;
    let consumed = 0;
    let maxAhead = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 256; i++) {
        produced += chunk;
        maxAhead = Math.max(maxAhead, produced - consumed);
        await Promise.resolve();
        yield new Uint8Array(chunk);
      }
    }
    const sink = new Writable({
      highWaterMark,
      write(data: Buffer, _encoding, callback) {
        setTimeout(() => {
          consumed += data.length;
          callback();
        }, 1);
      },
    });
    await expect(pipeSource(source(), sink, 1 << 30, () => false)).resolves.toEqual({ kind: 'done' });
    expect(consumed).toBe(256 * chunk);
    // In flight at most: the sink's buffer up to its high-water mark, plus the chunk being handed over.
    expect(maxAhead).toBeLessThanOrEqual(highWaterMark + 2 * chunk);
  });
});
