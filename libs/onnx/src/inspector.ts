import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { OnnxValidationError } from './errors.js';
import { PROTOBUF_MAX_BYTES, type OnnxPolicy } from './policy.js';
import type { OnnxSummary } from './summary.js';
import { parseWorkerResult, type WorkerArgs } from './worker-protocol.js';

export interface InspectInChildProcessOptions {
  policy?: OnnxPolicy;
  /** Bytes accepted from `source` (at most 2 GiB − 1); more is TOO_LARGE. */
  maxBytes: number;
  /** Wall-clock budget for the whole inspection; the process is killed when it runs out (TIMEOUT). */
  timeoutMs: number;
  /**
   * V8 heap cap of the inspector process (--max-old-space-size, default 1024). The model bytes and
   * onnxruntime's allocations are outside the V8 heap: they are bounded only by the container's memory limit
   * (the inspector volunteers as the kernel's first out-of-memory victim).
   */
  memoryLimitMb?: number;
  /** The plaintext size when known: the inspector then allocates it once instead of collecting chunks. */
  expectedBytes?: number;
  /** Aborting kills the inspector and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Another worker script (tests only). */
  workerPath?: string;
}

const MAX_STDOUT = 1 << 20;
const STDERR_TAIL = 8 << 10;

/**
 * Validates a model in a separate Node process: streams `source` into its stdin with backpressure (the caller
 * never holds the whole model), the child parses it, loads it in onnxruntime from memory and reports a summary.
 * Rejects with OnnxValidationError for anything wrong with the model or its inspection, or with the source's
 * own error if reading the source fails. The child is always reaped before this settles.
 */
export async function inspectInChildProcess(
  source: AsyncIterable<Uint8Array>,
  options: InspectInChildProcessOptions,
): Promise<OnnxSummary> {
  const { maxBytes, timeoutMs, memoryLimitMb = 1024 } = options;
  if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0 || maxBytes > PROTOBUF_MAX_BYTES) {
    throw new RangeError(`maxBytes must be an integer between 1 and ${PROTOBUF_MAX_BYTES}`);
  }
  if (!(timeoutMs > 0) || !Number.isSafeInteger(memoryLimitMb) || memoryLimitMb < 16) {
    throw new RangeError('timeoutMs must be positive and memoryLimitMb an integer of at least 16');
  }
  options.signal?.throwIfAborted();
  const workerPath = options.workerPath ?? defaultWorkerPath();
  // An empty working directory: onnxruntime resolves relative external-data paths against it.
  const cwd = await mkdtemp(join(tmpdir(), 'arca-onnx-inspect-'));
  try {
    const args: WorkerArgs = { maxBytes, expectedBytes: options.expectedBytes, policy: options.policy };
    return await runChild(source, workerPath, cwd, args, { ...options, memoryLimitMb });
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}

/** dist/inspect-worker.js next to this file (production) or in ../dist (tests running from src). */
function defaultWorkerPath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'inspect-worker.js'), join(here, '..', 'dist', 'inspect-worker.js')];
  // The generated protobuf code is copied into dist by `npm run build`, not by a bare tsc.
  const found = candidates.find(
    (path) => existsSync(path) && existsSync(join(dirname(path), 'generated', 'onnx.js')),
  );
  if (!found) {
    throw new Error(
      `The ONNX inspector worker is not built (looked for ${candidates.join(', ')}). ` +
        'Build it with `npm run build -w @arca/onnx` (tsc, then a copy of src/generated into dist).',
    );
  }
  return found;
}

type FeedResult =
  { kind: 'done' } | { kind: 'too-large' } | { kind: 'stopped' } | { kind: 'failed'; error: unknown };

function runChild(
  source: AsyncIterable<Uint8Array>,
  workerPath: string,
  cwd: string,
  args: WorkerArgs,
  options: InspectInChildProcessOptions & { memoryLimitMb: number },
): Promise<OnnxSummary> {
  return new Promise<OnnxSummary>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        `--max-old-space-size=${options.memoryLimitMb}`,
        '--disallow-code-generation-from-strings',
        workerPath,
        JSON.stringify(args),
      ],
      // No inherited environment: no secrets, no NODE_OPTIONS.
      { cwd, env: {}, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true },
    );
    let closed = false;
    let timedOut = false;
    let spawnError: Error | undefined;
    let feed: FeedResult | undefined;
    let stdout = '';
    let stderr = '';
    const kill = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    const onAbort = (): void => kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) kill();

    child.on('error', (err) => {
      spawnError = err;
    });
    child.stdin.on('error', () => undefined); // EPIPE when the child exits early; the exit tells why
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      if (stdout.length + text.length > MAX_STDOUT) kill();
      else stdout += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL);
    });

    void pipeSource(source, child.stdin, args.maxBytes, () => closed).then((result) => {
      feed = result;
      if (result.kind === 'too-large' || result.kind === 'failed') kill();
    });

    child.on('close', (code, signal) => {
      closed = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (feed?.kind === 'failed') return reject(asError(feed.error));
      if (options.signal?.aborted) return reject(asError(options.signal.reason));
      if (timedOut) {
        return reject(
          new OnnxValidationError(
            'TIMEOUT',
            `The model inspection took longer than ${options.timeoutMs} ms and was stopped.`,
          ),
        );
      }
      if (feed?.kind === 'too-large') {
        return reject(
          new OnnxValidationError(
            'TOO_LARGE',
            `The model is larger than the limit of ${args.maxBytes} bytes.`,
          ),
        );
      }
      if (spawnError) return reject(spawnError);
      const lines = stdout.trim().split('\n');
      const result = parseWorkerResult(lines[lines.length - 1] ?? '');
      if (result?.ok === true) return resolve(result.summary);
      if (result?.ok === false) return reject(new OnnxValidationError(result.code, result.message));
      reject(crashError(code, signal, stderr));
    });
  });
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}

function crashError(code: number | null, signal: NodeJS.Signals | null, stderr: string): OnnxValidationError {
  if (/heap out of memory|Allocation failed|std::bad_alloc|Cannot allocate memory/i.test(stderr)) {
    return new OnnxValidationError(
      'OUT_OF_MEMORY',
      'The model inspector ran out of memory while loading the model.',
    );
  }
  const how = signal
    ? `was killed by ${signal}${signal === 'SIGKILL' ? ' (possibly out of memory)' : ''}`
    : `exited with code ${code}`;
  return new OnnxValidationError('RUNTIME_CRASHED', `The model inspector ${how} without a result.`);
}

/**
 * Copies `source` into `sink`, awaiting 'drain' whenever the sink's buffer is full, so at most about one
 * highWaterMark plus one chunk is in flight. Stops (closing the source iterator) once `stopped()` is true.
 */
export async function pipeSource(
  source: AsyncIterable<Uint8Array>,
  sink: Writable,
  maxBytes: number,
  stopped: () => boolean,
): Promise<FeedResult> {
  let total = 0;
  try {
    for await (const chunk of source) {
      if (stopped() || sink.destroyed) return { kind: 'stopped' };
      total += chunk.byteLength;
      if (total > maxBytes) return { kind: 'too-large' };
      if (!sink.write(chunk)) await drained(sink);
    }
    sink.end();
    return { kind: 'done' };
  } catch (error) {
    return { kind: 'failed', error };
  }
}

function drained(sink: Writable): Promise<void> {
  if (sink.destroyed || !sink.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      sink.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    sink.on('drain', done).on('close', done).on('error', done);
  });
}
